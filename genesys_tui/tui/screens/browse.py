"""Browse: conversations over an interval, filtered server-side and live, sorted, paged in while you
look, with a detail pane; queue downloads, open by ID, copy IDs."""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from genesys_tui.core.errors import UserError, user_message
from genesys_tui.core.ids import InvalidId, id_problem, uuid_id
from genesys_tui.core.intervals import IntervalError, parse_interval, quick_range
from genesys_tui.flows.browse.listing import ListingProgress
from genesys_tui.flows.browse.table import COLUMNS, Column, ConversationModel, describe
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.summaries import ConversationSummary
from genesys_tui.tui.screens.base import BACK, AppScreen
from genesys_tui.tui.screens.browse_queueing import Queueing
from genesys_tui.tui.screens.browse_text import HELP, RANGES, SAID, SORTABLE
from genesys_tui.tui.screens.dialogs import (
    FilterDialog,
    PromptDialog,
)
from genesys_tui.tui.widgets.detail import DetailPane, conversation_view, recordings_view
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

MARK = Column("mark", "✓", 1, sortable=False)  # a call marked with space


class BrowseScreen(Queueing, AppScreen):
    BINDINGS = [
        Binding("slash", "live_filter", "Filter text", id="browse.live-filter"),
        Binding("f", "filters", "Filters", id="browse.filters"),
        Binding("t", "range('today')", "Today", id="browse.range-today"),
        Binding("y", "range('yesterday')", "Yesterday", show=False, id="browse.range-yesterday"),
        Binding("h", "range('last-hour')", "Last hour", show=False, id="browse.range-last-hour"),
        Binding("w", "range('last-7-days')", "7 days", show=False, id="browse.range-last-7-days"),
        Binding("i", "custom_interval", "Interval", show=False, id="browse.custom-interval"),
        Binding("s", "sort", "Sort", show=False, id="browse.sort"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="browse.sort-reverse"),
        Binding("o", "open_by_id", "Open ID", show=False, id="browse.open-by-id"),
        Binding("p", "sample", "QA sample", show=False, id="browse.sample"),
        Binding("enter", "review", "Review", id="browse.review"),
        Binding("space", "mark", "Mark", id="browse.mark"),
        Binding("d", "queue_selected", "Download", id="browse.queue-selected"),
        Binding("D", "queue_all", "Download marked/all", show=False, id="browse.queue-all"),
        Binding("c", "copy_id", "Copy ID", show=False, id="browse.copy-id"),
        Binding("r", "reload", "Reload", show=False, id="browse.reload"),
        Binding(BACK, "clear_filter", "Clear filter", show=False, id="browse.clear-filter"),
        Binding("q", "app.quit", "Quit", show=False, id="browse.quit"),
    ]
    HELP = HELP
    AUTO_FOCUS = "#conversations"

    def __init__(self) -> None:
        super().__init__()
        self.model = ConversationModel()
        self.interval_name = "last-7-days"
        self.interval: tuple[datetime, datetime] | None = None
        self.filter = ConversationFilter()
        self.fetching = False  # not `loading`: that is Textual's reactive, and covers the screen
        self._loads = 0  # which load is the latest: a cancelled one must not say "done"
        self._detail_timer = None
        self._detail_for: str | None = None  # the call the detail pane shows
        # Calls marked with space (by id, with what D needs): they stay marked through sort,
        # filter, paging and a new interval, until D takes them or they are unmarked.
        self.marks: dict[str, ConversationSummary] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="ranges"):
            # Mouse shortcuts; the keyboard has t/y/h/w/i/f, and focus stays on the list.
            for key, label in RANGES:
                yield self._button(label, f"range-{key}")
            yield self._button("Custom…", "range-custom")
            yield self._button("Filters…", "filters")
        yield Static("", id="status")
        yield Input(
            placeholder="filter what is loaded: agent, queue, number, ID…  said:WORDS searches "
            "what was said  (esc clears)",
            id="live-filter",
        )
        with Horizontal(id="main"):
            yield VirtualTable(
                (MARK, *COLUMNS), lambda: len(self.model), self.cells, id="conversations"
            )
            yield DetailPane()
        yield AppFooter()

    @staticmethod
    def _button(label: str, bid: str) -> Button:
        b = Button(label, id=bid, compact=True)
        b.can_focus = False
        return b

    # --- loading ------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()
        self.gapp.signed_in_signal.subscribe(self, lambda _session: self.start())
        if self.gapp.session is not None:
            self.start()

    def start(self) -> None:
        """Called when a session exists: first load."""
        self.model.set_names(self.gapp.session.names)
        self.set_range(self.interval_name)
        self.query_one(VirtualTable).focus()

    def on_screen_resume(self) -> None:
        if self.focused is None:
            self.query_one(VirtualTable).focus()

    def now(self) -> datetime:
        return getattr(self.gapp, "now", None) or datetime.now(UTC)

    def set_range(self, name: str) -> None:
        self.interval_name = name
        self.interval = quick_range(name, self.now())
        for key, _ in RANGES:
            self.query_one(f"#range-{key}", Button).set_class(key == name, "-active")
        self.query_one("#range-custom", Button).set_class(name == "custom", "-active")
        self.reload()

    def describe(self) -> str:
        names = self.gapp.session.names if self.gapp.session else {}
        return describe(self.interval, self.filter, names)

    def set_status(self, extra: str = "") -> None:
        shown, total = len(self.model), len(self.model.items)
        count = f"{shown:,} of {total:,}" if self.model.filter_text else f"{total:,}"
        marked = f"  {len(self.marks):,} marked (D takes them)" if self.marks else ""
        self.query_one("#status", Static).update(
            f"{count} conversations{marked}  {self.describe()}  {extra}"
        )
        self._status_extra = extra

    def cells(self, i: int) -> tuple[str, ...]:
        s = self.model.summary(i)
        return ("✓" if s.conversation_id in self.marks else "", *self.model.cells(i))

    def action_mark(self) -> None:
        """space: mark the call (or unmark it), and go on to the next."""
        s = self.selected()
        if s is None:
            return
        if self.marks.pop(s.conversation_id, None) is None:
            self.marks[s.conversation_id] = s
        table = self.query_one(VirtualTable)
        table.refresh()
        table.action_cursor(1)
        self.set_status(getattr(self, "_status_extra", ""))

    def reload(self) -> None:
        if self.gapp.session is None or self.interval is None:
            return
        self.model.clear()
        table = self.query_one(VirtualTable)
        table.reload(keep=False)
        self.load(*self.interval, self.filter)

    @work(exclusive=True, group="browse-load", exit_on_error=False)
    async def load(self, start: datetime, end: datetime, flt: ConversationFilter) -> None:
        table = self.query_one(VirtualTable)
        service = self.gapp.services.browse if self.gapp.services else None
        if service is None:
            return
        self.fetching = True
        self._loads += 1
        mine = self._loads
        self.set_status("loading…")
        where = ListingProgress()

        def progress(p: ListingProgress) -> None:
            nonlocal where
            where = p
            if p.path == "job" and not p.pages:  # the job is being prepared: say so meanwhile
                self.set_status(f"loading… {p.line()}")

        try:
            async for batch in service.pages(start, end, flt, progress=progress):
                self._append(batch, table)
                self.set_status(f"loading… {where.line()}")
            self.set_status("")
        except Exception as e:  # noqa: BLE001 - shown, the app keeps running
            self.set_status("failed")
            self.gapp.notify(
                user_message(e) or f"{type(e).__name__}: {e}",
                title="Could not load conversations",
                severity="error",
                timeout=10,
            )
        finally:
            if mine == self._loads:  # (a load cancelled by a newer one ends after it starts)
                self.fetching = False
            self.gapp.first_page.set()  # nothing to draw (or not drawn): what waits goes on

    def _append(self, batch, table: VirtualTable) -> None:
        if not batch:
            return
        first = len(self.model) == 0
        self.model.add(batch)
        table.reload()
        if first:
            self.show_detail(0)
            self.call_after_refresh(self.gapp.first_page.set)  # drawn: what waits may go

    # --- the detail pane ------------------------------------------------------------------------------

    @on(VirtualTable.Highlighted, "#conversations")
    def highlighted(self, event: VirtualTable.Highlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(0.15, lambda: self.show_detail(event.index))  # debounce

    def show_detail(self, index: int) -> None:  # the pane reads a call again only when it changes
        if 0 <= index < len(self.model):
            cid = self.model.summary(index).conversation_id
            if cid != self._detail_for:
                self._detail_for = cid
                self.load_detail(cid)

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_detail(self, conversation_id: str) -> None:
        pane = self.query_one(DetailPane)
        session, services = self.gapp.session, self.gapp.services
        service = services.browse if services else None
        if session is None or service is None:
            return
        pane.show(f"Loading {conversation_id}…", "")
        try:
            conv, recs = await service.detail(conversation_id)
        except Exception as e:  # noqa: BLE001
            self._detail_for = None  # highlighting it again tries again
            pane.show(f"[red]{user_message(e) or e}[/]", "")
            return
        pane.show(
            conversation_view(conv, session.names), recordings_view(recs, live=not conv.end_time)
        )

    @on(VirtualTable.Selected, "#conversations")
    def open_in_review(self, event: VirtualTable.Selected) -> None:
        if 0 <= event.index < len(self.model):
            self.gapp.open_review(self.model.summary(event.index).conversation_id)

    # --- actions ------------------------------------------------------------------------------------------

    @on(Button.Pressed)
    def button(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid.startswith("range-") and bid != "range-custom":
            self.set_range(bid.removeprefix("range-"))
        elif bid == "range-custom":
            self.action_custom_interval()
        elif bid == "filters":
            self.action_filters()

    def action_range(self, name: str) -> None:
        self.set_range(name)

    def action_reload(self) -> None:
        self.reload()

    def action_custom_interval(self) -> None:
        def check(text: str) -> str | None:
            try:
                parse_interval(text, self.now())
            except IntervalError as e:
                return str(e)
            return None

        def chosen(text: str | None) -> None:
            if not text:
                return
            self.interval = parse_interval(text, self.now())
            self.interval_name = "custom"
            for key, _ in RANGES:
                self.query_one(f"#range-{key}", Button).set_class(False, "-active")
            self.query_one("#range-custom", Button).set_class(True, "-active")
            self.reload()

        a, b = self.interval or (None, None)
        current = f"{a:%Y-%m-%dT%H:%MZ}/{b:%Y-%m-%dT%H:%MZ}" if a and b else ""
        self.gapp.push_screen(
            PromptDialog(
                "Interval",
                "START/END, a date, or a quick range",
                value=current,
                hint="e.g. 2026-05-01T09:00Z/2026-05-01T17:00Z, 2026-05-01, "
                "yesterday, last-30-days (UTC)",
                check=check,
            ),
            chosen,
        )

    def action_filters(self) -> None:
        s = self.gapp.session
        if s is None:
            return

        def chosen(flt: ConversationFilter | None) -> None:
            if flt is not None:
                self.filter = flt
                self.reload()

        self.gapp.push_screen(FilterDialog(self.filter, s.queues, s.agents, s.wrapups), chosen)

    def action_live_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#live-filter")
    def live_filter_changed(self, event: Input.Changed) -> None:
        if event.value.lower().startswith(SAID):  # a search of what was said, on Enter
            self.set_status("Enter searches what was said in these calls")
            return
        self._keeping_selection(lambda: self.model.set_filter(event.value))
        self.set_status()

    def _keeping_selection(self, change) -> None:
        """Filter or sort the list; the selected call stays selected (and shown in the pane)
        while it is in the list, else the first row is."""
        table = self.query_one(VirtualTable)
        before = self.selected()
        change()
        at = self.model.index_of(before.conversation_id) if before is not None else None
        table.reload(keep=False)
        table.cursor = at or 0
        self.show_detail(table.cursor)  # the row under the cursor may be another call now

    @on(Input.Submitted, "#live-filter")
    def live_filter_done(self, event: Input.Submitted) -> None:
        self.query_one(VirtualTable).focus()
        text = event.value[len(SAID) :].strip() if event.value.lower().startswith(SAID) else ""
        if text and self.interval is not None:
            from genesys_tui.tui.screens.search import SearchScreen

            self.gapp.push_screen(SearchScreen(text, self.interval, self.filter))

    def action_sample(self) -> None:
        """p: draw a QA sample from the calls listed (their interval and server-side filters)."""
        from genesys_tui.flows.review.sample import SampleStore
        from genesys_tui.tui.screens.sample import SampleDialog, SampleScreen

        session = self.gapp.session
        if session is None or session.scope is None or self.interval is None:
            self.notify("Sign in first.", severity="warning")
            return
        try:
            last = SampleStore(session.scope.data_dir / "sample.json").load()
        except (UserError, OSError):
            last = None  # an unreadable sample: a new one replaces it
        interval, flt = self.interval, self.filter

        def chosen(choice) -> None:
            if choice is not None:
                self.gapp.push_screen(SampleScreen(choice, interval, flt))

        seed = int(self.now().strftime("%Y%m%d"))  # today's: the same all day, unless changed
        self.gapp.push_screen(SampleDialog(self.describe(), last, seed), chosen)

    def action_clear_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        if box.value or box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.query_one(VirtualTable).focus()

    def action_sort(self) -> None:
        key = self.model.sort_key
        nxt = (
            SORTABLE[(SORTABLE.index(key) + 1) % len(SORTABLE)] if key in SORTABLE else SORTABLE[0]
        )
        self._sort(nxt, nxt in ("start", "duration"))

    def action_sort_reverse(self) -> None:
        self._sort(self.model.sort_key or "start", not self.model.sort_reverse)

    @on(VirtualTable.HeaderClicked, "#conversations")
    def header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        reverse = (
            not self.model.sort_reverse
            if event.key == self.model.sort_key
            else event.key in ("start", "duration")
        )
        self._sort(event.key, reverse)

    def _sort(self, key: str, reverse: bool) -> None:
        self.query_one(VirtualTable).set_sort(key, reverse)
        self._keeping_selection(lambda: self.model.set_sort(key, reverse))

    def selected(self):
        table = self.query_one(VirtualTable)
        return self.model.summary(table.cursor) if len(self.model) else None

    def action_review(self) -> None:
        s = self.selected()
        if s is not None:
            self.gapp.open_review(s.conversation_id)

    def action_copy_id(self) -> None:
        s = self.selected()
        if s is not None:
            self.gapp.copy_to_clipboard(s.conversation_id)
            self.gapp.notify(f"Copied {s.conversation_id}", timeout=3)

    def action_open_by_id(self) -> None:
        def chosen(text: str | None) -> None:
            if text:
                self.open_id(text)

        self.gapp.push_screen(
            PromptDialog("Open conversation by ID", "paste a conversation ID", check=id_problem),
            chosen,
        )

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def open_id(self, text: str) -> None:
        try:
            cid = uuid_id(text)
        except InvalidId as e:
            self.gapp.notify(str(e), severity="error")
            return
        existing = self.model.index_of(cid)
        if existing is not None:
            self.query_one(VirtualTable).cursor = existing
            return
        service = self.gapp.services.browse if self.gapp.services else None
        if service is None:
            return
        try:
            found = await service.find(cid)
        except Exception as e:  # noqa: BLE001
            self.gapp.notify(
                user_message(e) or str(e), title="Cannot open", severity="error", timeout=8
            )
            return
        self.model.add([found])  # listed, sorted, selected and queued like the others
        table = self.query_one(VirtualTable)
        table.reload()
        index = self.model.index_of(cid)
        if index is not None:
            table.cursor = index
        self._detail_for = cid
        self.load_detail(cid)
