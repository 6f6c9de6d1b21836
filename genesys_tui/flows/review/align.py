"""Where each phrase is heard in the recording file. A phrase's wall-clock offset is its startTimeMs
minus the recording's startTime; its place in the file is that offset minus every pause cut out of
the recording before it (secure pauses; holds too when the trunk suppresses hold audio). A phrase
said during a cut pause maps to the pause's place in the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from genesys_tui.flows.review.model import Transcript
from genesys_tui.genesys.models import Recording


@dataclass(frozen=True)
class Pause:
    reason: str  # Hold, SecurePause, ...
    wall_ms: int  # offset from the recording's start, wall clock
    duration_ms: int
    media_ms: int  # where it sits in the file
    cut_ms: int  # how much of it was removed from the file

    @property
    def wall_end(self) -> int:
        return self.wall_ms + self.duration_ms


@dataclass
class RecordingTimeline:
    recording_id: str
    start_ms: int  # epoch ms of the recording's first sample
    wall_ms: int  # recording length on the wall clock
    pauses: list[Pause] = field(default_factory=list)

    @property
    def media_ms(self) -> int:
        return self.wall_ms - sum(p.cut_ms for p in self.pauses)

    @classmethod
    def from_recording(cls, r: Recording) -> RecordingTimeline:
        start = int(r.start_time.timestamp() * 1000) if r.start_time else 0
        end = int(r.end_time.timestamp() * 1000) if r.end_time else start
        pauses = []
        for a in r.annotations:
            if (
                a.reason not in ("Hold", "SecurePause", "Pause", "FlowOrQueue")
                or a.realtime_location is None
            ):
                continue
            dur = a.duration_ms or 0
            kept = a.recording_duration_ms if a.recording_duration_ms is not None else dur
            media = (
                a.recording_location if a.recording_location is not None else a.realtime_location
            )
            pauses.append(Pause(a.reason, a.realtime_location, dur, media, max(0, dur - kept)))
        pauses.sort(key=lambda p: p.wall_ms)
        return cls(r.id or "", start, end - start, pauses)

    def contains(self, abs_ms: int) -> bool:
        return self.start_ms <= abs_ms < self.start_ms + self.wall_ms

    def to_media(self, abs_ms: int) -> int:
        """File position (ms) of a wall-clock instant."""
        offset = abs_ms - self.start_ms
        removed = 0
        for p in self.pauses:
            if p.cut_ms and p.wall_ms <= offset < p.wall_end:
                return p.media_ms + min(
                    offset - p.wall_ms, p.duration_ms - p.cut_ms
                )  # inside a cut
            if p.wall_end <= offset:
                removed += p.cut_ms
        return max(0, min(offset - removed, self.media_ms))

    def to_wall(self, media_ms: int) -> int:
        """The wall-clock instant (epoch ms) heard at a file position (the playhead's time): add
        back every cut that lies before that position in the file."""
        offset = media_ms
        for p in self.pauses:
            if p.cut_ms and p.media_ms + (p.duration_ms - p.cut_ms) <= media_ms:
                offset += p.cut_ms
        return self.start_ms + offset


def align(t: Transcript, timelines: list[RecordingTimeline]) -> None:
    """Give every phrase its recording and its place in that recording's file."""
    for p in t.phrases:
        p.media_ms = p.recording_id = None
        for tl in timelines:
            if tl.contains(p.start_ms):
                p.media_ms, p.recording_id = tl.to_media(p.start_ms), tl.recording_id
                break
