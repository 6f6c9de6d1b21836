"""Search: the calls of Browse's interval (and filters) where something was said, a row for each
time it was said; Enter opens Review at that moment. Genesys's transcript search where the org
has it, else a scan of the transcripts through Review's cache, with a progress bar; the status
line says which."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, ProgressBar, Static

from genesys_tui.core.errors import UserError, user_message
from genesys_tui.flows.review.search import HOW, Found, Hit, around, search_calls
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.tui.screens.base import BACK, AppScreen
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader

ROLES = (None, "agent", "customer", "ivr")
SHOWN = 5000  # rows at most: a word said in every call is not a search


def _at(hit: Hit) -> str:
    return hit.moment.text().split("@", 1)[1]


class SearchScreen(AppScreen):
    BINDINGS = [
        Binding("enter", "open_hit", "Review at moment", id="search.open"),
        Binding("r", "role", "Speaker", id="search.role"),
        Binding("y", "copy_link", "Copy link", id="search.copy-link"),
        Binding(BACK, "back", "Back", id="search.back"),
    ]
    HELP = """
Search what was said in the calls of Browse's interval, with Browse's filters. Type `/` in Browse
and start with `said:` (for example `said:cancel my account`), then Enter. Each row is one time it
was said: the call, where in its recording, who said it and the phrase. `Enter` opens Review at
that moment, `r` shows one speaker (agent, customer, IVR), `y` copies the moment's link.

Genesys's transcript search is used where the org has it (it keeps transcripts searchable for 60
days); otherwise each call's transcript is read through Review's cache, and the status line says so.
"""
    AUTO_FOCUS = "#hits"

    def __init__(
        self, text: str, interval: tuple[datetime, datetime], flt: ConversationFilter
    ) -> None:
        super().__init__()
        self.text, self.interval, self.filter = text, interval, flt
        self.found: Found | None = None
        self.role_at = 0
        self.rows: list[Hit] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="status")
        yield ProgressBar(id="progress", show_eta=False)
        table: DataTable = DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        table.add_columns("Call started", "Call", "At", "Speaker", "Said")
        yield table
        yield AppFooter()

    def on_mount(self) -> None:
        a, b = self.interval
        self.say(f"Searching {a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC for “{self.text}”…")
        self.run_search()

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def run_search(self) -> None:
        service = self.gapp.services.review if self.gapp.services else None
        if service is None:
            self.say("Not signed in.")
            return
        bar = self.query_one(ProgressBar)

        def progress(done: int, total: int | None) -> None:
            bar.update(total=total, progress=done)

        try:
            found = await search_calls(
                service, self.text, *self.interval, flt=self.filter, progress=progress
            )
        except ValueError as e:
            self.say(str(e))
            return
        except (UserError, OSError) as e:  # refused, the network: said, the screen stays
            self.say(f"The search failed: {user_message(e) or e}")
            return
        self.found = found
        bar.display = False
        self.show()

    def show(self) -> None:
        found = self.found
        if found is None:
            return
        role = ROLES[self.role_at]
        self.rows = [h for h in found.hits if role is None or h.role == role][:SHOWN]
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        rows = []
        for h in self.rows:
            began = found.started.get(h.moment.conversation_id)
            when = f"{began:%Y-%m-%d %H:%M}" if began else ""
            rows.append((when, h.moment.conversation_id[:8], _at(h), h.role))
        # the phrase gets what the other columns leave (each has a cell's padding on both sides,
        # and the scrollbar its two), cut around the matched words so they stay in sight
        heads = ("Call started", "Call", "At", "Speaker")
        used = sum(max([len(t), *(len(r[k]) for r in rows)]) + 2 for k, t in enumerate(heads))
        room = max(12, self.size.width - used - 4)
        for h, row in zip(self.rows, rows, strict=True):
            shown, (a, b) = around(h.text, h.span, room)
            said = Text(shown)
            said.stylize("bold reverse", a, b)
            table.add_row(*row, said)
        if self.rows:
            table.move_cursor(row=min(max(cursor, 0), len(self.rows) - 1))
        how = HOW[found.mode]
        line = (
            f"“{self.text}”: {len(found.hits)} time(s) in {found.calls} call(s) read, by {how}"
            + (f"; {role} only" if role else "")
            + "".join(f". {n}" for n in found.notes)
        )
        if len(self.rows) == SHOWN:
            line += f". The first {SHOWN} are shown."
        if self.rows:
            line += ". Enter opens Review at the moment."
        self.say(line)

    def on_resize(self, _event: events.Resize) -> None:
        self.show()  # the phrases are cut to the new width

    def _hit(self) -> Hit | None:
        table = self.query_one(DataTable)
        return self.rows[table.cursor_row] if 0 <= table.cursor_row < len(self.rows) else None

    @on(DataTable.RowSelected, "#hits")
    def row_chosen(self) -> None:
        self.action_open_hit()

    def action_open_hit(self) -> None:
        hit = self._hit()
        if hit is not None:
            self.gapp.open_review(hit.moment.conversation_id, hit.moment)

    def action_role(self) -> None:
        self.role_at = (self.role_at + 1) % len(ROLES)
        self.show()

    def action_copy_link(self) -> None:
        hit = self._hit()
        if hit is not None:
            link = f"genesys-tui open {hit.moment.text()}"
            self.gapp.copy_to_clipboard(link)
            self.gapp.notify(f"Copied {link}", timeout=3)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "search")
        self.dismiss()
