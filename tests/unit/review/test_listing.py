"""The transcript list: role filters, search with wrap-around, speaker changes, what is heard at a
playhead, and the copy format."""

from __future__ import annotations

from genesys_tui.flows.review.listing import PhraseList
from tests.unit.review.builders import transcript

SPANS = [("customer", 0, 10**6), ("ivr", 0, 5000), ("agent", 5000, 10**6)]
PHRASES = [
    ("internal", 0, 1000, "welcome to acme"),
    ("external", 6000, 1000, "I want to pay"),
    ("internal", 8000, 1000, "sure, a payment"),
    ("internal", 9500, 500, "card number please"),
    ("external", 11_000, 1000, "ok paying now"),
    ("internal", 13_000, 800, "payment taken"),
]


def listing():
    t = transcript(PHRASES, SPANS)
    for p in t.phrases:
        p.media_ms, p.recording_id = p.start_ms - t.phrases[0].start_ms, "r1"
    return PhraseList(t, ["r1"])


def test_role_filters_keep_one_group_shown():
    ls = listing()
    assert [ls.phrase(r).role for r in range(len(ls))] == [
        "ivr",
        "customer",
        "agent",
        "agent",
        "customer",
        "agent",
    ]
    ls.toggle("agent")
    assert [ls.phrase(r).role for r in range(len(ls))] == ["ivr", "customer", "customer"]
    ls.toggle("customer")
    ls.toggle("ivr")  # the last one cannot be hidden
    assert ls.shown_roles == {"ivr"} and len(ls) == 1


def test_search_next_and_previous_wrap():
    ls = listing()
    assert ls.search("PAY") == 4
    assert ls.next_hit(-1) == 1 and ls.next_hit(1) == 2 and ls.next_hit(5) == 1
    assert ls.next_hit(1, -1) == 5  # before the first hit: wraps to the last
    ls.toggle("agent")  # hidden phrases are not hits to jump to
    assert ls.hit_rows() == [1, 2]


def test_speaker_changes_and_the_phrase_heard():
    ls = listing()
    assert ls.next_speaker_change(0) == 1 and ls.next_speaker_change(2) == 4
    assert ls.next_speaker_change(4, -1) == 2  # the start of the agent's turn
    assert ls.next_speaker_change(5) is None
    assert ls.row_at("r1", 9600) == 3 and ls.row_at("r1", 0) == 0 and ls.row_at("r2", 9600) is None


def test_the_phrase_heard_at_an_instant_is_the_one_being_spoken():
    """The last phrase that started at or before it and has not ended; in a pause the next one;
    after the last, the last."""
    ls = listing()
    assert [ls.row_at("r1", t) for t in (0, 999, 1000, 5999, 6000)] == [0, 0, 1, 1, 1]
    assert ls.row_at("r1", 7500) == 2  # a pause after the customer: the agent who speaks next
    assert ls.row_at("r1", 8999) == 2 and ls.row_at("r1", 9000) == 3  # the end is not spoken
    assert ls.row_at("r1", 60_000) == 5
    ls.toggle("agent")  # hidden phrases are not landed on: the next shown one
    assert ls.phrase(ls.row_at("r1", 8500)).text == "ok paying now"


def test_the_phrase_heard_on_a_call_with_two_recordings():
    t = transcript(PHRASES, SPANS)
    for k, p in enumerate(t.phrases):  # the second recording starts at the fourth phrase
        p.recording_id = "r1" if k < 3 else "r2"
        p.media_ms = p.start_ms - t.phrases[0 if k < 3 else 3].start_ms
    ls = PhraseList(t, ["r1", "r2"])
    assert ls.row_at("r2", 0) == 3 and ls.row_at("r2", 600) == 4  # 1.5 s later: next
    assert ls.row_at("r1", 2500) == 1 and ls.row_at("r1", 9900) == 2  # r2 not in r1


def test_copy_text_has_time_and_speaker():
    ls = listing()
    assert ls.copy_text(3) == "[00:09] Agent: card number please"
    several = PhraseList(ls.transcript, ["r0", "r1"])
    assert several.copy_text(3) == "[2▸00:09] Agent: card number please"
