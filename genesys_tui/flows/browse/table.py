"""The conversation list behind the browser: rows, a live text filter and sorting, fast at 100,000
rows because cells are formatted only when they are shown (no textual here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from genesys_tui.core import fmt
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
    def __init__(self, names: dict[str, str] | None = None):
        self.names = names or {}
        self.items: list[ConversationSummary] = []
        self._ids: set[str] = set()
        self.view: list[int] = []
        self.filter_text = ""
        self.sort_key: str | None = None
        self.sort_reverse = False
        self._cells: dict[int, tuple[str, ...]] = {}
        self._search: list[str] | None = None

    def __len__(self) -> int:
        return len(self.view)

    # --- data -------------------------------------------------------------------------------------

    def clear(self) -> None:
        self.items.clear()
        self._ids.clear()
        self.view.clear()
        self._cells.clear()
        self._search = None

    def add(self, summaries: Iterable[ConversationSummary]) -> int:
        """Append conversations (duplicates ignored); returns how many were new."""
        start = len(self.items)
        for s in summaries:
            if s.conversation_id not in self._ids:
                self._ids.add(s.conversation_id)
                self.items.append(s)
        new = range(start, len(self.items))
        if self._search is not None:
            self._search.extend(self._search_text(self.items[i]) for i in new)
        if self.sort_key is None and not self.filter_text:
            self.view.extend(new)
        else:
            self._rebuild()
        return len(new)

    def set_names(self, names: dict[str, str]) -> None:
        self.names = names
        self._cells.clear()
        self._search = None
        if self.filter_text or self.sort_key in ("queue", "agent", "wrapup"):
            self._rebuild()

    def summary(self, view_index: int) -> ConversationSummary:
        return self.items[self.view[view_index]]

    def index_of(self, conversation_id: str) -> int | None:
        for vi, i in enumerate(self.view):
            if self.items[i].conversation_id == conversation_id:
                return vi
        return None

    # --- cells ------------------------------------------------------------------------------------

    def _name(self, ids: tuple[str, ...]) -> str:
        return names_of(ids, self.names)

    def value(self, s: ConversationSummary, key: str) -> str:
        return value(s, key, self.names)

    def cells(self, view_index: int) -> tuple[str, ...]:
        i = self.view[view_index]
        row = self._cells.get(i)
        if row is None:
            s = self.items[i]
            row = tuple(value(s, c.key, self.names) for c in COLUMNS)
            if len(self._cells) > 5000:
                self._cells.clear()
            self._cells[i] = row
        return row

    # --- filter and sort --------------------------------------------------------------------------

    def _search_text(self, s: ConversationSummary) -> str:
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

    def _sort_key(self, key: str) -> Callable[[int], Any]:
        items = self.items
        if key == "start":
            return lambda i: items[i].start
        if key == "duration":
            return lambda i: (
                items[i].duration_s if items[i].duration_s is not None else float("inf")
            )
        if key == "direction":
            return lambda i: items[i].direction or ""
        if key == "ani":
            return lambda i: items[i].ani or ""
        field = {"queue": "queue_ids", "agent": "user_ids", "wrapup": "wrapup_codes"}[key]
        names = self.names
        return lambda i: ", ".join(names.get(x, x) for x in getattr(items[i], field)).lower()

    def _rebuild(self) -> None:
        idx = range(len(self.items))
        if self.filter_text:
            if self._search is None:
                self._search = [self._search_text(s) for s in self.items]
            words = self.filter_text.split()
            search = self._search
            idx = [i for i in idx if all(w in search[i] for w in words)]
        view = list(idx)
        if self.sort_key:
            view.sort(key=self._sort_key(self.sort_key), reverse=self.sort_reverse)
        self.view = view
