"""What a job remembers about its conversation, for naming and the sidecar: times, direction,
numbers, queues and agents with their names, participants. Plain JSON, nothing secret."""

from __future__ import annotations

from typing import Any

from genesys_tui.genesys.modelbase import iso
from genesys_tui.genesys.models import Conversation
from genesys_tui.genesys.summaries import ConversationSummary


def from_summary(s: ConversationSummary, names: dict[str, str]) -> dict[str, Any]:
    return {
        "conversationId": s.conversation_id,
        "conversationStart": iso(s.start),
        "conversationEnd": iso(s.end),
        "direction": s.direction,
        "ani": s.ani,
        "dnis": s.dnis,
        "queues": [{"id": q, "name": names.get(q, q)} for q in s.queue_ids],
        "agents": [{"id": u, "name": names.get(u, u)} for u in s.user_ids],
        "wrapUpCodes": [{"id": w, "name": names.get(w, w)} for w in s.wrapup_codes],
        "divisionIds": list(s.division_ids),
        "participants": [
            {
                "participantId": p.participant_id,
                "purpose": p.purpose,
                "name": p.name,
                "userId": p.user_id,
            }
            for p in s.participants
        ],
    }


def from_conversation(c: Conversation, names: dict[str, str]) -> dict[str, Any]:
    queues, agents, wrapups = [], [], []
    ani = dnis = None
    direction = None
    for p in c.participants:
        if p.queue_id and p.queue_id not in [q["id"] for q in queues]:
            queues.append(
                {"id": p.queue_id, "name": p.queue_name or names.get(p.queue_id, p.queue_id)}
            )
        if (
            p.purpose in ("agent", "user")
            and p.user_id
            and p.user_id not in [a["id"] for a in agents]
        ):
            agents.append({"id": p.user_id, "name": p.name or names.get(p.user_id, p.user_id)})
        if p.wrapup and p.wrapup.code:
            wrapups.append(
                {
                    "id": p.wrapup.code,
                    "name": p.wrapup.name or names.get(p.wrapup.code, p.wrapup.code),
                }
            )
        if p.purpose in ("customer", "external") and ani is None:
            ani, dnis = p.ani, p.dnis
            direction = p.calls[0].direction if p.calls else None
    return {
        "conversationId": c.id,
        "conversationStart": iso(c.start_time),
        "conversationEnd": iso(c.end_time),
        "direction": direction,
        "ani": ani,
        "dnis": dnis,
        "queues": queues,
        "agents": agents,
        "wrapUpCodes": wrapups,
        "divisionIds": [],
        "participants": [
            {"participantId": p.id, "purpose": p.purpose, "name": p.name, "userId": p.user_id}
            for p in c.participants
        ],
    }
