"""Conversations: the conversation and call views, and the supervisor actions on live calls
(monitor, coach, barge, secure IVR sessions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys.http import ApiClient, decode_json
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import CallConversation, Conversation, SecureSession

SUPERVISOR_ACTIONS = ("monitor", "coach", "barge")


@dataclass(frozen=True)
class Dispatched:
    status: int
    correlation_id: str | None


class Conversations:
    def __init__(self, api: ApiClient):
        self.api = api

    async def get(self, conversation_id: str) -> Conversation:
        cid = safe_id(conversation_id, "conversation id")
        return from_api(Conversation, await self.api.get_json(f"/api/v2/conversations/{cid}"))

    async def get_call(self, conversation_id: str) -> CallConversation:
        cid = safe_id(conversation_id, "conversation id")
        return from_api(
            CallConversation, await self.api.get_json(f"/api/v2/conversations/calls/{cid}")
        )

    async def supervise(
        self, action: str, conversation_id: str, participant_id: str | None = None
    ) -> Dispatched:
        """monitor/coach/barge a participant (or barge the whole conversation when participant_id
        is None). Sent at most once: a 5xx is not retried, because the server may have acted.
        Returns the HTTP status and Genesys' correlation id."""
        if action not in SUPERVISOR_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        cid = safe_id(conversation_id, "conversation id")
        if participant_id is None:
            if action != "barge":
                raise ValueError(f"{action} needs a participant")
            path = f"/api/v2/conversations/{cid}/barge"
        else:
            pid = safe_id(participant_id, "participant id")
            path = f"/api/v2/conversations/calls/{cid}/participants/{pid}/{action}"
        resp = await self.api.request("POST", path, idempotent=False, ok=(200, 201, 202, 204))
        return Dispatched(resp.status_code, resp.headers.get("ININ-Correlation-Id"))

    async def start_secure_ivr(
        self,
        conversation_id: str,
        participant_id: str,
        flow_id: str,
        *,
        source_participant_id: str | None = None,
        user_data: str = "",
        disconnect: bool = False,
    ) -> tuple[SecureSession, Dispatched]:
        """Send a participant into an Architect secure flow (how a "notice" is played: there is no
        public API that plays audio into a call). Sent at most once, like supervise()."""
        cid = safe_id(conversation_id, "conversation id")
        pid = safe_id(participant_id, "participant id")
        body: dict[str, Any] = {
            "flowId": safe_id(flow_id, "flow id"),
            "userData": user_data,
            "disconnect": disconnect,
        }
        if source_participant_id:
            body["sourceParticipantId"] = safe_id(source_participant_id, "participant id")
        resp = await self.api.request(
            "POST",
            f"/api/v2/conversations/{cid}/participants/{pid}/secureivrsessions",
            json=body,
            idempotent=False,
            ok=(200, 201, 202),
        )
        data = decode_json(resp) if resp.content else {}
        return from_api(SecureSession, data or {}), Dispatched(
            resp.status_code, resp.headers.get("ININ-Correlation-Id")
        )

    async def disconnect_participant(self, conversation_id: str, participant_id: str) -> Dispatched:
        """Take one participant off a call (a supervisor leaving): PATCH with a
        MediaParticipantRequest {"state": "disconnected"}. Sent once."""
        cid, pid = (
            safe_id(conversation_id, "conversation id"),
            safe_id(participant_id, "participant id"),
        )
        resp = await self.api.request(
            "PATCH",
            f"/api/v2/conversations/calls/{cid}/participants/{pid}",
            json={"state": "disconnected"},
            idempotent=False,
            ok=(200, 202, 204),
        )
        return Dispatched(resp.status_code, resp.headers.get("ININ-Correlation-Id"))

    async def get_secure_ivr(
        self, conversation_id: str, participant_id: str, session_id: str
    ) -> SecureSession:
        cid, pid = safe_id(conversation_id), safe_id(participant_id)
        data = await self.api.get_json(
            f"/api/v2/conversations/{cid}/participants/{pid}/secureivrsessions/{safe_id(session_id)}"
        )
        return from_api(SecureSession, data)
