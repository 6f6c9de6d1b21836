"""The transcript search's index: built once per conversation, the first time a search can return
it, never per request. Each word points to the conversations that said it, each pair of words in a
row to those that said the pair; a phrase of more words is narrowed by its pairs and then checked
against the transcript itself. A day of 6,000 calls is indexed in seconds the first time it is
searched and answered in milliseconds after; a million-call org is never indexed whole unless it is
all searched."""

from __future__ import annotations

import re
import threading
from array import array
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org

_PUNCT = re.compile(r"[^\w' ]+")

UNKNOWN, NO, YES = 0, 1, 2  # whether a conversation has a transcript (UNKNOWN: not indexed yet)


def tokens(org: Org, i: int) -> list[str]:
    """A conversation's transcript as lower-case words in order, phrase after phrase."""
    return " ".join(_PUNCT.sub(" ", t.lower()) for t in org.detail(i).texts()).split()


class SearchIndex:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.lock = threading.Lock()
        self.state = np.zeros(len(org.ids), np.uint8)
        self.ntranscripts = np.zeros(len(org.ids), np.int64)
        self.words: dict[str, array] = {}
        self.pairs: dict[str, array] = {}

    def _grow(self) -> None:
        n = len(self.org.ids)  # calls arrive: the new ones are not indexed yet
        if n > self.state.size:
            self.state = np.concatenate([self.state, np.zeros(n - self.state.size, np.uint8)])
            more = np.zeros(n - self.ntranscripts.size, np.int64)
            self.ntranscripts = np.concatenate([self.ntranscripts, more])

    def transcribed(self, cand: np.ndarray) -> np.ndarray:
        """Which of `cand` (finished calls) have a transcript; each is indexed on the way."""
        self._grow()
        for i in cand[self.state[cand] == UNKNOWN].tolist():
            self._add(i)
        return self.state[cand] == YES

    def _add(self, i: int) -> None:
        d = self.org.detail(i)
        if not d.transcribed:
            self.state[i] = NO
            return
        self.ntranscripts[i] = max(1, len(d.recordings))
        said = tokens(self.org, i)
        for w in set(said):
            self.words.setdefault(w, array("q")).append(i)
        for p in {f"{a} {b}" for a, b in zip(said, said[1:], strict=False)}:
            self.pairs.setdefault(p, array("q")).append(i)
        self.state[i] = YES

    def having(self, cand: np.ndarray, words: list[str], phrase: bool) -> np.ndarray:
        """For each of `cand` (indexed, transcribed): whether it said every word (phrase: the
        words in a row)."""
        keys = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)] if phrase else []
        table = self.pairs if keys else self.words
        keys = keys or words
        ok = np.ones(cand.size, bool)
        for k in keys:
            posting = table.get(k)
            if posting is None:
                return np.zeros(cand.size, bool)
            ok &= np.isin(cand, np.frombuffer(posting, np.int64))
        if phrase and len(words) > 2:  # the pairs are all there; are they in one run?
            wanted = f" {' '.join(words)} "
            for k in np.flatnonzero(ok).tolist():
                ok[k] = wanted in f" {' '.join(tokens(self.org, int(cand[k])))} "
        return ok

    def counts(self, found: np.ndarray) -> np.ndarray:
        return self.ntranscripts[found]

    def transcripts(self, i: int) -> int:
        return int(self.ntranscripts[i])
