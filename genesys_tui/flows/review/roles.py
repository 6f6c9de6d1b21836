"""Who is speaking. A phrase says only internal or external; the participants' purposes and time
ranges say who was on the internal side then: the IVR before the call reached an agent, an agent
(or several, after a transfer) afterwards, the queue's announcements in between."""

from __future__ import annotations

from genesys_tui.flows.review.model import Phrase, Transcript


def role_for(phrase: Phrase, spans) -> str:
    if phrase.channel == "external":
        return "customer"
    mid = phrase.start_ms + phrase.duration_ms // 2
    best: str | None = None
    for s in spans:
        if s.start_ms <= mid < s.end_ms:
            if s.purpose in ("agent", "user"):
                return "agent"
            if s.purpose == "ivr":
                best = "ivr"
            elif s.purpose == "acd" and best is None:
                best = "system"
    return best or "agent"


def assign_roles(t: Transcript) -> None:
    internal = [s for s in t.participants if s.purpose not in ("customer", "external")]
    for p in t.phrases:
        p.role = role_for(p, internal)
