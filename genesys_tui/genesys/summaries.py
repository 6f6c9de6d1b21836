"""Conversations as the analytics details query returns them, cut to what a browser row and a
job need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from genesys_tui.genesys.modelbase import iso, parse_time


@dataclass(slots=True)
class ParticipantSummary:
    participant_id: str
    purpose: str
    name: str | None = None
    user_id: str | None = None


@dataclass(slots=True)
class ConversationSummary:
    """The part of an analytics conversation that a browser row and a job need. Built by hand
    (not by from_api) because a 100,000-row list must stay fast and small."""

    conversation_id: str
    start: datetime
    end: datetime | None = None
    direction: str | None = None
    media_types: tuple[str, ...] = ()
    queue_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    ani: str | None = None
    dnis: str | None = None
    wrapup_codes: tuple[str, ...] = ()
    has_recording: bool = False
    division_ids: tuple[str, ...] = ()
    participants: tuple[ParticipantSummary, ...] = ()

    @property
    def duration_s(self) -> float | None:
        return (self.end - self.start).total_seconds() if self.end else None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ConversationSummary:
        queues: list[str] = []
        users: list[str] = []
        wrapups: list[str] = []
        medias: list[str] = []
        parts: list[ParticipantSummary] = []
        ani = dnis = None
        recording = False
        for p in d.get("participants") or ():
            purpose = p.get("purpose") or ""
            uid = p.get("userId")
            parts.append(
                ParticipantSummary(
                    p.get("participantId") or "", purpose, p.get("participantName"), uid
                )
            )
            if uid and purpose in ("agent", "user") and uid not in users:
                users.append(uid)
            for s in p.get("sessions") or ():
                mt = s.get("mediaType")
                if mt and mt not in medias:
                    medias.append(mt)
                if s.get("recording"):
                    recording = True
                if purpose in ("customer", "external") and ani is None:
                    ani, dnis = s.get("ani"), s.get("dnis")
                for seg in s.get("segments") or ():
                    q = seg.get("queueId")
                    if q and q not in queues:
                        queues.append(q)
                    w = seg.get("wrapUpCode")
                    if w and w not in wrapups:
                        wrapups.append(w)
        start = parse_time(d.get("conversationStart"))
        if start is None:
            raise ValueError(f"conversation {d.get('conversationId')} has no conversationStart")
        return cls(
            conversation_id=d["conversationId"],
            start=start,
            end=parse_time(d.get("conversationEnd")),
            direction=d.get("originatingDirection"),
            media_types=tuple(medias),
            queue_ids=tuple(queues),
            user_ids=tuple(users),
            ani=ani,
            dnis=dnis,
            wrapup_codes=tuple(wrapups),
            has_recording=recording,
            division_ids=tuple(d.get("divisionIds") or ()),
            participants=tuple(parts),
        )

    def to_json(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        """The summary as JSON; with `names` (id -> name), the queues', agents' and wrap-up codes'
        names beside their ids (`queueNames`, `userNames`, `wrapUpNames`)."""
        doc = self._doc()
        if names is not None:
            for ids, key in (("queueIds", "queueNames"), ("userIds", "userNames")):
                doc[key] = [names.get(i) for i in doc[ids]]
            doc["wrapUpNames"] = [names.get(i) for i in doc["wrapUpCodes"]]
        return doc

    def _doc(self) -> dict[str, Any]:
        return {
            "conversationId": self.conversation_id,
            "conversationStart": iso(self.start),
            "conversationEnd": iso(self.end),
            "durationSeconds": self.duration_s,
            "originatingDirection": self.direction,
            "mediaTypes": list(self.media_types),
            "queueIds": list(self.queue_ids),
            "userIds": list(self.user_ids),
            "ani": self.ani,
            "dnis": self.dnis,
            "wrapUpCodes": list(self.wrapup_codes),
            "hasRecording": self.has_recording,
            "divisionIds": list(self.division_ids),
            "participants": [
                {
                    "participantId": p.participant_id,
                    "purpose": p.purpose,
                    "participantName": p.name,
                    "userId": p.user_id,
                }
                for p in self.participants
            ],
        }
