"""What one synthetic call is made of: parties and their segments, phrases word by word, holds and
secure pauses, music, recordings. calls.py builds them; every document and the audio derive from
them, so they always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genesys_tui.emulator.calls import Script

INTERNAL, EXTERNAL = "internal", "external"  # transcript phrase purposes: agent side, customer side


@dataclass
class Word:
    text: str
    start: int  # epoch ms
    dur: int
    conf: float


@dataclass
class Phrase:
    start: int  # epoch ms
    dur: int
    channel: str  # internal | external
    role: str  # ivr | agent | customer
    text: str
    words: list[Word]
    sentiment: int = 0

    @property
    def end(self) -> int:
        return self.start + self.dur

    @property
    def confidence(self) -> float:
        return round(sum(w.conf for w in self.words) / len(self.words), 3) if self.words else 1.0


@dataclass
class Pause:
    start: int
    dur: int
    reason: str  # Hold | SecurePause
    cut: bool  # removed from the recording (secure pause) or kept (hold, with music)

    @property
    def end(self) -> int:
        return self.start + self.dur


@dataclass
class Music:
    start: int
    dur: int
    kind: str  # hold | queue


@dataclass
class Segment:
    type: str
    start: int
    end: int | None
    queue_id: str | None = None
    wrapup_code: str | None = None
    disconnect_type: str | None = None


@dataclass
class Party:
    id: str
    purpose: str  # customer | external | ivr | acd | agent | user
    name: str
    start: int
    end: int | None
    call_id: str
    direction: str
    segments: list[Segment] = field(default_factory=list)
    user_id: str | None = None
    queue_id: str | None = None
    connected: int | None = None
    state: str = "disconnected"
    attributes: dict[str, str] = field(default_factory=dict)
    flow: dict | None = None
    wrapup_code: str | None = None
    disconnect_type: str | None = "endpoint"
    media_roles: list[str] = field(default_factory=list)
    monitored: str | None = None
    coached: str | None = None
    barged: str | None = None
    barged_time: int | None = None
    held: bool = False


@dataclass
class RecordingInfo:
    id: str
    start: int
    end: int
    pauses: list[Pause]
    file_state: str

    @property
    def wall_ms(self) -> int:
        return self.end - self.start

    @property
    def media_ms(self) -> int:
        """Length of the audio file: wall-clock minus the secure pauses cut out of it."""
        return self.wall_ms - sum(p.dur for p in self.pauses if p.cut)


@dataclass
class CallDetail:
    index: int
    id: str
    start: int
    end: int | None
    outbound: bool
    live: bool
    parties: list[Party]
    script: Script
    pauses: list[Pause]
    music: list[Music]
    recordings: list[RecordingInfo]
    transcribed: bool
    division_id: str
    ani: str
    dnis: str
    queue_ids: list[str]
    secure_pause: bool = False
    communication_id: str = ""
    extra_parties: list[Party] = field(default_factory=list)  # supervisors added at run time

    seed: int = 0
    key: int = 0  # the generation index (Org.key): what seeds the call, whatever its position
    _phrases: list[Phrase] | None = field(default=None, repr=False)

    @property
    def all_parties(self) -> list[Party]:
        return self.parties + self.extra_parties

    @property
    def phrases(self) -> list[Phrase]:
        if self._phrases is None:
            self._phrases = self.script.speak(self.seed, self.key)
        return self._phrases

    def texts(self) -> list[str]:
        """What is said, phrase by phrase in order, without the words' timing (a search index
        needs no more, at a third of the cost)."""
        said = self._phrases or self.script.speak(self.seed, self.key, words=False)
        return [p.text for p in said]
