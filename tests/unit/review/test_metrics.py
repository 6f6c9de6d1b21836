"""QA metrics on a constructed call whose answers are worked out by hand."""

from __future__ import annotations

from genesys_tui.flows.review.align import RecordingTimeline
from genesys_tui.flows.review.export import metrics_csv, metrics_json
from genesys_tui.flows.review.metrics import compute
from tests.unit.review.builders import recording, transcript

# customer 0-2000, agent 1500-4000 (500 overtalk), customer 5000-6000, hold 6500-8500,
# agent 9000-12000 and 13000-14000 (one monologue: the 1 s gap is under 2 s); recording 15 s.
PHRASES = [
    ("external", 0, 2000, "hello I have a problem"),
    ("internal", 1500, 2500, "sure let me look"),
    ("external", 5000, 1000, "thanks"),
    ("internal", 9000, 3000, "thanks for holding it is fixed"),
    ("internal", 13_000, 1000, "anything else"),
]


def metrics():
    t = transcript(PHRASES, sentiments={0: -1.0, 2: 1.0})
    tl = RecordingTimeline.from_recording(recording(15_000, [("Hold", 6500, 2000, False)]))
    return compute(t, [tl])


def test_talk_time_share_and_overtalk():
    m = metrics()
    assert m.duration_ms == 15_000
    assert m.talk_ms == {"customer": 3000, "agent": 6500}
    assert abs(m.talk_share["agent"] - 6500 / 9500) < 1e-9
    assert m.overtalk_ms == 500


def test_silence_excludes_the_hold_and_finds_the_longest_dead_air():
    m = metrics()
    # gaps 4000-5000, 6000-9000 minus the hold 6500-8500, 12000-13000
    assert m.silence_ms == 1000 + 500 + 500 + 1000
    assert m.longest_dead_air_ms == 1000 and m.longest_dead_air_at_ms == 4000
    assert dict(m.rows())["longest dead air"] == "0:01 at 0:04"  # where, not only how long
    assert m.hold_ms == 2000 and m.secure_pause_ms == 0


def test_monologue_turns_confidence_sentiment():
    m = metrics()
    assert (m.longest_monologue_ms, m.longest_monologue_role) == (5000, "agent")
    assert m.speaker_turns == 3
    assert abs(m.average_confidence - 0.9) < 1e-9
    assert (m.sentiment_start, m.sentiment_end, m.sentiment_trend) == (-1.0, 1.0, "improving")


def test_exports_carry_the_same_numbers():
    m = metrics()
    import json

    assert json.loads(metrics_json(m))["overtalk_ms"] == 500
    rows = dict(line.split(",", 1) for line in metrics_csv(m).strip().splitlines()[1:])
    assert rows["talk_ms.agent"] == "6500" and rows["speaker_turns"] == "3"


def test_an_empty_transcript_gives_zeroes_not_errors():
    m = compute(transcript([]), [])
    assert m.phrases == 0 and m.talk_ms == {} and m.average_confidence is None


def test_waiting_for_an_agent_is_not_dead_air():
    # IVR 0-2000, then the customer waits in the queue until an agent joins at 30 s.
    t = transcript(
        [
            ("internal", 0, 2000, "welcome"),
            ("internal", 31_000, 1000, "hello"),
            ("external", 34_000, 1000, "hi"),
        ],
        spans=[
            ("customer", 0, 40_000),
            ("ivr", 0, 3000),
            ("acd", 3000, 30_000),
            ("agent", 30_000, 40_000),
        ],
    )
    m = compute(t, [])
    # 30-31 s (the agent joined, nobody spoke yet) and 32-34 s; not the 28 s in the queue
    assert (
        m.silence_ms == 3000
        and m.longest_dead_air_ms == 2000
        and m.longest_dead_air_at_ms == 32_000
    )
