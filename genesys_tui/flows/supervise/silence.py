"""Silence on a live call, measured on the call's own time line, never against the wall clock:
the transcript comes seconds after the words were said (about 20 s in the emulator, "usually
within about 35 s" at Genesys), so "no words yet" is not silence. A silence is a stretch with
nobody speaking (the IVR aside) between two utterances, or from the last utterance to the newest
moment the transcript stream has covered (its utterances and its status offset, keepalives
included). Only what was followed counts: nothing before the first message this client heard, and
nothing while no agent was connected; hold and secure pause time is taken out (they are their own
states, with their own alerts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    seconds: float  # without the hold and pause time inside it
    open: bool  # still going at the newest moment covered: nobody has spoken since


def gaps(
    spoken: Iterable[Span],
    *,
    followed_from: datetime | None,
    covered: datetime | None,
    agent_from: datetime | None,
    paused: Iterable[tuple[datetime, datetime | None]] = (),
    threshold: float,
) -> list[Gap]:
    """Every silence of at least `threshold` seconds, oldest first. `spoken` holds the (start,
    end) of every utterance but the IVR's; `paused` the holds and secure pauses seen (an open
    one has no end)."""
    if followed_from is None or covered is None or agent_from is None:
        return []
    floor = max(followed_from, agent_from)
    if covered <= floor:
        return []
    windows = [(s, e or covered) for s, e in paused]
    out: list[Gap] = []
    cursor = floor

    def add(start: datetime, end: datetime, is_open: bool) -> None:
        seconds = (end - start).total_seconds() - _overlap(start, end, windows)
        if seconds >= threshold:
            out.append(Gap(start, end, seconds, is_open))

    for s, e in sorted(spoken):
        if e <= cursor:
            continue
        if s > cursor:
            add(cursor, min(s, covered), False)
        cursor = max(cursor, e)
    if covered > cursor:
        add(cursor, covered, True)
    return out


def _overlap(start: datetime, end: datetime, windows: list[Span]) -> float:
    """Seconds of [start, end) inside any window (windows may overlap each other)."""
    cut = sorted((max(s, start), min(e, end)) for s, e in windows if s < end and e > start)
    total, reach = 0.0, start
    for s, e in cut:
        s = max(s, reach)
        if e > s:
            total += (e - s).total_seconds()
            reach = e
    return total
