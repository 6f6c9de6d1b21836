"""Supervise's floor view (`f`): each queue (waiting, the longest wait, talking, agents on queue and
free, today's offered, abandoned and service level) above each agent (routing status and for how
long, presence, the call they are on). Kept by Genesys's pushes (flows/supervise/floor.py); the
status line says how, and what cannot be shown. Enter on an agent on a call goes to that call;
`f` or Esc goes back to the calls."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.supervise.floor import (
    AgentRow,
    Floor,
    FloorMode,
    QueueRow,
    agent_cells,
    queue_cells,
)
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

QUEUE_COLUMNS = (
    Column("name", "Queue", 18, False, min_width=10),
    Column("waiting", "Wait", 5, False),
    Column("longest", "Longest", 8, False),
    Column("talking", "Talk", 5, False),
    Column("on", "On q", 5, False, hide=3),
    Column("free", "Free", 5, False),
    Column("nr", "No resp", 7, False, hide=4),
    Column("offered", "Offered", 8, False, hide=2),
    Column("abandoned", "Aband.", 7, False),
    Column("sl", "SL", 5, False),
)
AGENT_COLUMNS = (
    Column("name", "Agent", 18, False, min_width=10),
    Column("status", "Status", 14, False),  # "NOT_RESPONDING" whole
    Column("for", "For", 8, False),
    Column("presence", "Presence", 9, False, hide=2),
    Column("call", "On call", 16, False, min_width=12, hide=1),
    Column("call_for", "For", 8, False),
)


class FloorScreen(Screen[str | None]):
    """Dismissed with the conversation id to go to, or None."""

    DEFAULT_CSS = """
    FloorScreen #floor-status { height: 1; padding: 0 1; color: $text-muted; }
    FloorScreen #queues { height: auto; max-height: 12; }
    FloorScreen #agents { height: 1fr; border-top: solid $panel-lighten-2; }
    """
    BINDINGS = [
        Binding("f,escape", "dismiss(None)", "Calls", id="floor.back"),
        Binding("r", "refresh", "Refresh", id="floor.refresh"),
        Binding("tab", "app.focus_next", "Queues / agents", show=False, id="floor.next"),
    ]

    def __init__(self, floor: Floor) -> None:
        super().__init__()
        self.floor = floor
        self.queues: list[QueueRow] = []
        self.agents: list[AgentRow] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="floor-status")
        yield VirtualTable(
            QUEUE_COLUMNS,
            lambda: len(self.queues),
            lambda i: queue_cells(self.queues[i]),
            row_style=self.queue_style,
            id="queues",
        )
        yield VirtualTable(
            AGENT_COLUMNS,
            lambda: len(self.agents),
            lambda i: agent_cells(self.agents[i]),
            row_style=self.agent_style,
            id="agents",
        )
        yield AppFooter()

    def on_mount(self) -> None:
        self.draw()
        self.set_interval(1.0, self.draw)  # the "for how long" columns move on

    def draw(self) -> None:
        f = self.floor
        self.queues, self.agents = f.queue_rows(), f.agent_rows()
        for table in self.query(VirtualTable):
            table.reload()
        how = {
            FloorMode.PUSH: "pushed by Genesys",
            FloorMode.POLL: f"read every {f.every:.0f} s: {f.why}",
            FloorMode.STARTING: "reading…",
        }[f.mode]
        busy = sum(r.status == "INTERACTING" for r in self.agents)
        free = sum(r.status == "IDLE" for r in self.agents)
        line = f"{len(self.queues)} queue(s), {len(self.agents)} agent(s): {busy} on calls, {free} free; {how}"
        if f.unavailable:
            line += f"; {f.unavailable}"
        self.query_one("#floor-status", Static).update(line)

    def queue_style(self, i: int) -> str | None:
        r = self.queues[i]
        return "alert" if r.waiting and not r.available else None

    def agent_style(self, i: int) -> str | None:
        r = self.agents[i]
        if r.status == "NOT_RESPONDING":
            return "alert"
        return "dim" if r.status == "OFF_QUEUE" else None

    def action_refresh(self) -> None:
        self.floor.refresh()
        self.notify("Reading the floor again.", timeout=2)

    @on(VirtualTable.Selected, "#agents")
    def _agent_chosen(self, event: VirtualTable.Selected) -> None:
        r = self.agents[event.index] if 0 <= event.index < len(self.agents) else None
        calls = self.floor.live()
        cid = next(
            (c.conversation_id for c in calls for a in c.agents if r and a.user_id == r.user_id),
            None,
        )
        if cid:
            self.dismiss(cid)
        else:
            self.notify("Not on a call.", timeout=2)
