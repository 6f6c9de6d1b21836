"""A call as it stands at one moment, cut from the whole planned call: who has joined so far, who
is still connected (or, an agent not yet answering, alerting), who is on hold, whether a secure
pause is running. The live centre shows a live call through this, so its REST documents and its
pushed snapshots say the same thing at the same moment."""

from __future__ import annotations

from dataclasses import replace

from genesys_tui.emulator.call_model import CallDetail, Party, Segment


def parties_at(full: CallDetail, t: int) -> list[Party]:
    out: list[Party] = []
    for p in full.parties:
        if p.start > t:
            continue  # not yet in the call
        segments = [
            replace(s, end=None if s.end is None or s.end > t else s.end)
            for s in p.segments
            if s.start <= t
        ]
        over = p.end is not None and p.end <= t
        q = replace(
            p,
            segments=segments,
            attributes=dict(p.attributes),
            end=p.end if over else None,
        )
        if over:
            q.state = "disconnected"
        elif p.connected is not None and p.connected > t:
            q.state, q.connected = "alerting", None
        else:
            q.state = "connected"
            q.disconnect_type = None
            q.wrapup_code = None if not over else p.wrapup_code
        q.held = not over and any(
            s.type == "hold" and s.end is None for s in segments if isinstance(s, Segment)
        )
        out.append(q)
    return out


def secure_pause_at(full: CallDetail, t: int) -> bool:
    return any(p.reason == "SecurePause" and p.start <= t < p.end for p in full.pauses)


def signature(parties: list[Party], secure: bool) -> tuple:
    """What a supervisor would see change: a snapshot is pushed when this does."""
    return (secure, tuple((p.id, p.state, p.held) for p in parties))
