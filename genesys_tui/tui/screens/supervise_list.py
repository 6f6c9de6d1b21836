"""Supervise's live list: a LiveWatch (flows/supervise/watch.py) run for the screen's life: the
calls pushed by Genesys, the selected call's live words, the alerts (a column, a notification, the
bell if asked); changes drawn at most ten times a second; the status line says how the list is
kept."""

from __future__ import annotations

from textual import work
from textual.screen import ModalScreen
from textual.widgets import Static

from genesys_tui.core.errors import user_message
from genesys_tui.flows.supervise import store
from genesys_tui.flows.supervise.alert_log import AlertLog
from genesys_tui.flows.supervise.board import TAKEN_WHY, LiveBoard, Mode
from genesys_tui.flows.supervise.floor import Floor
from genesys_tui.flows.supervise.watch import EventKind, LiveWatch, WatchEvent
from genesys_tui.tui.screens.supervise_panels import words_view


class LiveList:
    """Mixed into SuperviseScreen (which provides gapp, now(), calls, selected(), apply_filter())."""

    live_watch: LiveWatch | None = None
    alert_log: AlertLog | None = None  # the org's alerts, and which were acknowledged
    floor: Floor | None = None  # the floor view's state, from its first opening on
    _drawing = False

    @property
    def board(self) -> LiveBoard | None:
        return self.live_watch.board if self.live_watch is not None else None

    @property
    def fetching(self) -> bool:
        """A full read is under way (or the list has not been read yet)."""
        return self.board is None or self.board.reading

    @work(exclusive=True, group="live-board", name="live-board", exit_on_error=False)
    async def run_board(self) -> None:
        app = self.gapp
        session = app.session
        if session is None:
            return
        if self.alert_log is None and session.scope is not None:
            self.alert_log = store.alert_log(session.scope)
        self.live_watch = LiveWatch(
            session.client,
            app.config.supervise,
            session.names,
            on_event=self._event,
            clock=self.now,
            log=self.alert_log,
        )
        try:
            await self.live_watch.run()
        except Exception as e:  # noqa: BLE001 - say it; `r` starts it again
            self.query_one("#status", Static).update(
                f"[red]The live list stopped: {user_message(e) or e}. r tries again.[/]"
            )

    def _event(self, event: WatchEvent) -> None:
        if event.kind == EventKind.ALERT and event.alert is not None and not event.found:
            # as it happens (what holds when the list is read shows in the Alerts column)
            if self._toast_here():
                a = event.alert
                self.gapp.notify(
                    f"{a.text}\n{a.measured}" if a.measured else a.text,
                    title="Alert (a lists them)",
                    severity="warning",
                    timeout=8,
                )
            if self.gapp.config.supervise.alerts.bell:
                self.gapp.bell()
        if event.kind == EventKind.WORDS:
            sel = self.selected()
            if sel is not None and sel[0].conversation_id == event.conversation_id:
                self.show_words()
            return
        if not self._drawing:
            self._drawing = True
            self.set_timer(0.1, self._draw)

    def _toast_here(self) -> bool:
        """supervise.alerts.toasts: in Supervise only (the default), in every area, or never;
        never over a dialog, whatever the setting (the header counts them meanwhile)."""
        how = self.gapp.config.supervise.alerts.toasts
        screen = self.gapp.screen
        if how == "none" or isinstance(screen, ModalScreen):
            return False
        return how == "all" or screen is self

    def action_alerts(self) -> None:
        """a: the Alerts list; Enter there comes back to that call."""
        from genesys_tui.tui.screens.alerts import AlertsScreen

        if self.alert_log is None:
            self.gapp.notify("No alerts yet: sign in first.", timeout=3)
            return

        def chosen(cid: str | None) -> None:
            if cid:
                self.select_call(cid)

        self.gapp.push_screen(AlertsScreen(self.alert_log), chosen)

    def action_floor(self) -> None:
        """f: the floor (queues and agents); kept by Genesys's pushes from the first opening."""
        from genesys_tui.tui.screens.floor import FloorScreen

        session = self.gapp.session
        if session is None or self.board is None:
            self.gapp.notify("Sign in first.", timeout=3)
            return
        if self.floor is None:
            self.floor = Floor(
                session.client,
                self.gapp.config.supervise,
                session.names,
                board=self.board,
                clock=self.now,
            )
            self.run_floor()

        def chosen(cid: str | None) -> None:
            if cid:
                self.select_call(cid)

        self.gapp.push_screen(FloorScreen(self.floor), chosen)

    @work(exclusive=True, group="floor", name="floor", exit_on_error=False)
    async def run_floor(self) -> None:
        try:
            await self.floor.run()
        except Exception as e:  # noqa: BLE001 - said; f opens it again
            self.gapp.notify(f"The floor stopped: {user_message(e) or e}", severity="error")
            self.floor = None

    def unacknowledged(self) -> int:
        return self.alert_log.unacknowledged() if self.alert_log is not None else 0

    def _draw(self) -> None:
        self._drawing = False
        if self.board is not None:
            self.calls = self.board.ordered()
            self.apply_filter()

    def alerts_of(self, conversation_id: str) -> list:
        return self.live_watch.alerts.of(conversation_id) if self.live_watch else []

    def show_words(self) -> None:
        """The selected call's alerts and live transcript (and it becomes the watch's focus)."""
        sel = self.selected()
        cid = sel[0].conversation_id if sel else None
        panel = self.query_one("#live-words", Static)
        w = self.live_watch
        if w is None or cid is None:
            panel.update("")
            return
        w.set_focus(cid)
        panel.update(words_view(w.words.get(cid), w.alerts.of(cid), w.words_refused))

    def action_refresh_calls(self) -> None:
        """r: read every live call again (and start the list again if it had stopped)."""
        if self.board is None or not any(
            x.group == "live-board" and x.is_running for x in self.workers
        ):
            self.run_board()
        else:
            self.board.resync()
        self.gapp.notify("Reading the live calls again.", timeout=2)

    def board_status(self) -> str:
        b = self.board
        if b is None:
            return ""
        when = b.updated.strftime("%H:%M:%S") if b.updated else "-"
        if b.mode == Mode.PUSH:
            trouble = f"; {b.trouble}" if b.trouble else ""
            return f", pushed by Genesys (updated {when} UTC){trouble}"
        if b.mode == Mode.POLL:
            back = " (r takes them back)" if b.why == TAKEN_WHY else ""
            return f", read every {b.every:.0f} s (updated {when} UTC): {b.why}{back}"
        return ", reading…"
