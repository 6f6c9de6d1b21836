"""The emulator's transcript search index (issue 33) answers what a scan of every transcript
answers: words anywhere, words in a row (across phrases too), over calls indexed on first use."""

from __future__ import annotations

import random

import numpy as np

from genesys_tui.emulator.org import Org
from genesys_tui.emulator.search_index import SearchIndex, tokens
from tests.conftest import small_org


def test_the_index_answers_as_a_scan():
    org = Org(small_org(conversations=300))
    index = SearchIndex(org)
    done = np.flatnonzero(~org.live & org.transcribed & org.recorded)
    cand = done[index.transcribed(done)]
    assert cand.size > 100
    said = {int(i): tokens(org, int(i)) for i in cand}
    rng = random.Random(5)
    asks = [["refund"], ["zzz"], ["thank", "you"], ["you", "zzz"]]
    for _ in range(40):  # runs of 1 to 4 words taken from a call, some across two phrases
        words = said[int(rng.choice(cand))]
        k = rng.randrange(len(words) - 4)
        asks.append(words[k : k + rng.randint(1, 4)])
    for words in asks:
        for phrase in (False, True):
            got = index.having(cand, words, phrase)
            text = {i: f" {' '.join(t)} " for i, t in said.items()}
            want = [
                (f" {' '.join(words)} " in text[int(i)])
                if phrase
                else all(w in said[int(i)] for w in words)
                for i in cand
            ]
            assert got.tolist() == want, (words, phrase)
    # Indexed once: a second ask indexes nothing more.
    before = {k: len(v) for k, v in index.words.items()}
    index.transcribed(done)
    assert {k: len(v) for k, v in index.words.items()} == before


def test_texts_without_words_are_the_phrases_texts_and_times():
    org = Org(small_org(conversations=120))
    for i in range(0, 120, 3):
        d = org.detail(i)
        light = d.script.speak(d.seed, d.key, words=False)
        assert [(p.start, p.end, p.role, p.text) for p in light] == [
            (p.start, p.end, p.role, p.text) for p in d.phrases
        ]
