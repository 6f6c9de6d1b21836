"""Transcript exports (TXT, normalized JSON, WebVTT, SRT: cue times relative to the recording, as
aligned) and metrics exports (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import replace

from genesys_tui.core.csvcells import neutral
from genesys_tui.flows.review.metrics import Metrics
from genesys_tui.flows.review.model import ROLE_LABELS, Phrase, Transcript
from genesys_tui.genesys.modelbase import iso


def _clock(ms: int, sep: str = ".") -> str:
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _position(p: Phrase, t: Transcript) -> int:
    """Cue time: the phrase's place in the recording, or its offset from the first phrase."""
    if p.media_ms is not None:
        return p.media_ms
    return p.start_ms - (t.start_ms or p.start_ms)


def selected(t: Transcript, roles: Iterable[str] | None = None) -> list[Phrase]:
    wanted = set(roles) if roles else None
    return [p for p in t.phrases if wanted is None or p.role in wanted]


def to_txt(t: Transcript, roles=None) -> str:
    lines = [f"# conversation {t.conversation_id}"]
    for p in selected(t, roles):
        lines.append(f"[{_clock(_position(p, t))[:8]}] {ROLE_LABELS.get(p.role, p.role)}: {p.text}")
    return "\n".join(lines) + "\n"


def to_json(t: Transcript, roles=None) -> str:
    from datetime import UTC, datetime

    def when(ms: int) -> str | None:
        return iso(datetime.fromtimestamp(ms / 1000, UTC))

    doc = {
        "conversationId": t.conversation_id,
        "communicationId": t.communication_id,
        "language": t.language,
        "phrases": [
            {
                "index": p.index,
                "role": p.role,
                "channel": p.channel,
                "text": p.text,
                "start": when(p.start_ms),
                "startTimeMs": p.start_ms,
                "durationMs": p.duration_ms,
                "recordingId": p.recording_id,
                "recordingOffsetMs": p.media_ms,
                "confidence": p.confidence,
                "sentiment": p.sentiment,
                "words": [
                    {"word": w, "startTimeMs": s, "durationMs": d, "confidence": round(c, 3)}
                    for w, s, d, c in t.words(p)
                ],
            }
            for p in selected(t, roles)
        ],
        "participants": [
            {
                "purpose": s.purpose,
                "startTimeMs": s.start_ms,
                "endTimeMs": s.end_ms,
                "userId": s.user_id,
                "queueId": s.queue_id,
            }
            for s in t.participants
        ],
        "topics": [
            {"name": x.name, "phrase": x.phrase, "startTimeMs": x.start_ms} for x in t.topics
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _cues(t: Transcript, roles):
    for n, p in enumerate(selected(t, roles), 1):
        a = _position(p, t)
        yield n, a, a + max(p.duration_ms, 1), ROLE_LABELS.get(p.role, p.role), p.text


def to_vtt(t: Transcript, roles=None, words: bool = False) -> str:
    """WebVTT, a cue per phrase; `words`: each word timed inside its cue (`<00:01:02.500>word`),
    so a player can show the word being said."""
    out = ["WEBVTT", ""]
    phrases = selected(t, roles)
    for (n, a, b, who, text), p in zip(_cues(t, roles), phrases, strict=True):
        said = _escape(text)
        if words and p.word_count and p.word_count == len(text.split()):
            timed = t.words(p)
            said = " ".join(
                (_escape(w) if k == 0 else f"<{_clock(a + (s - p.start_ms))}>{_escape(w)}")
                for k, (w, s, _d, _c) in enumerate(timed)
            )
        out += [str(n), f"{_clock(a)} --> {_clock(b)}", f"<v {who}>{said}", ""]
    return "\n".join(out)


def to_srt(t: Transcript, roles=None) -> str:
    out = []
    for n, a, b, who, text in _cues(t, roles):
        out += [str(n), f"{_clock(a, ',')} --> {_clock(b, ',')}", f"{who}: {text}", ""]
    return "\n".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(t: Transcript, fmt: str, roles=None, marks=()) -> str:
    """`marks`: the bookmarks of the recording `t` is timed to (TXT lines, JSON's "bookmarks",
    WebVTT NOTE blocks; SRT has nowhere to put them)."""
    text = {"txt": to_txt, "json": to_json, "vtt": to_vtt, "srt": to_srt}[fmt](t, roles)
    if not marks:
        return text
    if fmt == "json":
        doc = json.loads(text)
        doc["bookmarks"] = [mark_doc(m) for m in marks]
        return json.dumps(doc, indent=2, ensure_ascii=False)
    if fmt == "txt":
        return text + "".join(f"[{_clock(m.ms)[:8]}] bookmark: {m.note}\n" for m in marks)
    if fmt == "vtt":
        notes = "".join(
            f"NOTE bookmark {_clock(m.ms)}: {_escape(m.note).replace('-->', '->')}\n\n"
            for m in marks
        )
        return text + ("\n" if not text.endswith("\n") else "") + notes
    return text


def mark_doc(m) -> dict:
    return {
        "recordingId": m.recording_id,
        "recordingOffsetMs": m.ms,
        "note": m.note,
        "created": m.created or None,
        "annotationId": m.annotation_id,
        "source": m.source,
    }


def for_recording(t: Transcript, recording_id: str | None) -> Transcript:
    """The phrases heard in one recording (cue times are positions in that file); shares the word
    arrays with `t`."""
    return replace(t, phrases=[p for p in t.phrases if p.recording_id == recording_id])


def render_sections(t: Transcript, fmt: str, recording_ids: list[str], roles=None) -> str:
    """Several recordings on one stream: TXT marks each recording's section, JSON is one document
    whose phrases name their recording. VTT and SRT cannot hold sections (cue times would restart):
    the caller asks for one recording instead."""
    if fmt == "json" or len(recording_ids) < 2:
        return render(t, fmt, roles)
    if fmt != "txt":
        raise ValueError(f"{fmt.upper()} holds one recording's timeline")
    parts = []
    for n, rid in enumerate(recording_ids, 1):
        body = to_txt(for_recording(t, rid), roles).split("\n", 1)[1]
        parts.append(
            f"# recording {n} of {len(recording_ids)}: {rid} (times are positions in this recording)\n{body}"
        )
    head = f"# conversation {t.conversation_id}\n"
    return head + "".join(parts)


def metrics_json(m: Metrics) -> str:
    return json.dumps(m.to_json(), indent=2)


def metrics_csv(m: Metrics) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["metric", "value"])
    for k, v in m.to_json().items():
        if isinstance(v, dict):
            for role, x in v.items():
                w.writerow([neutral(f"{k}.{role}"), round(x, 4) if isinstance(x, float) else x])
        else:
            w.writerow([k, round(v, 4) if isinstance(v, float) else neutral(v)])
    return buf.getvalue()
