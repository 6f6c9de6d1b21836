"""Queue: every job with its state, progress, rate, ETA and error, the conversations still being
planned, totals, and the selected job in detail; pause, resume, cancel, retry. The queue itself
lives in the app and keeps running when this screen is not showing."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from genesys_tui.flows.pull.model import (
    CANCELLED,
    DONE,
    FAILED,
    FINAL_STATES,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.flows.pull.service import PullService
from genesys_tui.tui.messages import JobChanged, QueueChanged
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.dialogs import ConfirmDialog
from genesys_tui.tui.screens.queue_text import (
    COLUMNS,
    HELP,
    cells,
    detail_text,
    order,
    totals_line,
)
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

FOLLOW_SECONDS = 1.0  # how often the store is read while another process runs the queue


class QueueScreen(AppScreen):
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/resume", id="queue.toggle-pause"),
        Binding("x", "cancel", "Cancel job", id="queue.cancel"),
        Binding("X", "cancel_all", "Cancel all", show=False, id="queue.cancel-all"),
        Binding("r", "retry", "Retry job", id="queue.retry"),
        Binding("R", "retry_all", "Retry failed", id="queue.retry-all"),
        Binding("F", "toggle_finished", "Hide finished", id="queue.toggle-finished"),
        Binding("q", "app.quit", "Quit", show=False, id="queue.quit"),
    ]
    HELP = HELP

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Job] = []  # what the table shows, in order
        self.known: dict[int, Job] = {}  # recording jobs and conversations in planning, by id
        self.live: dict[int, JobEvent] = {}
        self.hide_finished = False
        self._loaded = False
        self._reorder_pending = False

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="totals")
        yield VirtualTable(
            COLUMNS, lambda: len(self.jobs), self.cells, row_style=self.row_style, id="jobs"
        )
        yield Static("", id="job-detail")
        yield AppFooter()

    def on_mount(self) -> None:
        self.gapp.queue_signal.subscribe(self, self._queue_event, immediate=True)
        self.load()
        self.set_interval(FOLLOW_SECONDS, self._follow)

    def _follow(self) -> None:
        """While another process runs this org's queue, what it does is read from the store."""
        service = self.service
        if service is not None and service.busy and self.is_current:
            self.load()

    def _queue_event(self, ev: JobEvent | QueueTotals) -> None:
        self.post_message(JobChanged(ev) if isinstance(ev, JobEvent) else QueueChanged(ev))

    @property
    def service(self) -> PullService | None:
        return self.gapp.services.pull if self.gapp.services else None

    # The store is read in full only when the screen first has a queue and after actions that
    # change many jobs at once; otherwise the queue's events say what changed.

    def load(self) -> None:
        service = self.service
        if service is None:
            self.show_totals()
            return
        self.known = {j.id: j for j in service.jobs()}
        self._loaded = True
        self.reorder()

    def reorder(self) -> None:
        self._reorder_pending = False
        jobs = list(self.known.values())
        if self.hide_finished:
            jobs = [j for j in jobs if j.state not in (DONE, CANCELLED)]
        jobs.sort(key=lambda j: (order(j), -j.id))
        before = self._selected()
        self.jobs = jobs
        table = self.query_one(VirtualTable)
        table.reload()
        if before is not None:  # the selected job stays selected as rows move
            table.cursor = next((i for i, j in enumerate(jobs) if j.id == before.id), table.cursor)
        self.show_totals()
        self.show_detail()

    def _reorder_soon(self) -> None:
        if not self._reorder_pending:  # many jobs change state at once: one redraw for them
            self._reorder_pending = True
            self.set_timer(0.2, self.reorder)

    def show_totals(self) -> None:
        service = self.service
        totals = self.query_one("#totals", Static)
        if service is None:
            totals.update("Sign in to use the queue.")
        elif service.busy:
            who = service.holder()
            totals.update(
                f"[b]Run by {escape(str(who)) if who else 'another genesys-tui'}[/] (another "
                "process): downloads you add are handed to it; the queue comes here when it ends"
            )
        else:
            totals.update(totals_line(service.current_totals(), service.paused))

    def cells(self, i: int) -> tuple[str, ...]:
        j = self.jobs[i]
        note = self.service.note(j.id) if self.service else None
        return cells(j, self.live.get(j.id), note)

    def row_style(self, i: int) -> str | None:
        state = self.jobs[i].state
        return "dim" if state in (DONE, CANCELLED) else "bold" if state == FAILED else None

    @on(VirtualTable.Highlighted, "#jobs")
    def show_detail(self) -> None:
        job = self._selected()
        pane = self.query_one("#job-detail", Static)
        if job is None or self.service is None:
            pane.update("")
            return
        history = self.service.history(job.id)
        pane.update(detail_text(job, history, self.service.note(job.id)))

    @on(JobChanged)
    def job_changed(self, message: JobChanged) -> None:
        ev = message.event
        if not self._loaded:
            self.load()
            return
        self.live[ev.job_id] = ev
        known = self.known.get(ev.job_id)
        if known is None or known.state != ev.state:
            job = self.service.job(ev.job_id) if self.service else None  # one row, by key
            if job is None:
                return
            if job.is_expansion and job.state == DONE:  # planned: its recordings take its place
                self.known.pop(job.id, None)
            else:
                self.known[job.id] = job
            self._reorder_soon()
        else:
            known.bytes_done, known.bytes_total = ev.bytes_done, ev.bytes_total
            self.query_one(VirtualTable).refresh()
        # A state change redraws the detail with the reorder; a planning note shows at once.
        # (Byte progress does not: it would read the job's history ten times a second.)
        selected = self._selected()
        if ev.note and selected is not None and selected.id == ev.job_id:
            self.show_detail()

    @on(QueueChanged)
    def queue_changed(self, message: QueueChanged) -> None:
        if not self._loaded:
            self.load()
        self.show_totals()

    def _selected(self) -> Job | None:
        t = self.query_one(VirtualTable)
        return self.jobs[t.cursor] if self.jobs and 0 <= t.cursor < len(self.jobs) else None

    def action_toggle_pause(self) -> None:
        if self.service is None:
            return
        paused = self.service.toggle_pause()
        self.gapp.notify("Queue paused" if paused else "Queue resumed", timeout=3)
        self.show_totals()

    def action_cancel(self) -> None:
        job = self._selected()
        if job and self.service and job.state not in FINAL_STATES:
            self.service.cancel(job.id)

    def action_cancel_all(self) -> None:
        if self.service is None:
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.service.cancel_all()
                self.load()

        self.gapp.push_screen(
            ConfirmDialog(
                "Cancel all", "Cancel every unfinished download?", "Cancel all", danger=True
            ),
            confirmed,
        )

    def action_retry(self) -> None:
        job = self._selected()
        if job and self.service and job.state in (FAILED, CANCELLED):
            self.service.retry_failed([job.id])
            self.load()

    def action_retry_all(self) -> None:
        if self.service:
            n = self.service.retry_failed()
            self.gapp.notify(f"Retrying {n} job(s)", timeout=3)
            self.load()

    def action_toggle_finished(self) -> None:
        self.hide_finished = not self.hide_finished
        self.reorder()
