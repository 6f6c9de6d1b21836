"""Queue: every job with its state, progress, rate, ETA and error; pause, resume, cancel, retry;
totals. The queue itself lives in the app and keeps running when this screen is not showing."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from genesys_tui.core import fmt
from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.pull.model import (
    CANCELLED,
    DONE,
    FAILED,
    FINAL_STATES,
    WAITING,
    Job,
    JobEvent,
)
from genesys_tui.flows.pull.service import PullService
from genesys_tui.tui.messages import JobChanged, QueueChanged
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.dialogs import ConfirmDialog
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("id", "Job", 6, False),
    Column("conversation", "Conversation", 13, False),
    Column("recording", "Recording", 10, False),
    Column("format", "Format", 8, False),
    Column("state", "State", 11, False),
    Column("progress", "Progress", 22, False),
    Column("rate", "Rate", 10, False),
    Column("eta", "ETA", 7, False),
    Column("detail", "Target / error", 60, False),
)

HELP = """
The download queue. Jobs come from Browse (`d`, `D`) or `genesys-tui fetch`; they are kept in a
database, so quitting (or a crash) loses nothing and the next start resumes them. Each job resolves a
presigned URL, downloads, verifies (size, a full decode, SHA-256), converts and stores the result.
"""


def bar(done: int, total: int | None, width: int = 12) -> str:
    if not total:
        return "·" * width
    filled = int(width * min(1.0, done / total))
    return "█" * filled + "░" * (width - filled) + f" {min(100, int(100 * done / total)):3d}%"


class QueueScreen(AppScreen):
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/resume", id="queue.toggle-pause"),
        Binding("x", "cancel", "Cancel job", id="queue.cancel"),
        Binding("X", "cancel_all", "Cancel all", id="queue.cancel-all"),
        Binding("r", "retry", "Retry job", id="queue.retry"),
        Binding("R", "retry_all", "Retry failed", id="queue.retry-all"),
        Binding("F", "toggle_finished", "Hide finished", id="queue.toggle-finished"),
    ]
    HELP = HELP

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Job] = []  # what the table shows, in order
        self.known: dict[int, Job] = {}  # every recording job, by id
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
        yield Footer()

    def on_mount(self) -> None:
        self.gapp.queue_screen = self
        self.load()

    @property
    def service(self) -> PullService | None:
        return self.gapp.queue

    # The store is read in full only when the screen first has a queue and after actions that
    # change many jobs at once; otherwise the queue's events say what changed.

    def load(self) -> None:
        service = self.service
        if service is None or service.busy:
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
        jobs.sort(key=lambda j: (j.state in FINAL_STATES, -j.id))
        self.jobs = jobs
        self.query_one(VirtualTable).reload()
        self.show_totals()

    def _reorder_soon(self) -> None:
        if not self._reorder_pending:  # many jobs change state at once: one redraw for them
            self._reorder_pending = True
            self.set_timer(0.2, self.reorder)

    def show_totals(self) -> None:
        service = self.service
        totals = self.query_one("#totals", Static)
        if service is None:
            totals.update("Sign in to use the queue.")
            return
        if service.busy:
            totals.update(f"[b]Queue unavailable:[/] {service.busy}")
            return
        t = service.current_totals()
        parts = [f"{n} {s}" for s, n in sorted(t.counts.items()) if n]
        active = t.total - t.finished - t.counts.get(WAITING, 0)
        rate = f"  {fmt.size(int(t.rate_bps))}/s" if t.rate_bps and active else ""
        eta = f"  ETA {fmt.duration(t.eta_s)}" if t.eta_s else ""
        state = "PAUSED" if service.paused else "running"
        noun = "job" if t.total == 1 else "jobs"
        totals.update(f"[b]{state}[/]  {t.total} {noun}: {', '.join(parts) or 'none'}{rate}{eta}")

    def cells(self, i: int) -> tuple[str, ...]:
        j = self.jobs[i]
        ev = self.live.get(j.id)
        done = ev.bytes_done if ev and j.state not in FINAL_STATES else j.bytes_done
        total = ev.bytes_total if ev and j.state not in FINAL_STATES else j.bytes_total
        rate = (
            fmt.size(int(ev.rate_bps)) + "/s"
            if ev and ev.rate_bps and j.state not in FINAL_STATES
            else ""
        )
        eta = fmt.duration(ev.eta_s) if ev and ev.eta_s and j.state not in FINAL_STATES else ""
        progress = bar(done, total) if j.state != DONE else bar(1, 1)
        detail = (
            j.last_error
            if j.state in (FAILED, WAITING, CANCELLED)
            else fmt.place(j.outputs[0]["location"] if j.outputs else j.target)
        )
        return (
            str(j.id),
            j.conversation_id[:12],
            j.recording_id[:8],
            j.format,
            j.state,
            progress,
            rate,
            eta,
            detail or "",
        )

    def row_style(self, i: int) -> str | None:
        return "dim" if self.jobs[i].state in (DONE, CANCELLED) else None

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
            if job is None or job.is_expansion:
                return
            self.known[job.id] = job
            self._reorder_soon()
        else:
            known.bytes_done, known.bytes_total = ev.bytes_done, ev.bytes_total
            self.query_one(VirtualTable).refresh()

    @on(QueueChanged)
    def queue_changed(self, message: QueueChanged) -> None:
        if not self._loaded:
            self.load()
        self.show_totals()

    def _selected(self) -> Job | None:
        t = self.query_one(VirtualTable)
        return self.jobs[t.cursor] if self.jobs else None

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
