"""Read a transcript document (the Speech & Text Analytics schema) without holding it in memory:
ijson streams the phrases, one at a time, into the compact model."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import ijson

from genesys_tui.review.model import Phrase, Span, Topic, Transcript
from genesys_tui.review.roles import assign_roles


class TranscriptError(Exception):
    pass


def _ms(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("milliseconds")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _open(src: str | Path | IO[bytes]):
    return open(src, "rb") if isinstance(src, (str, Path)) else src


def _rewind(f):
    f.seek(0)
    return f


class _Prefixed:
    """A file read from `offset`, behind a few bytes that restore the JSON nesting there."""

    def __init__(self, path: str | Path, offset: int, prefix: bytes):
        self.f = open(path, "rb")  # noqa: SIM115 - closed by the caller through close()
        self.f.seek(offset)
        self.prefix = prefix

    def read(self, n: int = -1) -> bytes:
        if n == 0:
            return b""  # ijson probes with read(0) to tell bytes from text
        if self.prefix:
            head, self.prefix = self.prefix, b""
            return head + self.f.read(max(0, n - len(head)) if n >= 0 else -1)
        return self.f.read(n)

    def close(self) -> None:
        self.f.close()


def _key_offsets(path: str | Path, keys: tuple[bytes, ...]) -> dict[bytes, int]:
    """Where each `"key":` first occurs as an object key (not as a word inside a string), read a
    megabyte at a time (a memory map would count the whole file as resident)."""
    needles = {k: b'"' + k + b'"' for k in keys}
    found: dict[bytes, int] = {}
    carry, pos = b"", 0
    with open(path, "rb") as f:
        while len(found) < len(keys) and (block := f.read(1 << 20)):
            data, base = carry + block, pos - len(carry)
            for k, needle in needles.items():
                i = -1 if k in found else data.find(needle)
                while i != -1:
                    j = i + len(needle)
                    while j < len(data) and data[j] in b" \t\r\n":
                        j += 1
                    if j >= len(data):
                        break  # decided with the next block (the carry holds it)
                    if data[j] == ord(":"):
                        found[k] = base + i
                        break
                    i = data.find(needle, i + 1)
            pos += len(block)
            carry = data[-4096:]
    return found


def _tail(src, t: Transcript) -> dict[int, float]:
    """Participants and analytics, parsed from the first of those keys on. The schema puts the
    analytics in each transcripts item after its phrases, and participants at the top level."""
    if not isinstance(src, (str, Path)):
        raise ijson.JSONError("not a file")
    offsets = _key_offsets(src, (b"analytics", b"participants"))
    analytics, participants = offsets.get(b"analytics"), offsets.get(b"participants")
    if analytics is not None and (participants is None or analytics < participants):
        offset, prefix = analytics, b'{"transcripts":[{'
    elif participants is not None:
        offset, prefix = participants, b"{"
    else:
        return {}
    streams: list[_Prefixed] = []

    def fresh() -> _Prefixed:
        streams.append(_Prefixed(src, offset, prefix))
        return streams[-1]

    try:
        return _rest(fresh, t)
    finally:
        for s in streams:
            s.close()


def _rest(stream, t: Transcript) -> dict[int, float]:
    """Participants, topics and sentiment from `stream()` (called once per pass)."""
    for p in ijson.items(stream(), "participants.item", use_float=True):
        start, end = _ms(p.get("startTimeMs")), _ms(p.get("endTimeMs"))
        if start is not None and end is not None:
            t.participants.append(Span(str(p.get("participantPurpose") or ""), start, end,
                                       p.get("userId"), p.get("queueId")))
    sentiments: dict[int, float] = {}
    for key, value in ijson.kvitems(stream(), "transcripts.item.analytics", use_float=True):
        if key == "sentiment":
            for s in value or []:
                if s.get("phraseIndex") is not None and s.get("sentiment") is not None:
                    sentiments[int(s["phraseIndex"])] = float(s["sentiment"])
        elif key == "topics":
            for s in value or []:
                t.topics.append(Topic(str(s.get("topicName") or ""), str(s.get("transcriptPhrase") or ""),
                                      _ms(s.get("startTimeMs")) or 0, str(s.get("participant") or "")))
    return sentiments


def parse_transcript(src: str | Path, conversation_id: str = "", communication_id: str = "") -> Transcript:
    """Phrases (with words, sentiment) and participants; roles assigned from both."""
    t = Transcript(conversation_id, communication_id)
    try:
        with _open(src) as f:
            for n, ph in enumerate(ijson.items(f, "transcripts.item.phrases.item", use_float=True)):
                start = _ms(ph.get("startTimeMs"))
                if start is None:
                    continue
                words = ph.get("words") or ()
                offset = len(t.word_start)
                for w in words:
                    ws = _ms(w.get("startTimeMs"))
                    t.word_start.append(ws if ws is not None else start)
                    t.word_duration.append(_ms(w.get("duration")) or 0)
                    t.word_confidence.append(float(w.get("confidence") or 0.0))
                text = ph.get("decoratedText") or ph.get("text") or ""
                if words and len(text.split()) != len(words):
                    text = " ".join(str(w.get("word", "")) for w in words)  # keep words and text in step
                conf = ph.get("confidence")
                if conf is None and words:
                    conf = sum(float(w.get("confidence") or 0) for w in words) / len(words)
                t.phrases.append(Phrase(int(ph.get("phraseIndex", n)), start, _ms(ph.get("duration")) or 0, text,
                                        float(conf) if conf is not None else None,
                                        "external" if ph.get("participantPurpose") == "external" else "internal", word_offset=offset,
                                        word_count=len(words)))
            f.seek(0)
            # The language comes before the phrases in practice, so this stops almost at once.
            t.language = next(iter(ijson.items(f, "transcripts.item.language")), None)
        # Participants and analytics follow the (huge) phrases: read them from where they start
        # rather than scanning the whole document twice more.
        try:
            sentiments = _tail(src, t)
        except ijson.JSONError:
            t.participants, t.topics = [], []
            with _open(src) as f:
                sentiments = _rest(lambda: _rewind(f), t)
    except ijson.JSONError as e:
        raise TranscriptError(f"the transcript is not valid JSON: {e}") from None
    except OSError as e:
        raise TranscriptError(f"cannot read the transcript: {e.strerror or e}") from None
    for p in t.phrases:
        p.sentiment = sentiments.get(p.index)
    t.phrases.sort(key=lambda p: p.start_ms)
    assign_roles(t)
    return t
