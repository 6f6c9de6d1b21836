"""Alert rules on constructed calls, and live words from constructed transcription messages:
each alert is raised once while its condition holds and cleared when it stops; words are kept
once each, by role, with their lag, and bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from genesys_tui.core.config import AlertRules, SuperviseSettings
from genesys_tui.flows.supervise.alerts import AlertEngine
from genesys_tui.flows.supervise.live import summarize
from genesys_tui.flows.supervise.words import (
    MAX_UTTERANCES,
    LiveWords,
    sentiment_topic,
    transcription_topic,
)
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import CallConversation

T0 = datetime(2026, 5, 14, 15, 0, tzinfo=UTC)
CID = "74a9811f-2c1b-4d59-9a0e-1d2c3b4a5f60"


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def call(*, agent=True, held_since=None, acd_since=None, secure=False):
    parts = [
        {
            "id": "c",
            "purpose": "customer",
            "state": "connected",
            "startTime": iso(T0),
            "connectedTime": iso(T0),
            "ani": "tel:+13175550100",
        }
    ]
    if acd_since is not None:
        parts.append(
            {
                "id": "q",
                "purpose": "acd",
                "state": "connected",
                "startTime": iso(acd_since),
                "queue": {"id": "qq", "name": "Billing"},
            }
        )
    if agent:
        parts.append(
            {
                "id": "a",
                "purpose": "agent",
                "name": "Ana Agent",
                "state": "connected",
                "startTime": iso(T0 + timedelta(seconds=30)),
                "connectedTime": iso(T0 + timedelta(seconds=35)),
                "held": held_since is not None,
                "startHoldTime": iso(held_since) if held_since else None,
            }
        )
    doc = {"id": CID, "participants": parts, "securePause": secure}
    live = summarize(from_api(CallConversation, doc), T0, {}, SuperviseSettings())
    assert live is not None
    return live


def test_hold_waiting_and_secure_pause_are_raised_once_and_cleared():
    engine = AlertEngine(AlertRules(hold_seconds=60, queue_wait_seconds=90, silence_seconds=0))
    now = T0 + timedelta(minutes=5)
    held = call(held_since=now - timedelta(seconds=61))
    raised, cleared = engine.evaluate(held, now)
    assert [a.kind for a in raised] == ["hold"] and "Ana Agent on hold 1:01" in raised[0].text
    assert engine.evaluate(held, now + timedelta(seconds=5)) == ([], [])  # once
    assert engine.of(CID)[0].text.endswith("1:06")  # kept current
    raised, cleared = engine.evaluate(call(), now)  # off hold
    assert not raised and [a.kind for a in cleared] == ["hold"]
    assert engine.evaluate(call(held_since=now - timedelta(seconds=10)), now) == ([], [])
    waiting = call(agent=False, acd_since=now - timedelta(seconds=100))
    assert [a.kind for a in engine.evaluate(waiting, now)[0]] == ["waiting"]
    assert "Billing" in engine.of(CID)[0].text
    assert [a.kind for a in engine.evaluate(call(secure=True), now)[0]] == ["secure-pause"]
    engine.ended(CID)
    assert engine.of(CID) == []


def message(k: int, channel: str, text: str, at: datetime, sent: datetime, final=True) -> dict:
    start = int(T0.timestamp() * 1000)
    return {
        "eventTime": iso(sent),
        "conversationId": CID,
        "sessionStartTimeMs": start,
        "transcripts": [
            {
                "utteranceId": f"u{k}",
                "isFinal": final,
                "channel": channel,
                "alternatives": [
                    {
                        "confidence": 0.9,
                        "offsetMs": int((at - T0).total_seconds() * 1000),
                        "durationMs": 2000,
                        "decoratedTranscript": text,
                    }
                ],
            }
        ],
        "status": {"offsetMs": 0, "status": "SESSION_ONGOING"},
    }


def test_words_by_role_once_each_with_their_lag_and_bounded():
    w = LiveWords(CID, agent_since=T0 + timedelta(seconds=35))
    topic = transcription_topic(CID)
    ivr = message(
        1, "INTERNAL", "Welcome to Acme.", T0 + timedelta(seconds=2), T0 + timedelta(seconds=30)
    )
    assert [u.role for u in w.apply(topic, ivr)] == ["ivr"]
    assert w.apply(topic, ivr) == []  # once
    cust = message(
        2,
        "EXTERNAL",
        "I want to cancel my account.",
        T0 + timedelta(seconds=40),
        T0 + timedelta(seconds=65),
    )
    (u,) = w.apply(topic, cust)
    assert u.role == "customer" and u.lag == 23.0
    agent = message(
        3, "INTERNAL", "Let me help.", T0 + timedelta(seconds=45), T0 + timedelta(seconds=70)
    )
    assert w.apply(topic, agent)[0].role == "agent"
    assert w.apply(topic, message(4, "EXTERNAL", "hmm", T0, T0, final=False)) == []  # not final
    w.apply(sentiment_topic(CID), {"sentimentOverallScore": -62.5, "sentimentTrendScore": -10})
    assert w.sentiment == -62.5
    for k in range(MAX_UTTERANCES + 50):
        w.apply(topic, message(100 + k, "EXTERNAL", "x" * 5000, T0, T0))
    assert len(w.utterances) == MAX_UTTERANCES and len(w.last(1)[0].text) == 2000
    # hostile shapes are skipped, not fatal
    for body in (
        {"transcripts": "no"},
        {"transcripts": 7},
        {"transcripts": [{"isFinal": True}]},
        {"status": 7},
    ):
        w.apply(topic, {**body, "sessionStartTimeMs": 0})


def test_keywords_silence_and_sentiment_from_words():
    rules = AlertRules(keywords=["cancel my account"], silence_seconds=30, sentiment_below=-50)
    engine = AlertEngine(rules)
    w = LiveWords(CID, agent_since=T0 + timedelta(seconds=35))
    topic = transcription_topic(CID)
    said_at = T0 + timedelta(seconds=40)
    w.apply(topic, message(1, "EXTERNAL", "I want to CANCEL my account now", said_at, said_at))
    now = said_at + timedelta(seconds=5)
    raised, _ = engine.evaluate(call(), now, w)
    assert [(a.kind, a.text) for a in raised] == [("keyword", 'customer said "cancel my account"')]
    assert engine.evaluate(call(), now, w) == ([], [])  # once per call and phrase
    later = said_at + timedelta(seconds=2 + 31)
    assert engine.evaluate(call(), later, w) == ([], [])  # the wall clock is not silence
    w.apply(sentiment_topic(CID), {"sentimentOverallScore": -70})
    raised, _ = engine.evaluate(call(), later, w)
    assert [a.kind for a in raised] == ["sentiment"] and "below -50" in raised[0].measured
    assert {a.kind for a in engine.of(CID)} == {"sentiment"}  # a phrase said is not ongoing
    w.apply(sentiment_topic(CID), {"sentimentOverallScore": -47})  # just above: it stays
    assert engine.evaluate(call(), later, w) == ([], [])
    w.apply(sentiment_topic(CID), {"sentimentOverallScore": -40})
    assert [a.kind for a in engine.evaluate(call(), later, w)[1]] == ["sentiment"]


def test_a_hostile_snapshot_is_skipped_and_the_board_goes_on():
    from genesys_tui.flows.supervise.board import LiveBoard

    board = LiveBoard(None, SuperviseSettings(), {})
    for body in (
        {"id": "a", "participants": [5, {"purpose": 7}, None]},
        {"id": 5, "participants": "x"},
        {"id": "b", "participants": [{"startTime": "soon", "held": "yes", "attributes": [1]}]},
    ):
        board.apply(body)  # none raises
    assert board.calls == {}
    board.apply(
        {
            "id": CID,
            "participants": [
                7,
                {"id": "c", "purpose": "customer", "state": "connected", "startTime": iso(T0)},
            ],
        }
    )
    assert list(board.calls) == [CID]  # the good participant kept, the bad item dropped
