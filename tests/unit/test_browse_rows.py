"""Browse's compact rows (issue 33): every summary comes back as it went in, and the live filter
and the sorts over the columns give what they gave over a list of summaries."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from genesys_tui.flows.browse.table import ConversationModel
from genesys_tui.genesys.summaries import ConversationSummary, ParticipantSummary

NAMES = {"q1": "Billing", "q2": "Sales Team", "u1": "Ana Lima", "u2": "Bo Ek", "w1": "Refund"}


def summaries(n: int, seed: int = 3) -> list[ConversationSummary]:
    rng = random.Random(seed)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    out = []
    for k in range(n):
        num = f"1317555{rng.randrange(10**4):04d}"
        ani = rng.choice([f"tel:+{num}", f"tel:+{num}", "sip:bob@x.example", None, "tel:+0044"])
        cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if k % 17 == 0:
            cid = f"odd-{k}"  # not a UUID: kept as it is
        parts = (
            ParticipantSummary(
                str(uuid.uuid4()), "customer", rng.choice([None, "Zoë Ünal", "+" + num])
            ),
            ParticipantSummary(
                "p-odd" if k % 5 == 0 else str(uuid.uuid4()), "agent", "Ana Lima", "u1"
            ),
        )[: rng.randrange(3)]
        start = base + timedelta(minutes=rng.randrange(5000))
        out.append(
            ConversationSummary(
                conversation_id=cid,
                start=start,
                end=rng.choice([None, start + timedelta(seconds=rng.randrange(1, 900))]),
                direction=rng.choice(["inbound", "outbound", None]),
                media_types=("voice",),
                queue_ids=tuple(rng.sample(["q1", "q2", "q3"], rng.randrange(3))),
                user_ids=tuple(rng.sample(["u1", "u2"], rng.randrange(3))),
                ani=ani,
                dnis=rng.choice(["tel:+18005550100", None]),
                wrapup_codes=tuple(rng.sample(["w1", "w2"], rng.randrange(2))),
                has_recording=rng.random() < 0.7,
                division_ids=("d1",),
                participants=parts,
            )
        )
    return out


def reference(items, names, words, key, reverse):
    """What the list did over ConversationSummary objects."""
    m = ConversationModel(names)
    idx = [i for i, s in enumerate(items) if all(w in m._search_text(s) for w in words)]
    if key:

        def k(i):
            s = items[i]
            if key == "start":
                return s.start
            if key == "duration":
                return s.duration_s if s.duration_s is not None else float("inf")
            if key in ("direction", "ani"):
                return getattr(s, key) or ""
            field = {"queue": "queue_ids", "agent": "user_ids", "wrapup": "wrapup_codes"}[key]
            return ", ".join(names.get(x, x) for x in getattr(s, field)).lower()

        idx.sort(key=k, reverse=reverse)
    return [items[i].conversation_id for i in idx]


def test_rows_come_back_as_they_went_in():
    items = summaries(300)
    m = ConversationModel(NAMES)
    assert m.add(items) == 300 and m.add(items[:10]) == 0  # each once
    assert [m.summary(i) for i in range(len(m))] == items
    assert list(m.items) == items and m.items[-1] == items[-1]
    assert m.index_of(items[17].conversation_id) == 17 and m.index_of("nope") is None
    assert m.rows.nbytes() < 300 * 200


@pytest.mark.parametrize(
    "words", ["", "ana", "bill 5555", "odd", "ünal", "sip:", "tel:+0044", "zz"]
)
@pytest.mark.parametrize(
    "key", [None, "start", "duration", "direction", "ani", "queue", "agent", "wrapup"]
)
def test_filter_and_sort_as_over_a_list(words, key):
    items = summaries(300, seed=len(words) + 7)
    if words == "bill 5555":  # a word from an id, in the middle
        words = f"bill {items[3].conversation_id[9:18]}"
    for reverse in (False, True):
        m = ConversationModel(NAMES)
        m.add(items[:200])
        m.set_sort(key, reverse)
        m.set_filter(words)
        m.add(items[200:])  # rows that arrive under a filter and a sort
        got = [m.summary(i).conversation_id for i in range(len(m))]
        assert got == reference(items, NAMES, words.lower().split(), key, reverse)
