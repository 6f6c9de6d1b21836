"""Areas whose issues have not landed yet. They say so plainly."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static

from genesys_tui.tui.widgets.header import AppHeader


class Placeholder(Screen[None]):
    DEFAULT_CSS = """
    Placeholder Static { width: 70; border: round $panel-lighten-2; padding: 1 2; }
    """
    TEXT = ""
    HELP = ""

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Middle(), Center():
            yield Static(self.TEXT)
        yield Footer()


class SupervisePlaceholder(Placeholder):
    TEXT = (
        "[b]Supervise[/] is not built yet.\n\nLive calls, consent checks, monitor/coach/barge/notice and "
        "the audit trail arrive with the Supervise issue."
    )
    HELP = TEXT
