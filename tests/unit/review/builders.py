"""Transcripts and recordings built by hand, with answers known in advance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from genesys_tui.flows.review.model import Phrase, Span, Transcript
from genesys_tui.flows.review.roles import assign_roles
from genesys_tui.genesys.models import Annotation, Recording

T0 = 1_700_000_000_000  # epoch ms of the call's start


def transcript(
    phrases: list[tuple[str, int, int, str]],
    spans: list[tuple[str, int, int]] | None = None,
    sentiments: dict[int, float] | None = None,
) -> Transcript:
    """phrases: (channel internal|external, start offset ms, duration ms, text)."""
    t = Transcript("conv", "comm")
    for k, (channel, start, dur, text) in enumerate(phrases):
        t.phrases.append(
            Phrase(k, T0 + start, dur, text, 0.9, channel, sentiment=(sentiments or {}).get(k))
        )
    t.participants = [
        Span(p, T0 + a, T0 + b)
        for p, a, b in (spans or [("customer", 0, 10**9), ("agent", 0, 10**9)])
    ]
    assign_roles(t)
    return t


def recording(
    wall_ms: int,
    pauses: list[tuple[str, int, int, bool]] = (),
    rid: str = "r1",
    start_offset: int = 0,
) -> Recording:
    """pauses: (reason, wall offset ms, duration ms, cut from the file)."""
    start = T0 + start_offset
    anns, cut_before = [], 0
    for k, (reason, at, dur, cut) in enumerate(pauses):
        anns.append(
            Annotation(
                id=f"a{k}",
                reason=reason,
                location=at - cut_before,
                duration_ms=dur,
                recording_location=at - cut_before,
                recording_duration_ms=0 if cut else dur,
                realtime_location=at,
            )
        )
        cut_before += dur if cut else 0
    return Recording(
        id=rid,
        start_time=datetime.fromtimestamp(start / 1000, UTC),
        end_time=datetime.fromtimestamp((start + wall_ms) / 1000, UTC),
        annotations=anns,
    )


def write_document(path: Path, phrases: int, words_per_phrase: int = 10) -> int:
    """A transcript document in the real schema, written as a stream; returns its size."""
    with open(path, "w") as f:
        f.write(
            '{"organizationId": "o", "conversationId": "c", "communicationId": "m", '
            '"transcripts": [{"transcriptId": "t", "language": "en-US", "phrases": ['
        )
        for k in range(phrases):
            start = T0 + k * 4000
            words = [
                {
                    "word": f"word{j}",
                    "confidence": 0.8,
                    "startTimeMs": start + j * 300,
                    "duration": {"milliseconds": 280},
                }
                for j in range(words_per_phrase)
            ]
            ph = {
                "phraseIndex": k,
                "text": " ".join(w["word"] for w in words),
                "stability": 1,
                "confidence": 0.8,
                "startTimeMs": start,
                "duration": {"milliseconds": 3000},
                "words": words,
                "alternatives": [],
                "participantPurpose": "internal" if k % 2 else "external",
            }
            f.write(("," if k else "") + json.dumps(ph))
        end = T0 + phrases * 4000
        f.write(
            '], "analytics": {"sentiment": [{"phraseIndex": 0, "sentiment": -1}], "topics": []}}], '
            f'"participants": [{{"participantPurpose": "customer", "startTimeMs": {T0}, "endTimeMs": {end}}}, '
            f'{{"participantPurpose": "agent", "startTimeMs": {T0}, "endTimeMs": {end}}}]}}'
        )
    return path.stat().st_size
