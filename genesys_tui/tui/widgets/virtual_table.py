"""A table that renders only the rows on screen (the line API), so 100,000 rows open instantly.
Rows come from callbacks: the model owns the data, the widget owns the cursor and the scrolling."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from genesys_tui.core.terminal import clean
from genesys_tui.flows.browse.table import Column, fit_columns


class VirtualTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--sorted",
        "virtual-table--dim",
        "virtual-table--alert",
        "virtual-table--bold",
    }
    DEFAULT_CSS = """
    VirtualTable { background: $surface; }
    VirtualTable > .virtual-table--header { text-style: bold; background: $panel; color: $text; }
    VirtualTable > .virtual-table--sorted { text-style: bold underline; background: $panel; color: $accent; }
    VirtualTable > .virtual-table--cursor { background: $accent 30%; }
    VirtualTable:focus > .virtual-table--cursor { background: $accent 60%; text-style: bold; }
    VirtualTable > .virtual-table--dim { color: $text-muted; }
    VirtualTable > .virtual-table--alert { color: $error; }
    VirtualTable > .virtual-table--bold { text-style: bold; }
    """
    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page-up"),
        Binding("home,g", "jump(0)", "First", show=False, id="table.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Open", show=False, id="table.open"),
    ]

    cursor = reactive(0, repaint=False)

    class _TableMessage(Message):
        def __init__(self, table: VirtualTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> VirtualTable:  # lets @on(..., "#id") match the table
            return self.table

    class Highlighted(_TableMessage):
        def __init__(self, table: VirtualTable, index: int) -> None:
            super().__init__(table)
            self.index = index

    class Selected(_TableMessage):
        def __init__(self, table: VirtualTable, index: int) -> None:
            super().__init__(table)
            self.index = index

    class HeaderClicked(_TableMessage):
        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    def __init__(
        self,
        columns: Sequence[Column],
        count: Callable[[], int],
        cells: Callable[[int], Sequence[str]],
        *,
        row_style: Callable[[int], str | None] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.all_columns = tuple(columns)
        self._count, self._cells, self._row_style = count, cells, row_style
        self.sort_key: str | None = None
        self.sort_reverse = False
        self._styles: dict[str, Style] = {}
        self._fit(sum(c.width + 1 for c in columns))

    def _fit(self, width: int) -> None:
        """The columns shown at this width (narrow: some shrink or hide, in their order)."""
        self.columns = list(fit_columns(self.all_columns, width))
        keys = [c.key for c in self.all_columns]
        self._shown = [keys.index(c.key) for c in self.columns]  # into each row's cells
        self._width = sum(c.width + 1 for c in self.columns)

    def on_resize(self) -> None:
        # the vertical scrollbar's room kept, so rows arriving later do not change the fit
        self._fit(self.size.width - self.styles.scrollbar_size_vertical)
        self.virtual_size = Size(self._width, self.row_count + 1)
        self.refresh()

    # --- data ---------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count()

    def reload(self, keep: bool = True) -> None:
        """The model changed: resize the virtual canvas and repaint."""
        n = self.row_count
        self.virtual_size = Size(self._width, n + 1)
        if not keep or self.cursor >= n:
            self.cursor = max(0, min(self.cursor if keep else 0, n - 1))
        self.refresh()

    def set_sort(self, key: str | None, reverse: bool) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        self.refresh()

    # --- rendering ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _line(self, texts: Sequence[str], style: Style, head: bool = False) -> list[Segment]:
        segs = []
        for col, i in zip(self.columns, self._shown, strict=True):
            text = clean(texts[i]) if i < len(texts) else ""  # names, numbers: from outside
            cell = text if len(text) <= col.width else text[: col.width - 1] + "…"
            st = style
            if head and col.key == self.sort_key:
                st = self._style("virtual-table--sorted")
                cell = (cell[: col.width - 2] + (" ▼" if self.sort_reverse else " ▲"))[: col.width]
            segs.append(Segment(cell.ljust(col.width) + " ", st))
        return segs

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = self._style("virtual-table--header")
            segs = self._line([c.title for c in self.all_columns], header, head=True)
            return self._crop(Strip(segs), scroll_x, width, header)
        index = scroll_y + y - 1
        if index >= self.row_count:
            return Strip.blank(width, base)
        style = base
        if self._row_style is not None and (extra := self._row_style(index)):
            for name in extra.split():  # several classes combine, e.g. "agent hit"
                style = style + self._style(f"virtual-table--{name}")
        if index == self.cursor:
            style = style + self._style("virtual-table--cursor")
        line = self._decorate(index, Strip(self._line(self._row_cells(index), style)), style)
        return self._crop(line, scroll_x, width, style)

    def _row_cells(self, index: int) -> Sequence[str]:
        """A row's texts as drawn (a subclass may show part of one)."""
        return self._cells(index)

    def _decorate(self, index: int, line: Strip, style: Style) -> Strip:
        """A row's line before it is cropped to the view (a subclass may style part of it)."""
        return line

    def _crop(self, line: Strip, scroll_x: int, width: int, style: Style) -> Strip:
        """The visible part of a line. A column the right edge would cut is not drawn in part
        (a number cut short reads as another number, a state as another word): it becomes "…",
        saying there is more to the right (scroll sideways to see it)."""
        end = scroll_x + width
        start = 0
        for col in self.columns:
            if start < end < start + col.width:  # the edge falls inside this column
                visible = line.crop(scroll_x, max(scroll_x, start))
                more = Strip([Segment("…", style)])
                return Strip.join([visible, more]).crop_extend(0, width, style)
            start += col.width + 1
        return line.crop_extend(scroll_x, end, style)

    def on_show(self) -> None:
        # A relayout can hide the table for a frame, and hiding blurs it: take the focus back if
        # nothing else on the screen has it.
        if self.screen.focused is None:
            self.focus()

    # --- cursor and scrolling ---------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        if self.row_count:
            self.post_message(self.Highlighted(self, new))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(self.row_count - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.row_count:
            self.cursor = 0 if where == 0 else self.row_count - 1

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + self.scroll_offset.x
            for col in self.columns:
                if x < col.width + 1:
                    if col.sortable:
                        self.post_message(self.HeaderClicked(self, col.key))
                    return
                x -= col.width + 1
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < self.row_count:
            self.cursor = index
            if event.chain == 2:
                self.post_message(self.Selected(self, index))

    def row_region(self, index: int) -> Region:
        return Region(0, index + 1, self._width, 1)
