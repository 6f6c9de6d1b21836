"""Supervise's live list: a LiveBoard (flows/supervise/board.py) run for the screen's life, its
changes drawn at most ten times a second, and what the status line says about how it is kept."""

from __future__ import annotations

from textual import work
from textual.widgets import Static

from genesys_tui.core.errors import user_message
from genesys_tui.flows.supervise.board import Change, LiveBoard


class LiveList:
    """Mixed into SuperviseScreen (which provides gapp, now(), calls, apply_filter())."""

    board: LiveBoard | None = None
    _drawing = False

    @property
    def fetching(self) -> bool:
        """A full read is under way (or the board has not read yet)."""
        return self.board is None or self.board.reading

    @work(exclusive=True, group="live-board", name="live-board", exit_on_error=False)
    async def run_board(self) -> None:
        app = self.gapp
        session = app.session
        if session is None:
            return
        self.board = LiveBoard(
            session.client,
            app.config.supervise,
            session.names,
            on_change=self._changed,
            clock=self.now,
        )
        try:
            await self.board.run()
        except Exception as e:  # noqa: BLE001 - say it; `r` starts it again
            self.query_one("#status", Static).update(
                f"[red]The live list stopped: {user_message(e) or e}. r tries again.[/]"
            )

    def _changed(self, change: Change) -> None:
        if not self._drawing:
            self._drawing = True
            self.set_timer(0.1, self._draw)

    def _draw(self) -> None:
        self._drawing = False
        if self.board is not None:
            self.calls = self.board.ordered()
            self.apply_filter()

    def action_refresh_calls(self) -> None:
        """r: read every live call again (and start the list again if it had stopped)."""
        if self.board is None or not self.workers_running("live-board"):
            self.run_board()
        else:
            self.board.resync()
        self.gapp.notify("Reading the live calls again.", timeout=2)

    def workers_running(self, group: str) -> bool:
        return any(w.group == group and w.is_running for w in self.workers)

    def board_status(self) -> str:
        b = self.board
        if b is None:
            return ""
        when = b.updated.strftime("%H:%M:%S") if b.updated else "-"
        if b.mode == "push":
            return f", pushed by Genesys (updated {when} UTC)"
        if b.mode == "poll":
            return f", read every {b.every:.0f} s (updated {when} UTC): {b.why}"
        return ", reading…"
