"""Who is speaking: internal/external phrases mapped to agent, customer, IVR or system through the
participants' purposes and time ranges."""

from __future__ import annotations

from tests.unit.review.builders import transcript

SPANS = [
    ("customer", 0, 60_000),
    ("ivr", 0, 10_000),
    ("acd", 10_000, 12_000),
    ("agent", 12_000, 30_000),
    ("agent", 31_000, 60_000),
]


def roles(phrases):
    return [p.role for p in transcript(phrases, SPANS).phrases]


def test_external_is_always_the_customer():
    assert roles([("external", 1000, 500, "hi"), ("external", 20_000, 500, "yes")]) == [
        "customer",
        "customer",
    ]


def test_internal_before_the_agent_is_the_ivr_then_the_queue():
    assert roles(
        [("internal", 1000, 2000, "welcome"), ("internal", 10_200, 1000, "please hold")]
    ) == ["ivr", "system"]


def test_internal_with_an_agent_on_the_line_is_the_agent_even_across_a_transfer():
    assert roles([("internal", 13_000, 1000, "hello"), ("internal", 40_000, 1000, "hi again")]) == [
        "agent",
        "agent",
    ]


def test_the_phrase_midpoint_decides_at_a_boundary():
    # 9,000..12,000: its middle (10,500) lies in the queue's span, not the IVR's.
    assert roles([("internal", 9000, 3000, "your call is important")]) == ["system"]


def test_no_participant_data_falls_back_to_agent_for_internal():
    t = transcript([("internal", 1000, 500, "hello"), ("external", 2000, 500, "hi")], spans=[])
    assert [p.role for p in t.phrases] == ["agent", "customer"]
