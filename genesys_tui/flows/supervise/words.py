"""A live call's words, from `v2.conversations.{id}.transcription` (addendum 1.5): final
utterances only, each once (by utteranceId), with who said it and how late it came; and its
sentiment from `v2.speechandtextanalytics.conversation.{id}.sentiment`. Bounded: the newest
MAX_UTTERANCES are kept, each at most MAX_TEXT characters."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_tui.genesys.modelbase import parse_time

MAX_UTTERANCES = 500
MAX_TEXT = 2000


def transcription_topic(conversation_id: str) -> str:
    return f"v2.conversations.{conversation_id}.transcription"


def sentiment_topic(conversation_id: str) -> str:
    return f"v2.speechandtextanalytics.conversation.{conversation_id}.sentiment"


@dataclass(frozen=True)
class Utterance:
    id: str
    role: str  # customer | agent | ivr
    text: str
    said: datetime  # when it ended being said
    began: datetime  # when it began
    lag: float  # seconds from then until Genesys sent it (the message's eventTime)
    confidence: float


class LiveWords:
    def __init__(self, conversation_id: str, agent_since: datetime | None = None) -> None:
        self.conversation_id = conversation_id
        self.agent_since = agent_since  # before it, the agent side is the IVR
        self.utterances: OrderedDict[str, Utterance] = OrderedDict()
        self.ended = False
        self.sentiment: float | None = None
        self.trend: float | None = None
        self.last_said: datetime | None = None
        self.heard = False  # a transcription message came: the session is really on
        # On the call's own time line (silence.py): from when the words were followed, and the
        # newest moment the stream has covered (utterances, and each message's status offset).
        self.followed_from: datetime | None = None
        self.covered: datetime | None = None
        self._min_lag: float | None = None  # the quickest words ever came after being said

    def apply(self, topic: str, body: dict[str, Any]) -> list[Utterance]:
        """One pushed message; the utterances it added."""
        if topic == sentiment_topic(self.conversation_id):
            self.sentiment = _number(body.get("sentimentOverallScore"), self.sentiment)
            self.trend = _number(body.get("sentimentTrendScore"), self.trend)
            return []
        if topic != transcription_topic(self.conversation_id):
            return []
        self.heard = True
        status = body.get("status") if isinstance(body.get("status"), dict) else {}
        if status.get("status") == "SESSION_ENDED":
            self.ended = True
        start = _number(body.get("sessionStartTimeMs"), None)
        sent = _time(body.get("eventTime"))
        added: list[Utterance] = []
        transcripts = body.get("transcripts")
        for tr in transcripts if isinstance(transcripts, list) else []:
            u = self._utterance(tr, start, sent)
            if u is not None and u.id not in self.utterances:
                self.utterances[u.id] = u
                added.append(u)
                if self.last_said is None or u.said > self.last_said:
                    self.last_said = u.said
        self._cover(start, status, added, sent)
        while len(self.utterances) > MAX_UTTERANCES:
            self.utterances.popitem(last=False)
        return added

    def _cover(
        self, start: float | None, status: dict, added: list[Utterance], sent: datetime | None
    ) -> None:
        """Move `covered` on to what this message vouches for; the first one sets
        `followed_from` (what was said before it was never seen)."""
        for u in added:
            self._min_lag = u.lag if self._min_lag is None else min(self._min_lag, u.lag)
        offset = _number(status.get("offsetMs"), None)
        marks = [u.said for u in added]
        if start is not None and offset is not None and offset >= 0:
            vouched = datetime.fromtimestamp((start + offset) / 1000, UTC)
            if sent is not None:
                # What the stream has covered cannot be newer than the message, less the time
                # words have always taken to come: if Genesys's offset meant the message's own
                # time, a pause would look longer by the whole transcript delay.
                vouched = min(vouched, sent - timedelta(seconds=self._min_lag or 0.0))
            marks.append(vouched)
        if not marks:
            return
        newest = max(marks)
        if self.followed_from is None:
            self.followed_from = min([newest, *(u.began for u in added)])
        if self.covered is None or newest > self.covered:
            self.covered = newest

    def spoken(self) -> list[tuple[datetime, datetime]]:
        """(start, end) of every utterance kept but the IVR's."""
        return [(u.began, u.said) for u in self.utterances.values() if u.role != "ivr"]

    def _utterance(self, tr: Any, start: float | None, sent: datetime | None) -> Utterance | None:
        if not isinstance(tr, dict) or not tr.get("isFinal") or start is None:
            return None
        alts = tr.get("alternatives")
        alt = alts[0] if isinstance(alts, list) and alts and isinstance(alts[0], dict) else None
        if alt is None:
            return None
        text = alt.get("decoratedTranscript") or alt.get("transcript")
        offset, dur = _number(alt.get("offsetMs"), None), _number(alt.get("durationMs"), 0.0)
        if not isinstance(text, str) or offset is None:
            return None
        said = datetime.fromtimestamp((start + offset + (dur or 0)) / 1000, UTC)
        began = datetime.fromtimestamp((start + offset) / 1000, UTC)
        if str(tr.get("channel", "")).upper() == "EXTERNAL":
            role = "customer"
        else:
            role = "ivr" if self.agent_since is None or began < self.agent_since else "agent"
        lag = (sent - said).total_seconds() if sent else 0.0
        return Utterance(
            str(tr.get("utteranceId") or f"{start}:{offset}"),
            role,
            text[:MAX_TEXT],
            said,
            began,
            max(0.0, lag),
            float(_number(alt.get("confidence"), 0.0) or 0.0),
        )

    def last(self, n: int) -> list[Utterance]:
        return list(self.utterances.values())[-n:]


def _number(value: Any, default: float | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _time(value: Any) -> datetime | None:
    return parse_time(value) if isinstance(value, str) else None
