"""QA metrics of a call from its transcript: talk time and share per role, overtalk, silence and the
longest dead air, the longest monologue, speaker turns, confidence, hold time, sentiment trend."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from genesys_tui.flows.review.align import RecordingTimeline
from genesys_tui.flows.review.model import ROLES, Transcript


def union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _total(intervals: list[tuple[int, int]]) -> int:
    return sum(b - a for a, b in intervals)


def _intersection(x: list[tuple[int, int]], y: list[tuple[int, int]]) -> int:
    i = j = total = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            total += b - a
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass
class Metrics:
    duration_ms: int
    talk_ms: dict[str, int] = field(default_factory=dict)
    talk_share: dict[str, float] = field(default_factory=dict)  # of all talk
    overtalk_ms: int = 0
    silence_ms: int = 0  # while an agent is connected
    longest_dead_air_ms: int = 0
    longest_dead_air_at_ms: int | None = None  # offset from the call's start
    longest_monologue_ms: int = 0
    longest_monologue_role: str | None = None
    speaker_turns: int = 0
    average_confidence: float | None = None
    hold_ms: int = 0
    secure_pause_ms: int = 0
    sentiment_start: float | None = None
    sentiment_end: float | None = None
    sentiment_trend: str | None = None  # improving, declining, steady
    phrases: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs for tables and CSV."""
        from genesys_tui.core import fmt

        out = [("duration", fmt.duration(self.duration_ms / 1000))]
        for role in ROLES:
            if role in self.talk_ms:
                out.append(
                    (
                        f"talk {role}",
                        f"{fmt.duration(self.talk_ms[role] / 1000)} ({self.talk_share[role]:.0%})",
                    )
                )
        out += [
            ("overtalk", fmt.duration(self.overtalk_ms / 1000)),
            ("silence", fmt.duration(self.silence_ms / 1000)),
            (
                "longest dead air",
                fmt.duration(self.longest_dead_air_ms / 1000)
                + (
                    f" at {fmt.duration(self.longest_dead_air_at_ms / 1000)}"
                    if self.longest_dead_air_at_ms is not None and self.longest_dead_air_ms
                    else ""
                ),
            ),
            (
                "longest monologue",
                f"{fmt.duration(self.longest_monologue_ms / 1000)} {self.longest_monologue_role or ''}".strip(),
            ),
            ("speaker turns", str(self.speaker_turns)),
            (
                "average confidence",
                f"{self.average_confidence:.2f}" if self.average_confidence is not None else "-",
            ),
            ("hold", fmt.duration(self.hold_ms / 1000)),
            ("secure pause", fmt.duration(self.secure_pause_ms / 1000)),
            (
                "sentiment",
                f"{self.sentiment_trend} {self.sentiment_start:+.1f}→{self.sentiment_end:+.1f}"
                if self.sentiment_trend
                else "-",
            ),
        ]
        return out


MONOLOGUE_GAP_MS = 2000  # a pause this short does not end a monologue


def compute(
    t: Transcript,
    timelines: list[RecordingTimeline] | None = None,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Metrics:
    """Metrics over [start_ms, end_ms) (default: the recordings' span, else the phrases')."""
    phrases = sorted(t.phrases, key=lambda p: p.start_ms)
    timelines = timelines or []
    if start_ms is None:
        start_ms = min([tl.start_ms for tl in timelines] or [phrases[0].start_ms if phrases else 0])
    if end_ms is None:
        end_ms = max(
            [tl.start_ms + tl.wall_ms for tl in timelines] or [phrases[-1].end_ms if phrases else 0]
        )
    m = Metrics(duration_ms=max(0, end_ms - start_ms), phrases=len(phrases))
    by_role: dict[str, list[tuple[int, int]]] = {}
    for p in phrases:
        by_role.setdefault(p.role, []).append((p.start_ms, p.end_ms))
    merged = {r: union(v) for r, v in by_role.items()}
    m.talk_ms = {r: _total(v) for r, v in merged.items()}
    total_talk = sum(m.talk_ms.values()) or 1
    m.talk_share = {r: v / total_talk for r, v in m.talk_ms.items()}
    m.overtalk_ms = _intersection(merged.get("agent", []), merged.get("customer", []))
    # Pauses: holds are time nobody is expected to talk; secure pauses are not heard at all.
    pauses = [
        (tl.start_ms + p.wall_ms, tl.start_ms + p.wall_end, p.reason)
        for tl in timelines
        for p in tl.pauses
    ]
    m.hold_ms = sum(b - a for a, b, r in pauses if r == "Hold")
    m.secure_pause_ms = sum(b - a for a, b, r in pauses if r == "SecurePause")
    speech = union([iv for v in merged.values() for iv in v])
    excluded = union([(a, b) for a, b, _ in pauses])
    # Dead air: gaps between speech while an agent is on the call (waiting in the IVR or the queue
    # is not dead air), minus holds and pauses.
    agents = union(
        [(s.start_ms, s.end_ms) for s in t.participants if s.purpose in ("agent", "user")]
    )
    silent = dead_air(speech, agents, excluded)
    m.silence_ms = _total(silent)
    if silent:
        a, b = max(silent, key=lambda iv: iv[1] - iv[0])
        m.longest_dead_air_ms, m.longest_dead_air_at_ms = b - a, a - start_ms
    _floor(m, phrases)
    _confidence_and_sentiment(m, phrases)
    return m


def dead_air(
    speech: list[tuple[int, int]], agents: list[tuple[int, int]], excluded: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The silent stretches: gaps between speech, within an agent's presence (when known), with
    the excluded spans (holds, secure pauses) cut out."""
    gaps = [(speech[k][1], speech[k + 1][0]) for k in range(len(speech) - 1)]
    if agents:
        gaps = [(max(a, x), min(b, y)) for a, b in gaps for x, y in agents if x < b and y > a]
    silent = []
    for a, b in gaps:
        cuts = [(max(a, x), min(b, y)) for x, y in excluded if x < b and y > a]
        cur = a
        for x, y in sorted(cuts):
            if x > cur:
                silent.append((cur, x))
            cur = max(cur, y)
        if cur < b:
            silent.append((cur, b))
    return silent


def _floor(m: Metrics, phrases: list) -> None:
    """Speaker turns and the longest monologue, over who holds the floor (a pause under
    MONOLOGUE_GAP_MS does not end a monologue)."""
    turns = 0
    prev_role = None
    run_role, run_start, run_end = None, 0, 0
    for p in phrases:
        if p.role != prev_role:
            if prev_role is not None:
                turns += 1
            prev_role = p.role
        if p.role == run_role and p.start_ms - run_end <= MONOLOGUE_GAP_MS:
            run_end = max(run_end, p.end_ms)
        else:
            run_role, run_start, run_end = p.role, p.start_ms, p.end_ms
        if run_end - run_start > m.longest_monologue_ms:
            m.longest_monologue_ms, m.longest_monologue_role = run_end - run_start, run_role
    m.speaker_turns = turns


def _confidence_and_sentiment(m: Metrics, phrases: list) -> None:
    """The duration-weighted confidence, and the customer's sentiment, first half to second."""
    confs = [(p.confidence, p.duration_ms) for p in phrases if p.confidence is not None]
    if confs:
        weight = sum(d for _, d in confs) or len(confs)
        m.average_confidence = sum(c * (d or 1) for c, d in confs) / weight
    scored = [
        (p.start_ms, p.sentiment)
        for p in phrases
        if p.sentiment is not None and p.role == "customer"
    ]
    if scored:
        half = max(1, len(scored) // 2)
        first = [s for _, s in scored[:half]]
        last = [s for _, s in scored[half:]] or first
        m.sentiment_start, m.sentiment_end = sum(first) / len(first), sum(last) / len(last)
        delta = m.sentiment_end - m.sentiment_start
        m.sentiment_trend = (
            "improving" if delta > 0.2 else "declining" if delta < -0.2 else "steady"
        )
