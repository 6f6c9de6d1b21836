"""Silence by the transcript's own time line: scripted speech delivered the way Genesys delivers
it (final utterances in batches, `delay` seconds after they were said, a keepalive every 5 minutes)
to the real LiveWords and AlertEngine, evaluated every second of wall time."""

from __future__ import annotations

import random
from datetime import timedelta

from genesys_tui.core.config import AlertRules
from genesys_tui.flows.supervise.alerts import SILENCE, AlertEngine
from genesys_tui.flows.supervise.silence import gaps
from genesys_tui.flows.supervise.words import LiveWords, transcription_topic
from tests.unit.test_live_alerts import CID, T0, call, iso

START_MS = int(T0.timestamp() * 1000)
AGENT_AT = 35  # the agent in call() connects 35 s in


def speech(minutes: float, *, gap_at: float | None = None, gap: float = 0, seed: int = 1):
    """(start s, duration s, channel) utterances from 40 s on: turns of 2-6 s with 0.3-8 s between
    them (every 25th, 30 s: the delay on top would make it 50), and one `gap` of silence starting
    `gap_at` s into the call."""
    rng = random.Random(seed)
    out, t, k = [], 40.0, 0
    while t < 40 + minutes * 60:
        dur = rng.uniform(2, 6)
        out.append((t, dur, "EXTERNAL" if k % 2 else "INTERNAL"))
        t += dur + (30 if k % 25 == 24 else rng.uniform(0.3, 8))  # now and then, 30 s dead air
        if gap_at is not None and t >= gap_at and gap:
            t, gap = max(t, gap_at) + gap, 0
        k += 1
    return out


def messages(script, *, delay=20.0, every=5.0, honest_offset=True, joined=0.0, chatty=False):
    """(sent s, body): every `every` s a batch of the utterances that ended `delay` s before, and
    an empty one at the start and every 5 minutes. `honest_offset`: the status offset says how far
    the transcription has got; otherwise it says the message's own time (the emulator's old way).
    Nothing said before `joined` is delivered (a client that subscribed then). `chatty`: a message
    every `every` s, words or not."""
    out, sent_upto, t, last_keepalive = [], joined, joined, None
    end = max(s + d for s, d, _ in script) + delay + every
    while t <= end:
        due = [u for u in script if sent_upto < u[0] + u[1] + delay <= t and u[0] >= joined]
        if due or chatty or last_keepalive is None or t - last_keepalive >= 300:
            offset = t - delay if honest_offset else t
            out.append((t, body(due, t, max(0.0, offset))))
            last_keepalive = t
        sent_upto = t
        t += every
    return out


def body(utterances, sent: float, offset: float) -> dict:
    return {
        "eventTime": iso(T0 + timedelta(seconds=sent)),
        "conversationId": CID,
        "sessionStartTimeMs": START_MS,
        "transcripts": [
            {
                "utteranceId": f"u{int(s * 1000)}",
                "isFinal": True,
                "channel": ch,
                "alternatives": [
                    {
                        "confidence": 0.9,
                        "offsetMs": int(s * 1000),
                        "durationMs": int(d * 1000),
                        "decoratedTranscript": "words",
                    }
                ],
            }
            for s, d, ch in utterances
        ],
        "status": {"offsetMs": int(offset * 1000), "status": "SESSION_ONGOING"},
    }


def run(msgs, seconds: float, *, held=None, threshold=45) -> list:
    """Every silence alert raised, evaluating each wall-clock second; `held` = (from s, to s)."""
    engine = AlertEngine(
        AlertRules(silence_seconds=threshold, hold_seconds=0, queue_wait_seconds=0)
    )
    words = LiveWords(CID, agent_since=T0 + timedelta(seconds=AGENT_AT))
    raised, queue = [], list(msgs)
    for t in range(int(seconds)):
        now = T0 + timedelta(seconds=t)
        while queue and queue[0][0] <= t:
            words.apply(transcription_topic(CID), queue.pop(0)[1])
        on_hold = held is not None and held[0] <= t < held[1]
        snapshot = call(held_since=T0 + timedelta(seconds=held[0]) if on_hold else None)
        raised += [a for a in engine.evaluate(snapshot, now, words)[0] if a.kind == SILENCE]
    return raised


def test_ten_minutes_of_continuous_speech_raise_no_silence():
    script = speech(10)
    pauses = [b[0] - (a[0] + a[1]) for a, b in zip(script, script[1:], strict=False)]
    assert max(pauses) < 45 and sum(p >= 29 for p in pauses) >= 2
    assert run(messages(script), 11 * 60) == []
    # however Genesys's status offset reads, the transcript delay is never taken for silence
    assert run(messages(script, honest_offset=False, chatty=True), 11 * 60) == []
    assert run(messages(script, chatty=True), 11 * 60) == []


def test_sixty_seconds_of_nobody_speaking_raise_exactly_one():
    script = speech(10, gap_at=300, gap=60)
    (alert,) = run(messages(script), 11 * 60)
    assert alert.text.startswith("silent 1:0") and "into the call" in alert.measured
    (g,) = gaps(
        [(T0 + timedelta(seconds=s), T0 + timedelta(seconds=s + d)) for s, d, _ in script],
        followed_from=T0,
        covered=T0 + timedelta(minutes=11),
        agent_from=T0 + timedelta(seconds=AGENT_AT),
        threshold=45,
    )
    assert 60 <= g.seconds < 69 and not g.open


def test_a_silence_still_going_is_raised_from_the_stream_not_the_clock():
    script = speech(3)  # then nobody speaks; only keepalives come
    last_end = max(s + d for s, d, _ in script)
    msgs = messages(script)
    msgs.append((last_end + 400, body([], last_end + 400, last_end + 380)))  # a keepalive
    (alert,) = run(msgs, last_end + 402)
    assert alert.ongoing and "as far as the transcript has come" in alert.measured
    assert run(msgs[:-1], last_end + 399) == []  # before the keepalive: nothing to go on


def test_hold_time_is_not_silence():
    script = speech(10, gap_at=300, gap=90)
    assert run(messages(script), 11 * 60, held=(300, 392)) == []


def test_a_call_found_on_start_raises_nothing_for_what_came_before():
    script = [u for u in speech(10) if not 200 <= u[0] < 330]  # a long silence before joining
    assert run(messages(script, joined=330), 11 * 60) == []
    assert len(run(messages(script, joined=150), 11 * 60)) == 1  # followed: it is seen
