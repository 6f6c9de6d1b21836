"""Read a transcript document (the Speech & Text Analytics schema) without holding it in memory:
ijson streams the phrases, one at a time, into the compact model."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import ijson

from genesys_tui.core.errors import UserError
from genesys_tui.core.jsonbounds import Bounds, JsonBoundsError, check_file
from genesys_tui.flows.review.model import Phrase, Span, Topic, Transcript
from genesys_tui.flows.review.roles import assign_roles


class TranscriptError(UserError):
    pass


MAX_PHRASES = 2_000_000  # a 24-hour call holds tens of thousands
MAX_WORDS = 40_000_000
MAX_TEXT = 64 << 10  # characters of one phrase's text
MAX_PARTICIPANTS = 10_000
MAX_TOPICS = 100_000
BOUNDS = Bounds(max_depth=32, max_string=1 << 20)  # real transcripts nest 6 deep


_MAX_MS = 1 << 53


def _ms(value: Any) -> int | None:
    """Epoch or duration milliseconds: a number, or {"milliseconds": n}. Anything else is None."""
    if isinstance(value, dict):
        value = value.get("milliseconds")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or abs(value) > 1 << 53:  # NaN, or beyond any real time
        return None
    return int(value)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def _str(value: Any, limit: int = 256) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _dicts(value: Any) -> list[dict]:
    """The objects of a list; anything else (a string, a number, a dict) counts as no items."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _short(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= 160 else text[:157] + "..."


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
        if not isinstance(p, dict):
            continue
        start, end = _ms(p.get("startTimeMs")), _ms(p.get("endTimeMs"))
        if start is not None and end is not None and len(t.participants) < MAX_PARTICIPANTS:
            t.participants.append(
                Span(
                    _str(p.get("participantPurpose"), 32),
                    start,
                    end,
                    _str(p.get("userId"), 128) or None,
                    _str(p.get("queueId"), 128) or None,
                )
            )
    sentiments: dict[int, float] = {}
    for key, value in ijson.kvitems(stream(), "transcripts.item.analytics", use_float=True):
        if key == "sentiment":
            for s in _dicts(value):
                index, score = s.get("phraseIndex"), _num(s.get("sentiment"))
                if isinstance(index, int) and not isinstance(index, bool) and score is not None:
                    sentiments[index] = score
                    if len(sentiments) > MAX_PHRASES:
                        raise TranscriptError(
                            "the transcript has more sentiment entries than phrases can"
                        )
        elif key == "topics":
            for s in _dicts(value)[: MAX_TOPICS - len(t.topics)]:
                t.topics.append(
                    Topic(
                        _str(s.get("topicName")),
                        _str(s.get("transcriptPhrase"), MAX_TEXT),
                        _ms(s.get("startTimeMs")) or 0,
                        _str(s.get("participant"), 32),
                    )
                )
    return sentiments


def parse_transcript(
    src: str | Path, conversation_id: str = "", communication_id: str = ""
) -> Transcript:
    """Phrases (with words, sentiment) and participants; roles assigned from both."""
    t = Transcript(conversation_id, communication_id)
    try:
        check_file(src, BOUNDS)  # before ijson builds anything: bounded depth and string sizes
        with _open(src) as f:
            for n, ph in enumerate(ijson.items(f, "transcripts.item.phrases.item", use_float=True)):
                if not isinstance(ph, dict):
                    continue  # a phrase that is not an object says nothing we can place
                start = _ms(ph.get("startTimeMs"))
                if start is None:
                    continue
                if len(t.phrases) >= MAX_PHRASES:
                    raise TranscriptError(f"the transcript has more than {MAX_PHRASES:,} phrases")
                words = _dicts(ph.get("words"))
                if len(t.word_start) + len(words) > MAX_WORDS:
                    raise TranscriptError(f"the transcript has more than {MAX_WORDS:,} words")
                offset = len(t.word_start)
                starts, durations, confidences = t.word_start, t.word_duration, t.word_confidence
                for w in words:  # the usual types take the fast path; anything else is checked
                    ws, d, c = w.get("startTimeMs"), w.get("duration"), w.get("confidence")
                    if type(d) is dict:
                        d = d.get("milliseconds")
                    starts.append(
                        ws if type(ws) is int and 0 <= ws < _MAX_MS else (_ms(ws) or start)
                    )
                    durations.append(
                        d if type(d) is int and 0 <= d < _MAX_MS else max(0, _ms(d) or 0)
                    )
                    confidences.append(c if type(c) is float else (_num(c) or 0.0))
                text = _str(ph.get("decoratedText"), MAX_TEXT) or _str(ph.get("text"), MAX_TEXT)
                if words and len(text.split()) != len(words):
                    text = " ".join(
                        _str(w.get("word"), 256) for w in words
                    )  # keep words and text in step
                conf = _num(ph.get("confidence"))
                if conf is None and words:
                    conf = sum(_num(w.get("confidence")) or 0.0 for w in words) / len(words)
                index = ph.get("phraseIndex")
                index = index if isinstance(index, int) and not isinstance(index, bool) else n
                channel = "external" if ph.get("participantPurpose") == "external" else "internal"
                t.phrases.append(
                    Phrase(
                        index,
                        start,
                        max(0, _ms(ph.get("duration")) or 0),
                        text,
                        conf,
                        channel,
                        word_offset=offset,
                        word_count=len(words),
                    )
                )
            f.seek(0)
            # The language comes before the phrases in practice, so this stops almost at once.
            t.language = (
                _str(next(iter(ijson.items(f, "transcripts.item.language")), None), 32) or None
            )
        # Participants and analytics follow the (huge) phrases: read them from where they start
        # rather than scanning the whole document twice more.
        try:
            sentiments = _tail(src, t)
        except ijson.JSONError:
            t.participants, t.topics = [], []
            with _open(src) as f:
                sentiments = _rest(lambda: _rewind(f), t)
    except JsonBoundsError as e:
        raise TranscriptError(f"the transcript was refused: {e}") from None
    except (ijson.JSONError, UnicodeError) as e:
        raise TranscriptError(f"the transcript is not valid JSON: {_short(e)}") from None
    except OSError as e:
        raise TranscriptError(f"cannot read the transcript: {e.strerror or e}") from None
    for p in t.phrases:
        p.sentiment = sentiments.get(p.index)
    t.phrases.sort(key=lambda p: p.start_ms)
    assign_roles(t)
    return t
