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
    DEFAULT_CSS = """
    QueueScreen #totals { height: 1; padding: 0 1; background: $boost; }
    QueueScreen #jobs { height: 1fr; }
    QueueScreen #busy { padding: 1 2; color: $warning; }
    """
    BINDINGS = [
        Binding("p", "toggle_pause", "Pause/resume"),
        Binding("x", "cancel", "Cancel job"),
        Binding("X", "cancel_all", "Cancel all"),
        Binding("r", "retry", "Retry job"),
        Binding("R", "retry_all", "Retry failed"),
        Binding("F", "toggle_finished", "Hide finished"),
    ]
    HELP = HELP

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[Job] = []
        self.live: dict[int, JobEvent] = {}
        self.hide_finished = False

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="totals")
        yield VirtualTable(
            COLUMNS, lambda: len(self.jobs), self.cells, row_style=self.row_style, id="jobs"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.gapp.queue_screen = self
        self.refresh_jobs()
        self.set_interval(0.5, self.refresh_jobs)

    @property
    def service(self):
        return self.gapp.queue

    def refresh_jobs(self) -> None:
        service = self.service
        totals = self.query_one("#totals", Static)
        if service is None:
            totals.update("Sign in to use the queue.")
            return
        if service.busy:
            totals.update(f"[b]Queue unavailable:[/] {service.busy}")
            return
        jobs = [j for j in service.store.all() if not j.is_expansion]
        if self.hide_finished:
            jobs = [j for j in jobs if j.state not in (DONE, CANCELLED)]
        jobs.sort(key=lambda j: (j.state in FINAL_STATES, -j.id))
        self.jobs = jobs
        self.query_one(VirtualTable).reload()
        t = service.totals or service.runner.totals()
        parts = [f"{n} {s}" for s, n in sorted(t.counts.items()) if n]
        active = t.total - t.finished - t.counts.get(WAITING, 0)
        rate = f"  {fmt.size(int(t.rate_bps))}/s" if t.rate_bps and active else ""
        eta = f"  ETA {fmt.duration(t.eta_s)}" if t.eta_s else ""
        state = "PAUSED" if service.runner.paused else "running"
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
            else (j.outputs[0]["location"] if j.outputs else j.target)
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
        self.live[message.event.job_id] = message.event
        self.query_one(VirtualTable).refresh()

    @on(QueueChanged)
    def queue_changed(self, message: QueueChanged) -> None:
        pass  # the 0.5 s refresh redraws the totals

    def _selected(self) -> Job | None:
        t = self.query_one(VirtualTable)
        return self.jobs[t.cursor] if self.jobs else None

    def action_toggle_pause(self) -> None:
        if self.service is None:
            return
        r = self.service.runner
        r.resume() if r.paused else r.pause()
        self.gapp.notify("Queue paused" if r.paused else "Queue resumed", timeout=3)
        self.refresh_jobs()

    def action_cancel(self) -> None:
        job = self._selected()
        if job and self.service and job.state not in FINAL_STATES:
            self.service.runner.cancel(job.id)
            self.refresh_jobs()

    def action_cancel_all(self) -> None:
        if self.service is None:
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.service.runner.cancel_all()
                self.refresh_jobs()

        self.gapp.push_screen(
            ConfirmDialog(
                "Cancel all", "Cancel every unfinished download?", "Cancel all", danger=True
            ),
            confirmed,
        )

    def action_retry(self) -> None:
        job = self._selected()
        if job and self.service and job.state in (FAILED, CANCELLED):
            self.service.runner.retry_failed([job.id])
            self.refresh_jobs()

    def action_retry_all(self) -> None:
        if self.service:
            n = self.service.runner.retry_failed()
            self.gapp.notify(f"Retrying {n} job(s)", timeout=3)
            self.refresh_jobs()

    def action_toggle_finished(self) -> None:
        self.hide_finished = not self.hide_finished
        self.refresh_jobs()
