"""What a reviewer hears: each party on, alone (solo) or muted, silences and holds skipped, an A-B
loop. Turned into what the player applies: a gain per channel of the stereo recording (a party a
channel), the IVR as its spans of the customer's channel, and the ranges to jump over. No UI here."""

from __future__ import annotations

from dataclasses import dataclass, field

from genesys_tui.flows.review.metrics import dead_air, union
from genesys_tui.flows.review.model import Transcript
from genesys_tui.flows.review.session import Audio

PARTIES = ("agent", "customer", "ivr")
ON, SOLO, MUTED = "on", "solo", "muted"
MIN_SILENCE_MS = 2000  # a shorter pause is how people talk: it is kept
MARGIN_MS = 400  # kept at each side of a skipped silence, so no word is clipped


@dataclass
class Listening:
    state: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PARTIES, ON))
    skip: bool = False  # silences and holds
    loop_in_ms: int | None = None
    loop_out_ms: int | None = None

    def cycle(self, party: str) -> str:
        """on -> solo -> muted -> on; what it is now."""
        now = {ON: SOLO, SOLO: MUTED, MUTED: ON}[self.state[party]]
        if now == SOLO:  # one party alone at a time
            for p, s in self.state.items():
                if s == SOLO:
                    self.state[p] = ON
        self.state[party] = now
        return now

    def audible(self) -> set[str]:
        solos = {p for p, s in self.state.items() if s == SOLO}
        return solos or {p for p, s in self.state.items() if s != MUTED}

    def changed(self) -> bool:
        """Anything but everyone heard."""
        return self.audible() != set(PARTIES)

    def words(self) -> str:
        """The parties' state in a few words for the title: "agent solo", "customer muted"."""
        return ", ".join(f"{p} {s}" for p, s in self.state.items() if s != ON)

    def mix(
        self, audio: Audio, transcript: Transcript | None, channels: dict[str, int]
    ) -> tuple[list[float], list[tuple[int, int, int, float]]]:
        """(gain per channel, spans overriding it) for this recording: the customer's and the
        agent's channels, the IVR's spans of the customer's channel. A mono recording holds every
        party in its one channel: it is heard if anyone is."""
        hear = self.audible()
        if audio.channels < 2:
            return [1.0 if hear else 0.0], []
        gains = [1.0] * audio.channels
        cust, agent = channels["customer"], channels["agent"]
        if max(cust, agent) >= audio.channels:
            return gains, []
        gains[cust] = 1.0 if "customer" in hear else 0.0
        gains[agent] = 1.0 if "agent" in hear else 0.0
        ivr = 1.0 if "ivr" in hear else 0.0
        if ivr == gains[cust] or transcript is None:
            return gains, []
        spans = []
        for a, b in ivr_spans_ms(audio, transcript):
            spans.append((a * audio.rate // 1000, b * audio.rate // 1000, cust, ivr))
        return gains, spans

    def loop_frames(self, rate: int) -> tuple[int | None, int | None]:
        if self.loop_in_ms is None or self.loop_out_ms is None:
            return None, None
        return self.loop_in_ms * rate // 1000, self.loop_out_ms * rate // 1000


def ivr_spans_ms(audio: Audio, transcript: Transcript) -> list[tuple[int, int]]:
    """When the IVR holds the call, in this recording's own time (ms into the file)."""
    tl = audio.timeline
    out = []
    for s in transcript.participants:
        if s.purpose == "ivr" and s.end_ms > tl.start_ms and s.start_ms < tl.start_ms + tl.wall_ms:
            a = tl.to_media(max(s.start_ms, tl.start_ms))
            b = tl.to_media(min(s.end_ms, tl.start_ms + tl.wall_ms))
            if b > a:
                out.append((a, b))
    return out


def skippable_ms(audio: Audio, transcript: Transcript | None) -> list[tuple[int, int]]:
    """What skipping jumps over in this recording (ms into the file): the holds heard in it, and
    silences of two seconds or more while an agent is on the call (what the metrics count as dead
    air), less a margin at each side."""
    tl = audio.timeline
    out = []
    for p in tl.pauses:
        kept = p.duration_ms - p.cut_ms
        if p.reason == "Hold" and kept > 0:
            out.append((p.media_ms, p.media_ms + kept))
    if transcript is not None and transcript.phrases:
        speech = union([(p.start_ms, p.end_ms) for p in transcript.phrases])
        agents = union(
            [
                (s.start_ms, s.end_ms)
                for s in transcript.participants
                if s.purpose in ("agent", "user")
            ]
        )
        holds = [(tl.start_ms + p.wall_ms, tl.start_ms + p.wall_end) for p in tl.pauses]
        for a, b in dead_air(speech, agents, union(holds)):
            if b - a >= MIN_SILENCE_MS and tl.contains(a):
                x, y = tl.to_media(a) + MARGIN_MS, tl.to_media(b) - MARGIN_MS
                if y > x:
                    out.append((x, y))
    return sorted(out)
