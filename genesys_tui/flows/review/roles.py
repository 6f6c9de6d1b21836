"""Who is speaking. A phrase says only internal or external; the participants' purposes and time
ranges say who was on the internal side then: the IVR before the call reached an agent, an agent
(or several, after a transfer) afterwards, the queue's announcements in between. Several
communications' transcripts are merged here too, since merging re-assigns the roles."""

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


def merge(parts: list[Transcript]) -> Transcript:
    """Several communications' transcripts as one (phrases in time order, word arrays joined)."""
    out = Transcript(
        parts[0].conversation_id,
        ",".join(t.communication_id for t in parts),
        language=parts[0].language,
    )
    for t in parts:
        base = len(out.word_start)
        for p in t.phrases:
            p.word_offset += base
            out.phrases.append(p)
        out.word_start.extend(t.word_start)
        out.word_duration.extend(t.word_duration)
        out.word_confidence.extend(t.word_confidence)
        out.participants += t.participants
        out.topics += t.topics
    out.phrases.sort(key=lambda p: p.start_ms)
    assign_roles(out)
    return out
