"""Evaluations of a call, for the CLI (`genesys-tui evaluate`) and Review's form: the published
forms, the call's existing evaluations, drafts, and submitting one to Genesys (Idempotency-Key
kept with the draft, so submitting again after a lost answer or a crash never makes a second)."""

from __future__ import annotations

from genesys_tui.core.orgs import OrgScope
from genesys_tui.flows.review.evaluation import (
    Draft,
    DraftStore,
    Evaluated,
    EvaluationError,
    Form,
    create_body,
    read_evaluation,
    read_form,
)
from genesys_tui.genesys.client import GenesysClient


class Evaluations:
    def __init__(self, client: GenesysClient, scope: OrgScope, evaluator: str = "") -> None:
        self.client = client
        self.drafts = DraftStore(scope.data_dir / "evaluations.json")
        self.configured_evaluator = evaluator
        self._forms: list[Form] | None = None

    async def forms(self) -> list[Form]:
        """The published forms that can be filled in (those without questions are left out)."""
        if self._forms is None:
            out = []
            for doc in await self.client.quality.forms():
                try:
                    out.append(read_form(doc))
                except EvaluationError:
                    continue
            self._forms = out
        return self._forms

    async def form_named(self, name: str) -> Form:
        forms = await self.forms()
        want = name.strip().lower()
        hit = [f for f in forms if f.id == name or f.name.lower() == want]
        if not hit:
            hit = [f for f in forms if want in f.name.lower()]
        if len(hit) != 1:
            names = ", ".join(f.name for f in forms) or "none"
            what = "no" if not hit else "more than one"
            raise EvaluationError(f"{what} published form matches {name!r} (forms: {names})")
        return hit[0]

    def draft(self, conversation_id: str, form_id: str) -> Draft:
        """The draft kept for this call and form (a new one when there is none)."""
        return self.drafts.get(conversation_id, form_id)

    def save_draft(self, draft: Draft) -> None:
        """Keep the draft as it is now (each answer, so nothing is lost if the app ends)."""
        self.drafts.put(draft)

    async def existing(self, conversation_id: str) -> list[Evaluated]:
        return [
            read_evaluation(ev) for ev in await self.client.quality.of_conversation(conversation_id)
        ]

    async def evaluator(self) -> str:
        """Who evaluates: the signed-in user, else `review.evaluator` from the config."""
        me = await self.client.directory.me()
        if me is not None and me.id:
            return me.id
        if self.configured_evaluator:
            return self.configured_evaluator
        raise EvaluationError(
            "signed in with client credentials, which have no user: set review.evaluator in the "
            "config (or --evaluator) to the user ID evaluations are submitted as"
        )

    async def submit(
        self,
        conversation,
        form: Form,
        draft: Draft,
        status: str,
        *,
        evaluator: str | None = None,
        agent: str | None = None,
    ) -> Evaluated:
        """POST the draft; the evaluation Genesys made (its scores are Genesys's)."""
        agent = agent or agent_of(conversation)
        if not agent:
            raise EvaluationError("the call has no agent to evaluate (no agent participant)")
        body = create_body(form, draft, evaluator or await self.evaluator(), agent, status)
        done = read_evaluation(
            await self.client.quality.create(draft.conversation_id, body, draft.idempotency_key)
        )
        draft.submitted = done.id or None
        self.save_draft(draft)
        return done


def agent_of(conversation) -> str | None:
    """The agent evaluated: the last agent who took the call (a transfer's receiver)."""
    agents = [p for p in conversation.participants if p.purpose == "agent" and p.user_id]
    return agents[-1].user_id if agents else None
