"""The conversation list behind the browser: rows, a live text filter and sorting, fast at 100,000
rows because cells are formatted only when they are shown (no textual here)."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from genesys_tui.core import fmt
from genesys_tui.core.uuids import uuid_texts
from genesys_tui.flows.browse.rows import Rows
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.summaries import ConversationSummary


@dataclass(frozen=True)
class Column:
    """A table column. On a narrow table (fit_columns) a column with `min_width` shrinks to it,
    one with `hide` is hidden (1 first, then 2, …; 0 never), and the `fill` column takes what is
    left (a phrase, a path: cut with "…")."""

    key: str
    title: str
    width: int
    sortable: bool = True
    min_width: int = 0
    hide: int = 0
    fill: bool = False


def fit_columns(columns: Sequence[Column], width: int) -> tuple[Column, ...]:
    """The columns a table `width` cells wide shows, and how wide each is: hidden in their order
    until the rest fit at their narrowest, then widened back (in order) with what is spare, the
    fill column last. Too narrow even then: the table scrolls sideways."""

    def least(c: Column) -> int:
        return c.min_width or c.width

    shown = list(columns)
    for victim in sorted((c for c in columns if c.hide), key=lambda c: c.hide):
        if sum(least(c) + 1 for c in shown) <= width:
            break
        shown.remove(victim)
    spare = width - sum(least(c) + 1 for c in shown)
    widths = [least(c) for c in shown]
    while spare > 0:  # the shrunk ones grow back a cell at a time, evenly
        growing = [i for i, c in enumerate(shown) if not c.fill and widths[i] < c.width]
        if not growing:
            break
        for i in growing[:spare]:
            widths[i] += 1
        spare -= len(growing[:spare])
    for i, c in enumerate(shown):  # what is left goes to the fill column, however wide declared
        if c.fill and spare > 0:
            widths[i] += spare
            break
    return tuple(
        c if w == c.width else replace(c, width=w) for c, w in zip(shown, widths, strict=True)
    )


COLUMNS = (  # on a narrow table the ID goes first, then ANI, wrap-up, direction, recording
    Column("start", "Start (UTC)", 19),
    Column("duration", "Duration", 8),
    Column("direction", "Dir", 3, hide=4),
    Column("queue", "Queue", 16, min_width=10),
    Column("agent", "Agent", 16, min_width=10),
    Column("wrapup", "Wrap-up", 16, min_width=10, hide=3),
    Column("recording", "Rec", 3, sortable=False, hide=5),
    Column("ani", "ANI", 16, hide=2),  # E.164: up to 15 digits and "+"
    Column("id", "Conversation ID", 36, sortable=False, hide=1),
)


def names_of(ids: tuple[str, ...], names: dict[str, str]) -> str:
    return ", ".join(names.get(x, x[:8]) for x in ids)


def value(s: ConversationSummary, key: str, names: dict[str, str]) -> str:
    """One cell of the conversation table (the TUI's and `conversations`' alike)."""
    if key == "start":
        return fmt.when(s.start)
    if key == "duration":
        return fmt.duration(s.duration_s)
    if key == "direction":
        return (s.direction or "")[:3]
    if key == "queue":
        return names_of(s.queue_ids, names)
    if key == "agent":
        return names_of(s.user_ids, names)
    if key == "ani":
        return (s.ani or "").replace("tel:", "")
    if key == "wrapup":
        return names_of(s.wrapup_codes, names)
    if key == "recording":
        return "yes" if s.has_recording else ""
    return s.conversation_id


def row(s: ConversationSummary, names: dict[str, str]) -> tuple[str, ...]:
    return tuple(value(s, c.key, names) for c in COLUMNS)


PAUSE_REASONS = {"Hold": "hold", "SecurePause": "secure pause", "Pause": "pause"}


def annotations_text(annotations) -> str:
    """A recording's holds and pauses in words: kind, length, where, and whether it was cut."""
    parts = []
    for a in annotations:
        label = PAUSE_REASONS.get(a.reason or "")
        if label:
            cut = ", cut" if a.recording_duration_ms == 0 else ""
            parts.append(
                f"{label} {fmt.duration((a.duration_ms or 0) / 1000)} at "
                f"{fmt.duration((a.realtime_location or 0) / 1000)}{cut}"
            )
    return "; ".join(parts) or "-"


def describe(
    interval: tuple[datetime, datetime] | None, f: ConversationFilter, names: dict[str, str]
) -> str:
    """What a list shows, in one line: the interval and the server-side filters, by name."""
    a, b = interval or (None, None)
    span = f"{a:%Y-%m-%d %H:%M} → {b:%Y-%m-%d %H:%M} UTC" if a and b else ""
    bits = [
        *(names.get(q, q) for q in f.queue_ids),
        *(names.get(u, u) for u in f.user_ids),
        *(names.get(w, w) for w in f.wrapup_codes),
        *f.media_types,
    ]
    if f.direction:
        bits.append(f.direction)
    if f.ani:
        bits.append(f"ANI {f.ani.removeprefix('tel:')}")
    if f.dnis:
        bits.append(f"DNIS {f.dnis.removeprefix('tel:')}")
    if f.has_recording is not None:
        bits.append("with recording" if f.has_recording else "without recording")
    return span + (f"  filters: {', '.join(bits)}" if bits else "")


class ConversationModel:
    """The list behind Browse: compact rows (rows.py), a view of them (filtered, sorted; None:
    all of them in order), and cells made only for what is shown."""

    def __init__(self, names: dict[str, str] | None = None):
        self.names = names or {}
        self.rows = Rows()
        self.view: array | None = None  # row numbers shown, in order; None: every row
        self.filter_text = ""
        self.sort_key: str | None = None
        self.sort_reverse = False
        self._cells: dict[int, tuple[str, ...]] = {}
        self._texts: dict[str, tuple[int, str]] = {}  # a text column joined, for the filter

    def __len__(self) -> int:
        return len(self.rows) if self.view is None else len(self.view)

    @property
    def items(self) -> Rows:
        """Every row, as summaries (a sequence made on demand, in arrival order)."""
        return self.rows

    # --- data -------------------------------------------------------------------------------------

    def clear(self) -> None:
        self.rows.clear()
        self.view = None if not (self.filter_text or self.sort_key) else array("q")
        self._cells.clear()
        self._texts.clear()

    def add(self, summaries: Iterable[ConversationSummary]) -> int:
        """Append conversations (duplicates ignored); returns how many were new."""
        new = [s for s in summaries if self.rows.append(s)]
        if not new:
            return 0
        first = len(self.rows) - len(new)
        if self.sort_key is None and not self.filter_text:
            self.view = None
        elif self.sort_key is None:  # filtered: only the new rows are looked at
            words = self.filter_text.split()
            assert self.view is not None
            texts = [self._search_text(s) for s in new]
            self.view.extend(first + k for k, t in enumerate(texts) if all(w in t for w in words))
        else:
            self._rebuild()
        return len(new)

    def set_names(self, names: dict[str, str]) -> None:
        self.names = names
        self._cells.clear()
        if self.filter_text or self.sort_key in ("queue", "agent", "wrapup"):
            self._rebuild()

    def _row(self, view_index: int) -> int:
        return view_index if self.view is None else self.view[view_index]

    def summary(self, view_index: int) -> ConversationSummary:
        if not 0 <= view_index < len(self):
            raise IndexError(view_index)
        return self.rows.summary(self._row(view_index))

    def index_of(self, conversation_id: str) -> int | None:
        row = self.rows.find(conversation_id)
        if row is None or self.view is None:
            return row
        where = np.flatnonzero(np.frombuffer(self.view, np.int64) == row)
        return int(where[0]) if where.size else None

    # --- cells ------------------------------------------------------------------------------------

    def _name(self, ids: tuple[str, ...]) -> str:
        return names_of(ids, self.names)

    def value(self, s: ConversationSummary, key: str) -> str:
        return value(s, key, self.names)

    def cells(self, view_index: int) -> tuple[str, ...]:
        i = self._row(view_index)
        row = self._cells.get(i)
        if row is None:
            s = self.rows.summary(i)
            row = tuple(value(s, c.key, self.names) for c in COLUMNS)
            if len(self._cells) > 5000:
                self._cells.clear()
            self._cells[i] = row
        return row

    # --- filter and sort --------------------------------------------------------------------------

    def _search_text(self, s: ConversationSummary) -> str:
        """What the live filter looks in, for one row (the rows' columns answer it for all)."""
        return " ".join(
            (
                s.conversation_id,
                self._name(s.queue_ids),
                self._name(s.user_ids),
                self._name(s.wrapup_codes),
                s.ani or "",
                s.dnis or "",
                s.direction or "",
                " ".join(p.name or "" for p in s.participants),
            )
        ).lower()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._rebuild()

    def set_sort(self, key: str | None, reverse: bool = False) -> None:
        if key is not None and key not in {c.key for c in COLUMNS if c.sortable}:
            raise ValueError(f"cannot sort by {key}")
        self.sort_key, self.sort_reverse = key, reverse
        self._rebuild()

    def _joined(self, name: str) -> tuple[str, np.ndarray]:
        """A text column as one string, a row a line, and where each line starts: a word is
        found in a million rows by one scan. Kept until rows are added."""
        n = len(self.rows)
        cached = self._texts.get(name)
        if cached is None or cached[0] != n:
            rows = self.rows
            if name == "id":
                lines = [rows.conversation_id(k) for k in range(n)] if rows.odd else None
                text = (
                    "\n".join(lines)
                    if lines is not None
                    else uuid_texts(rows.ids, sep=b"\n")[:-1].decode("ascii")
                )
            else:
                col = rows.ani if name == "ani" else rows.dnis
                text = "\n".join(rows.number(c) or "" for c in col)
            self._texts[name] = (n, text)
        text = self._texts[name][1]
        starts = np.flatnonzero(np.frombuffer(text.encode(), np.uint8) == 10) + 1
        return text, np.concatenate([[0], starts])

    def _rows_with(self, word: str) -> np.ndarray:
        """For every row, whether `word` is in its search text (see _search_text)."""
        rows, n = self.rows, len(self.rows)
        hit = np.zeros(n, bool)
        for name in ("id", "ani", "dnis"):
            text, starts = self._joined(name)
            if word not in text:
                continue
            at = [m.start() for m in re.finditer(f"(?={re.escape(word)})", text)]
            if text.isascii():
                hit[np.searchsorted(starts, at, "right") - 1] = True
            else:  # byte offsets and string offsets differ: find the lines by string
                line_starts = np.cumsum([0] + [len(x) + 1 for x in text.split("\n")])[:-1]
                hit[np.searchsorted(line_starts, at, "right") - 1] = True
        tuples = rows.tuples.values
        found = np.array([word in self._name(t).lower() for t in tuples] or [False])
        for col in (rows.queues, rows.users, rows.wrapups):
            hit |= found[np.frombuffer(col, np.int32)] if n else hit
        strings = rows.strings.values
        said = np.array([word in x.lower() for x in strings] + [False, False])  # -2, -1: none
        hit |= said[np.frombuffer(rows.direction, np.int32)] if n else hit
        names = np.frombuffer(rows.p_name, np.int32)
        if names.size:
            p_hit = said[names]  # a name "same as the ANI" is found by the ANI already
            hit[rows.participant_rows()[p_hit]] = True
        return hit

    def _order(self, key: str, idx: np.ndarray) -> np.ndarray:
        """`idx` sorted by a column, equal keys in arrival order (reversed too, as list.sort)."""
        rows = self.rows
        if key == "start":
            k = rows.column("start")[idx].astype(float)
        elif key == "duration":
            start, end = rows.column("start")[idx], rows.column("end")[idx]
            k = np.where(end >= 0, (end - start).astype(float), np.inf)
        else:
            if key == "direction":
                codes, texts = rows.column("direction")[idx], rows.strings.values
                text_of = lambda c: texts[c] if c >= 0 else ""  # noqa: E731
            elif key == "ani":
                codes = rows.column("ani")[idx]
                text_of = lambda c: rows.number(c) or ""  # noqa: E731
            else:
                col = {"queue": "queues", "agent": "users", "wrapup": "wrapups"}[key]
                codes, tuples = rows.column(col)[idx], rows.tuples.values
                names = self.names
                text_of = lambda c: ", ".join(names.get(x, x) for x in tuples[c]).lower()  # noqa: E731
            distinct, inverse = np.unique(codes, return_inverse=True)
            by_text = np.argsort(np.array([text_of(int(c)) for c in distinct], dtype=object))
            rank = np.empty(distinct.size, np.int64)
            rank[by_text] = np.arange(distinct.size)
            texts = [text_of(int(c)) for c in distinct[by_text]]
            for j in range(1, len(texts)):  # equal texts (different codes) share a rank
                if texts[j] == texts[j - 1]:
                    rank[by_text[j]] = rank[by_text[j - 1]]
            k = rank[inverse].astype(float)
        return idx[np.argsort(-k if self.sort_reverse else k, kind="stable")]

    def _rebuild(self) -> None:
        n = len(self.rows)
        if not self.filter_text and not self.sort_key:
            self.view = None
            return
        idx = np.arange(n)
        if self.filter_text:
            keep = np.ones(n, bool)
            for w in self.filter_text.split():
                keep &= self._rows_with(w)
            idx = idx[keep]
        if self.sort_key:
            idx = self._order(self.sort_key, idx)
        self.view = array("q", idx.astype(np.int64).tobytes())
