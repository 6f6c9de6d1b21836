"""A transcript held compactly: phrases as slotted objects, word timings in flat arrays (a 200 MB
transcript document becomes tens of MB, not the gigabyte json.load would build)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

ROLES = ("agent", "customer", "ivr", "system")
EXPORT_FORMATS = ("txt", "json", "vtt", "srt", "html")  # html: one report page for the call
ROLE_LABELS = {"agent": "Agent", "customer": "Customer", "ivr": "IVR", "system": "System"}


@dataclass(slots=True)
class Phrase:
    index: int
    start_ms: int  # absolute, epoch milliseconds
    duration_ms: int
    text: str
    confidence: float | None
    channel: str  # internal | external (the transcript's participantPurpose)
    role: str = "agent"
    word_offset: int = 0  # into Transcript.word_* arrays
    word_count: int = 0
    sentiment: float | None = None
    media_ms: int | None = None  # position in the recording file, after alignment
    recording_id: str | None = None

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


@dataclass(slots=True)
class Span:
    """A participant's time range from the transcript's participants[] (epoch ms)."""

    purpose: str  # customer, agent, ivr, acd, ...
    start_ms: int
    end_ms: int
    user_id: str | None = None
    queue_id: str | None = None


@dataclass(slots=True)
class Topic:
    name: str
    phrase: str
    start_ms: int
    channel: str


@dataclass
class Transcript:
    conversation_id: str
    communication_id: str
    phrases: list[Phrase] = field(default_factory=list)
    participants: list[Span] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    language: str | None = None
    word_start: array = field(default_factory=lambda: array("q"))  # epoch ms
    word_duration: array = field(default_factory=lambda: array("l"))
    word_confidence: array = field(default_factory=lambda: array("f"))

    def words(self, p: Phrase) -> list[tuple[str, int, int, float]]:
        """(word, start ms, duration ms, confidence) for a phrase; the word texts come from the
        phrase text, which is their concatenation."""
        tokens = p.text.split()
        out = []
        for k in range(p.word_count):
            i = p.word_offset + k
            out.append(
                (
                    tokens[k] if k < len(tokens) else "",
                    self.word_start[i],
                    self.word_duration[i],
                    self.word_confidence[i],
                )
            )
        return out

    @property
    def start_ms(self) -> int | None:
        return self.phrases[0].start_ms if self.phrases else None
