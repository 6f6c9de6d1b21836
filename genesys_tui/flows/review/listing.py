"""The transcript as a list a reviewer moves through: which phrases show (role filters), text search
with next/previous, the next speaker change, the phrase heard at a playhead position. No UI here."""

from __future__ import annotations

import bisect
import re

from genesys_tui.flows.review.model import ROLE_LABELS, Phrase, Transcript

FILTER_ROLES = {"agent": ("agent",), "customer": ("customer",), "ivr": ("ivr", "system")}


def clock(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    s = max(0, ms) // 1000
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


class PhraseList:
    def __init__(self, transcript: Transcript | None, recordings: list[str] | None = None):
        self.transcript = transcript
        # With several recordings, times carry the recording's number: "2▸01:13".
        self.numbers = (
            {rid: n for n, rid in enumerate(recordings or [], 1)}
            if len(recordings or []) > 1
            else {}
        )
        self.phrases: list[Phrase] = list(transcript.phrases) if transcript else []
        self.shown_roles = set(FILTER_ROLES)
        self.query = ""
        self.rows: list[int] = []  # indices into phrases, in time order
        self.hits: set[int] = set()  # phrase indices matching the query
        self._lower = [p.text.lower() for p in self.phrases]
        self.refresh()

    def __len__(self) -> int:
        return len(self.rows)

    def refresh(self) -> None:
        wanted = {r for f in self.shown_roles for r in FILTER_ROLES[f]}
        self.rows = [i for i, p in enumerate(self.phrases) if p.role in wanted]

    def toggle(self, role: str) -> bool:
        """Show or hide a role group (agent, customer, ivr); at least one stays shown."""
        if role in self.shown_roles and len(self.shown_roles) > 1:
            self.shown_roles.discard(role)
        else:
            self.shown_roles.add(role)
        self.refresh()
        return role in self.shown_roles

    def phrase(self, row: int) -> Phrase:
        return self.phrases[self.rows[row]]

    def cells(self, row: int) -> tuple[str, str, str]:
        p = self.phrase(row)
        return self.when(p), ROLE_LABELS.get(p.role, p.role), p.text

    def when(self, p: Phrase) -> str:
        n = self.numbers.get(p.recording_id or "")
        return f"{n}▸{clock(p.media_ms)}" if n else clock(p.media_ms)

    def row_of(self, phrase_index: int) -> int | None:
        k = bisect.bisect_left(self.rows, phrase_index)
        return k if k < len(self.rows) and self.rows[k] == phrase_index else None

    # --- search -----------------------------------------------------------------------------------

    def search(self, query: str) -> int:
        self.query = query.strip().lower()
        self.hits = {i for i, t in enumerate(self._lower) if self.query and self.query in t}
        return len(self.hits)

    def hit_rows(self) -> list[int]:
        return [r for r, i in enumerate(self.rows) if i in self.hits]

    def next_hit(self, row: int, direction: int = 1) -> int | None:
        """The next shown row (after `row`, wrapping) whose phrase matches the query."""
        rows = self.hit_rows()
        if not rows:
            return None
        if direction > 0:
            k = bisect.bisect_right(rows, row)
            return rows[k % len(rows)]
        k = bisect.bisect_left(rows, row) - 1
        return rows[k % len(rows)]

    # --- navigation ---------------------------------------------------------------------------------

    def next_speaker_change(self, row: int, direction: int = 1) -> int | None:
        if not self.rows:
            return None
        role = self.phrase(row).role
        r = row + direction
        while 0 <= r < len(self.rows):
            if self.phrase(r).role != role:
                if direction < 0:  # the start of that speaker's turn, not its last phrase
                    other = self.phrase(r).role
                    while r > 0 and self.phrase(r - 1).role == other:
                        r -= 1
                return r
            r += direction
        return None

    def word_span(self, row: int, media_ms: int) -> tuple[int, int] | None:
        """Where in the row's phrase text the word being said at this moment is (the last word
        started by then); None where the transcript has no word times."""
        p = self.phrase(row)
        t = self.transcript
        if t is None or not p.word_count or p.media_ms is None:
            return None
        at = p.start_ms + (media_ms - p.media_ms)  # on the transcript's own clock
        k = bisect.bisect_right(t.word_start, at, p.word_offset, p.word_offset + p.word_count)
        k = max(0, k - 1 - p.word_offset)
        for n, m in enumerate(re.finditer(r"\S+", p.text)):
            if n == k:
                return m.span()
        return None

    def next_of_role(self, row: int, direction: int = 1) -> int | None:
        """The next (or previous) shown row said by the same role as this one."""
        if not self.rows:
            return None
        role = self.phrase(row).role
        r = row + direction
        while 0 <= r < len(self.rows):
            if self.phrase(r).role == role:
                return r
            r += direction
        return None

    def row_at(self, recording_id: str, media_ms: int) -> int | None:
        """The shown row being heard at a position: the last phrase that started at or before it
        and has not ended; in a pause, the next one to start; after the last, the last."""
        spoken = after = last = None
        for r, i in enumerate(self.rows):
            p = self.phrases[i]
            if p.recording_id != recording_id or p.media_ms is None:
                continue
            if p.media_ms > media_ms:
                after = r
                break
            last = r
            if p.media_ms + p.duration_ms > media_ms:
                spoken = r
        return spoken if spoken is not None else after if after is not None else last

    def copy_text(self, row: int) -> str:
        p = self.phrase(row)
        return f"[{self.when(p)}] {ROLE_LABELS.get(p.role, p.role)}: {p.text}"
