"""Read a transcript document (the Speech & Text Analytics schema) without holding it in memory:
one bounded pass cuts out each phrase, which msgspec decodes with its types checked, into the
compact model; ijson streams what surrounds the phrases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import ijson
import msgspec

from genesys_tui.core.errors import UserError
from genesys_tui.core.jsonbounds import Bounds, JsonBoundsError
from genesys_tui.core.jsonsplit import ITEM, split
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
_Ms = Annotated[int, msgspec.Meta(ge=0, lt=_MAX_MS)]


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


class _Millis(msgspec.Struct, gc=False):
    milliseconds: _Ms


class _Word(msgspec.Struct, gc=False):
    word: str = ""
    confidence: float = 0.0
    startTimeMs: _Ms | None = None  # noqa: N815 - the schema's names
    duration: _Ms | _Millis | None = None


class _Phrase(msgspec.Struct):
    """A phrase as it usually comes: the decoder checks every type and range in C; a phrase
    that differs anywhere goes through the tolerant path instead (_add_any)."""

    startTimeMs: Annotated[int, msgspec.Meta(ge=-_MAX_MS, le=_MAX_MS)]  # noqa: N815
    duration: _Ms | _Millis | None = None
    text: str = ""
    decoratedText: str = ""  # noqa: N815
    confidence: float | None = None
    phraseIndex: int | None = None  # noqa: N815
    participantPurpose: str | None = None  # noqa: N815
    words: list[_Word] = []


_typed = msgspec.json.Decoder(_Phrase)
_untyped = msgspec.json.Decoder()


def _add_typed(t: Transcript, ph: _Phrase, n: int) -> None:
    start, words = ph.startTimeMs, ph.words
    offset = len(t.word_start)
    if words:
        if offset + len(words) > MAX_WORDS:
            raise TranscriptError(f"the transcript has more than {MAX_WORDS:,} words")
        t.word_start.extend([start if w.startTimeMs is None else w.startTimeMs for w in words])
        t.word_duration.extend(
            [
                d if type(d) is int else 0 if d is None else d.milliseconds
                for d in [w.duration for w in words]
            ]
        )
        t.word_confidence.extend([w.confidence for w in words])
    text = ph.decoratedText[:MAX_TEXT] or ph.text[:MAX_TEXT]
    if words and len(text.split()) != len(words):
        text = " ".join(w.word[:256] for w in words)  # keep words and text in step
    conf = ph.confidence
    if conf is None and words:
        conf = sum(w.confidence for w in words) / len(words)
    d = ph.duration
    t.phrases.append(
        Phrase(
            n if ph.phraseIndex is None else ph.phraseIndex,
            start,
            d if type(d) is int else 0 if d is None else d.milliseconds,
            text,
            conf,
            "external" if ph.participantPurpose == "external" else "internal",
            word_offset=offset,
            word_count=len(words),
        )
    )


def _add_any(t: Transcript, ph: Any, n: int) -> None:
    """A phrase of any shape: what can be placed is kept, the rest ignored."""
    if not isinstance(ph, dict):
        return  # a phrase that is not an object says nothing we can place
    start = _ms(ph.get("startTimeMs"))
    if start is None:
        return
    words = _dicts(ph.get("words"))
    if len(t.word_start) + len(words) > MAX_WORDS:
        raise TranscriptError(f"the transcript has more than {MAX_WORDS:,} words")
    offset = len(t.word_start)
    for w in words:
        t.word_start.append(_ms(w.get("startTimeMs")) or start)
        t.word_duration.append(max(0, _ms(w.get("duration")) or 0))
        t.word_confidence.append(_num(w.get("confidence")) or 0.0)
    text = _str(ph.get("decoratedText"), MAX_TEXT) or _str(ph.get("text"), MAX_TEXT)
    if words and len(text.split()) != len(words):
        text = " ".join(_str(w.get("word"), 256) for w in words)
    conf = _num(ph.get("confidence"))
    if conf is None and words:
        conf = sum(_num(w.get("confidence")) or 0.0 for w in words) / len(words)
    index = ph.get("phraseIndex")
    index = index if isinstance(index, int) and not isinstance(index, bool) else n
    t.phrases.append(
        Phrase(
            index,
            start,
            max(0, _ms(ph.get("duration")) or 0),
            text,
            conf,
            "external" if ph.get("participantPurpose") == "external" else "internal",
            word_offset=offset,
            word_count=len(words),
        )
    )


def _add_participant(t: Transcript, p: Any) -> None:
    if not isinstance(p, dict) or len(t.participants) >= MAX_PARTICIPANTS:
        return
    start, end = _ms(p.get("startTimeMs")), _ms(p.get("endTimeMs"))
    if start is not None and end is not None:
        t.participants.append(
            Span(
                _str(p.get("participantPurpose"), 32),
                start,
                end,
                _str(p.get("userId"), 128) or None,
                _str(p.get("queueId"), 128) or None,
            )
        )


def _add_analytics(t: Transcript, key: str, value: Any, sentiments: dict[int, float]) -> None:
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


class _Skeleton:
    """The document without its phrases (each one `null`), parsed as it is pushed: it checks
    the syntax around the phrases and carries the language, participants and analytics, and any
    phrase the scan left in place."""

    def __init__(self) -> None:
        self.sinks: dict[str, list] = {
            k: ijson.sendable_list() for k in ("phrases", "language", "people", "analytics")
        }
        self.coros = [
            ijson.items_coro(
                self.sinks["phrases"], "transcripts.item.phrases.item", use_float=True
            ),
            ijson.items_coro(self.sinks["language"], "transcripts.item.language"),
            ijson.items_coro(self.sinks["people"], "participants.item", use_float=True),
            ijson.kvitems_coro(
                self.sinks["analytics"], "transcripts.item.analytics", use_float=True
            ),
        ]

    def send(self, data: bytes) -> None:
        for c in self.coros:
            c.send(data)

    def close(self) -> None:
        for c in self.coros:
            c.close()


def parse_transcript(
    src: str | Path, conversation_id: str = "", communication_id: str = ""
) -> Transcript:
    """Phrases (with words, sentiment) and participants; roles assigned from both. One pass over
    the file: each phrase's bytes are cut out and decoded on their own (jsonsplit), the rest is
    streamed through ijson."""
    t = Transcript(conversation_id, communication_id)
    sentiments: dict[int, float] = {}
    skeleton = _Skeleton()
    sinks = skeleton.sinks
    n = 0
    try:
        for kind, data in split(src, (b"transcripts", b"phrases"), BOUNDS):
            if kind == ITEM:
                if len(t.phrases) >= MAX_PHRASES:
                    raise TranscriptError(f"the transcript has more than {MAX_PHRASES:,} phrases")
                try:
                    _add_typed(t, _typed.decode(data), n)
                except msgspec.ValidationError:
                    _add_any(t, _untyped.decode(data), n)
                n += 1
                continue
            skeleton.send(data)
            if sinks["phrases"]:  # phrases the scan left in the skeleton
                for ph in sinks["phrases"]:
                    if ph is not None:
                        if len(t.phrases) >= MAX_PHRASES:
                            raise TranscriptError(
                                f"the transcript has more than {MAX_PHRASES:,} phrases"
                            )
                        _add_any(t, ph, n)
                        n += 1
                sinks["phrases"].clear()
            for p in sinks["people"]:
                _add_participant(t, p)
            for key, value in sinks["analytics"]:
                _add_analytics(t, key, value, sentiments)
            sinks["people"].clear()
            sinks["analytics"].clear()
            if t.language is None and sinks["language"]:
                t.language = _str(sinks["language"][0], 32) or None
        skeleton.close()
    except JsonBoundsError as e:
        raise TranscriptError(f"the transcript was refused: {e}") from None
    except (ijson.JSONError, msgspec.DecodeError, UnicodeError) as e:
        raise TranscriptError(f"the transcript is not valid JSON: {_short(e)}") from None
    except OSError as e:
        raise TranscriptError(f"cannot read the transcript: {e.strerror or e}") from None
    for p in t.phrases:
        p.sentiment = sentiments.get(p.index)
    t.phrases.sort(key=lambda p: p.start_ms)
    assign_roles(t)
    return t
