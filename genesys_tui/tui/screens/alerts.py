"""The Alerts list: every alert raised on the org's live calls (flows/supervise/alert_log.py),
newest first: when, the call, what, what was measured, whether it still holds and whether someone
acknowledged it. `a` acknowledges the selected one, `A` all of them (kept per org), Enter goes to
the call in Supervise, Esc closes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.supervise.alert_log import AlertLog, Entry
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("time", "Raised", 8, False),
    Column("state", "State", 7, False, hide=2),
    Column("alert", "Alert", 22, False, min_width=14),
    Column("call", "Call", 30, False, min_width=12, fill=True),
    Column("ack", "Ack", 3, False),
)


class AlertsScreen(ModalScreen[str | None]):
    """Dismissed with the conversation id to go to, or None."""

    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical { width: 100%; height: 100%; border: round $warning; padding: 0 1; }
    AlertsScreen #alerts { height: 1fr; }
    AlertsScreen #measured { height: auto; max-height: 4; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "ack", "Acknowledge", id="alerts.ack"),
        Binding("A", "ack_all", "Acknowledge all", id="alerts.ack-all"),
        Binding("enter", "go", "Go to call", id="alerts.go"),
        Binding("escape,q", "dismiss(None)", "Close", id="alerts.close"),
    ]

    def __init__(self, log: AlertLog) -> None:
        super().__init__()
        self.alerts = log
        self.entries: list[Entry] = log.entries()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title(), id="alerts-title", classes="title")
            yield VirtualTable(
                COLUMNS, lambda: len(self.entries), self.cells, row_style=self.style, id="alerts"
            )
            yield Static("", id="measured")
        yield AppFooter()

    def on_mount(self) -> None:
        self._show_measured()

    def _title(self) -> str:
        waiting = sum(not e.acknowledged for e in self.entries)
        return f"Alerts: {len(self.entries)} kept for this org, {waiting} not acknowledged"

    def cells(self, i: int) -> tuple[str, ...]:
        e = self.entries[i]
        when = e.raised[11:19] if len(e.raised) >= 19 else e.raised
        state = "now" if e.ongoing else ("over" if e.cleared else "")
        return (when, state, e.text, e.label or e.conversation_id, "✓" if e.acknowledged else "")

    def style(self, i: int) -> str | None:
        e = self.entries[i]
        if e.acknowledged:
            return "dim"
        return "alert" if e.ongoing else "bold"

    def selected(self) -> Entry | None:
        cursor = self.query_one(VirtualTable).cursor
        return self.entries[cursor] if 0 <= cursor < len(self.entries) else None

    @on(VirtualTable.Highlighted, "#alerts")
    def _show_measured(self) -> None:
        e = self.selected()
        text = f"{e.kind}: {e.measured or e.text}  ({e.conversation_id})" if e else "No alerts yet."
        self.query_one("#measured", Static).update(text)

    def _reload(self) -> None:
        self.entries = self.alerts.entries()
        self.query_one("#alerts-title", Label).update(self._title())
        self.query_one(VirtualTable).reload()
        self._show_measured()

    def action_ack(self) -> None:
        e = self.selected()
        if e is not None and not e.acknowledged:
            self.alerts.acknowledge([e.id])
            self._reload()
            self.query_one(VirtualTable).action_cursor(1)

    def action_ack_all(self) -> None:
        n = self.alerts.acknowledge()
        self._reload()
        self.notify(f"{n} alert(s) acknowledged.", timeout=3)

    def action_go(self) -> None:
        e = self.selected()
        self.dismiss(e.conversation_id if e else None)

    @on(VirtualTable.Selected, "#alerts")
    def _selected(self) -> None:
        self.action_go()
