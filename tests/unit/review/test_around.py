"""A search hit's phrase cut to a width with the matched words in sight."""

from __future__ import annotations

import random

from genesys_tui.flows.review.search import around

PHRASE = "well I got my bill this month and it said twice what I paid last time so I am calling"


def test_the_match_stays_in_sight_with_ellipses_where_cut():
    i = PHRASE.index("twice what")
    shown, (a, b) = around(PHRASE, (i, i + 10), 30)
    assert shown == "… it said twice what I paid l…" and shown[a:b] == "twice what"
    assert around(PHRASE, (0, 4), 20)[0] == "well I got my bill …"  # at the start: one ellipsis
    end = len(PHRASE)
    assert around(PHRASE, (end - 7, end), 20)[0] == "…ime so I am calling"  # at the end
    assert around(PHRASE, (i, i + 10), 200) == (PHRASE, (i, i + 10))  # it fits: as it is


def test_any_width_any_match():
    rng = random.Random(5)
    for _ in range(2000):
        text = "".join(rng.choice("ab cd") for _ in range(rng.randrange(1, 120)))
        a = rng.randrange(len(text))
        b = rng.randrange(a + 1, len(text) + 1)
        width = rng.randrange(3, 130)
        shown, (x, y) = around(text, (a, b), width)
        assert len(shown) <= max(width, len(text) if len(text) <= width else width)
        if b - a <= width - 2 or len(text) <= width:  # the whole match fits: all of it shown
            assert shown[x:y] == text[a:b]
        else:  # too long to show whole: its start
            assert text[a:b].startswith(shown[x:y]) and y > x
        assert shown.replace("…", "") in text
