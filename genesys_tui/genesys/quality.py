"""Quality evaluations (addendum 4): published evaluation forms, a conversation's evaluations
(found through `GET /api/v2/quality/evaluations/query?conversationId=`, there being no list under
the conversation), creating one, and the server's scoring. Forms and evaluations stay JSON here:
flows/review/evaluation.py reads them into checked models."""

from __future__ import annotations

from typing import Any

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.paging import entities

FORMS = "/api/v2/quality/publishedforms/evaluations"
MAX_LISTED = 1000  # forms or evaluations read at most


def _obj(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise E.ServerError(f"{what} is not a JSON object")
    return data


class Quality:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def forms(self, name: str | None = None) -> list[dict[str, Any]]:
        """The published evaluation forms (the latest version of each), by name if given."""
        params = {"name": name} if name else {}
        out = []
        async for f in entities(self.api, FORMS, params, page_size=100):
            if isinstance(f, dict):
                out.append(f)
            if len(out) >= MAX_LISTED:
                break
        return out

    async def form(self, form_id: str) -> dict[str, Any]:
        fid = safe_id(form_id, "form id")
        return _obj(await self.api.get_json(f"{FORMS}/{fid}"), "the evaluation form")

    async def of_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every evaluation of the conversation, with its answers and scores."""
        cid = safe_id(conversation_id, "conversation id")
        params = {"conversationId": cid, "expandAnswerTotalScores": "true"}
        out = []
        async for ev in entities(self.api, "/api/v2/quality/evaluations/query", params, 100):
            if isinstance(ev, dict):
                out.append(ev)
            if len(out) >= MAX_LISTED:
                break
        return out

    async def create(
        self, conversation_id: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """POST the evaluation. The Idempotency-Key makes a retry (or a second submit of the same
        draft after a crash) return the first evaluation instead of making another."""
        cid = safe_id(conversation_id, "conversation id")
        data = await self.api.post_json(
            f"/api/v2/quality/conversations/{cid}/evaluations",
            body,
            idempotent=True,
            ok=(200, 201),
            headers={"Idempotency-Key": idempotency_key},
        )
        return _obj(data, "the created evaluation")

    async def score(self, form: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
        """The server's scoring of `answers` on `form` (no permission needed)."""
        data = await self.api.post_json(
            "/api/v2/quality/evaluations/scoring",
            {"evaluationForm": form, "answers": answers},
            idempotent=True,
            ok=(200,),
        )
        return _obj(data, "the scoring")
