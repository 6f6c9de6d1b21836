"""Export: Genesys's bulk EXPORT jobs into the org's S3 bucket, with their state and progress,
a new export for Browse's interval and filters (counted by Genesys, confirmed, then started),
cancel with confirmation, and the recordings a job failed on."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from genesys_tui.core import fmt
from genesys_tui.core.errors import user_message
from genesys_tui.core.intervals import parse_interval
from genesys_tui.flows.browse.table import Column, describe
from genesys_tui.flows.export.service import OVER, ExportService, left_out
from genesys_tui.flows.export.store import STARTED
from genesys_tui.genesys import states as S
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.models import RecordingJob
from genesys_tui.genesys.pacing import pacing
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.dialogs import ConfirmDialog, PromptDialog
from genesys_tui.tui.screens.export_check import BucketCheck, browse_view, interval_problem
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("id", "Job", 8, False),
    Column("state", "State", 10, False),
    Column("progress", "Progress", 22, False, min_width=12),
    Column("counts", "Exported, skipped, failed", 28, False, min_width=18, hide=2),
    Column("interval", "Interval", 20, False, fill=True, hide=1),
)

HELP = """
Genesys's own bulk EXPORT of recordings into the org's S3 bucket (the "AWS S3 Recording Bulk
Actions" integration): for months of recordings, Genesys copies them itself instead of this
machine downloading them. `n` starts an export of Browse's interval and filters: long intervals
become one job a month, at most two pending or processing in the org at once; Genesys counts each
job's recordings first, and it starts only once you confirm. Exports are one-time: a recording
exported before is skipped. `x` cancels the selected job, `f` lists the recordings it failed on.
`c` checks what arrived: every recording the interval owed (the selected job's, by default)
against the bucket or a local mirror of it, each one exported, incomplete, corrupt, failed,
archived, missing, unexpected or orphaned; the result shows below, and a manifest (CSV and JSON
lines) goes under the output directory's export-checks/. The list refreshes every few seconds
(`r` now); `q` quits the app (as ctrl+q). `genesys-tui export …` does the same from a shell.
"""


def bar(pct: int | None, width: int = 12) -> str:
    if pct is None:
        return ""
    filled = max(0, min(width, round(width * pct / 100)))
    return "█" * filled + "░" * (width - filled) + f" {pct:>3}%"


def cells(j: RecordingJob) -> tuple[str, ...]:
    interval = ((j.recording_jobs_query or {}).get("conversationQuery") or {}).get("interval", "")
    counts = (
        f"{j.total_processed_recordings or 0}, {j.total_skipped_recordings or 0}, "
        f"{j.total_failed_recordings or 0} of {j.total_recordings}"
        if j.total_recordings is not None
        else "counting…"
    )
    return ((j.id or "")[:8], j.state or "", bar(j.percent_progress), counts, interval)


def detail(j: RecordingJob | None, failed: list[tuple[str, str]] | None) -> Text:
    if j is None:
        return Text("No export jobs yet: n starts one for Browse's interval and filters.")
    t = Text()
    t.append(f"Job {j.id}  {j.state}", style="bold")
    if j.date_created:
        t.append(f"  created {fmt.when(j.date_created)} UTC")
    t.append("\n")
    q = j.recording_jobs_query or {}
    t.append(f"interval {(q.get('conversationQuery') or {}).get('interval', '-')}  ")
    t.append(f"integration {q.get('integrationId', '-')}\n")
    if j.total_recordings is not None:
        t.append(
            f"{j.total_conversations} conversations, {j.total_recordings} recordings: "
            f"{j.total_processed_recordings or 0} exported, {j.total_skipped_recordings or 0} "
            f"skipped (exported before), {j.total_failed_recordings or 0} failed\n"
        )
    if j.error_message:
        t.append(j.error_message + "\n", style="red")
    if failed is not None:
        t.append(f"failed: {len(failed)}\n", style="bold")
        for conv, rec in failed[:50]:
            t.append(f"  {conv}  {rec}\n")
    return t


class ExportScreen(BucketCheck, AppScreen):
    BINDINGS = [
        Binding("n", "new_export", "New export", id="export.new"),
        Binding("x", "cancel_job", "Cancel job", id="export.cancel"),
        Binding("f", "failed", "Failed", id="export.failed"),
        Binding("c", "check_bucket", "Check bucket", id="export.check"),
        Binding("r", "refresh_jobs", "Refresh", show=False, id="export.refresh"),
        Binding("q", "app.quit", "Quit", show=False, id="export.quit"),
    ]
    HELP = HELP
    AUTO_FOCUS = "#export-jobs"

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[RecordingJob] = []
        self.failed: dict[str, list[tuple[str, str]]] = {}
        self.running = False  # an export being started from here

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="export-status")
        yield VirtualTable(
            COLUMNS, lambda: len(self.jobs), lambda i: cells(self.jobs[i]), id="export-jobs"
        )
        yield Static("", id="export-detail")
        yield Static("", id="export-check")
        yield AppFooter()

    @property
    def service(self) -> ExportService | None:
        return self.gapp.services.export if self.gapp.services else None

    def service_poll(self) -> float:
        """How often the jobs are read again: the export service's pace (5 s)."""
        return self.service.poll if self.service is not None else pacing().export

    def on_mount(self) -> None:
        self._ticker = self.set_interval(self.service_poll(), self.refresh_jobs)
        self.refresh_jobs()

    def on_screen_resume(self) -> None:
        self._ticker.resume()
        self.refresh_jobs()

    def on_screen_suspend(self) -> None:
        self._ticker.pause()  # no listing while another area is showing

    def say(self, text: str) -> None:
        self.query_one("#export-status", Static).update(text)

    # --- the list ------------------------------------------------------------------------------

    @work(exclusive=True, group="export-list", exit_on_error=False)
    async def refresh_jobs(self) -> None:
        if self.service is None or not self.is_current:
            return
        try:
            jobs = await self.service.jobs()
        except Exception as e:  # noqa: BLE001 - say it, keep the screen
            self.say(f"[red]Cannot list export jobs: {user_message(e) or e}[/]")
            return
        selected = self.selected()
        keep = selected.id if selected else None
        self.jobs = sorted(jobs, key=lambda j: j.date_created or datetime.min, reverse=True)
        table = self.query_one(VirtualTable)
        table.reload()
        ids = [j.id for j in self.jobs]
        if keep in ids:
            table.cursor = ids.index(keep)
        if not self.running:
            active = sum(j.state in (S.PENDING, S.PROCESSING) for j in self.jobs)
            self.say(
                f"{len(self.jobs)} export job(s), {active} pending or processing (org limit 2)"
            )
        self.show_detail()

    def selected(self) -> RecordingJob | None:
        t = self.query_one(VirtualTable)
        return self.jobs[t.cursor] if self.jobs and 0 <= t.cursor < len(self.jobs) else None

    @on(VirtualTable.Highlighted, "#export-jobs")
    def show_detail(self) -> None:
        j = self.selected()
        self.query_one("#export-detail", Static).update(
            detail(j, self.failed.get(j.id or "") if j else None)
        )

    def action_refresh_jobs(self) -> None:
        self.refresh_jobs()
        self.notify("Refreshing the export jobs.", timeout=2)

    # --- a new export ---------------------------------------------------------------------------

    def action_new_export(self) -> None:
        if self.service is None:
            self.notify("Sign in first.", severity="warning")
            return
        if self.running:
            self.notify("An export is being started already.", severity="warning")
            return
        value, flt, names, now = browse_view(self.gapp)

        def chosen(text: str | None) -> None:
            if text:
                self.start_export(text, flt, names, now)
            else:
                self.notify("Cancelled; nothing was exported.", timeout=3)

        self.gapp.push_screen(
            PromptDialog(
                "Export recordings to the S3 bucket",
                "START/END, a date, or a quick range",
                value,
                hint=f"With Browse's filters: {describe(None, flt, names) or 'none'}. Genesys "
                "counts the recordings first; nothing starts before you confirm.",
                check=interval_problem(now),
            ),
            chosen,
        )

    def tell_cut(self, text: str) -> None:
        self.say(text)
        self.notify(text, title="Export", severity="warning", timeout=15)

    @work(exclusive=True, group="export-start", exit_on_error=False)
    async def start_export(
        self, text: str, flt: ConversationFilter, names: dict, now: datetime | None
    ) -> None:
        service = self.service
        if service is None:
            return
        self.running = True
        try:
            start, end = parse_interval(text, now)  # quick ranges as Browse reads them
            description = describe((start, end), flt, names)
            export = await service.prepare(
                start, end, flt, description=description, tell=self.tell_cut
            )

            async def confirm(piece, job: RecordingJob) -> bool:
                self.refresh_jobs()
                return bool(
                    await self.app.push_screen_wait(
                        ConfirmDialog(
                            "Start the export?",
                            f"{piece.start} → {piece.end}\n\nGenesys found {job.total_recordings} "
                            f"recordings in {job.total_conversations} conversations (job "
                            f"{job.id}). It copies them into the bucket; recordings exported "
                            "before are skipped; "
                            + left_out(bool(export.query.get("includeRecordingsWithSensitiveData")))
                            + ". Cancel cancels the job.",
                            "Export",
                        )
                    )
                )

            def step(s) -> None:
                self.say(
                    f"export {s.export.id}, job {s.index + 1} of {len(s.export.pieces)}: {s.text}"
                )

            done = await service.run(export, confirm, step)
            started = sum(p.state == STARTED for p in done.pieces)
            self.notify(f"{started} of {len(done.pieces)} export job(s) started.", title="Export")
        except Exception as e:  # noqa: BLE001 - one line, the screen stays
            self.notify(user_message(e) or str(e), title="Export", severity="error", timeout=10)
        finally:
            self.running = False
            self.refresh_jobs()

    # --- cancel, failed -------------------------------------------------------------------------

    def action_cancel_job(self) -> None:
        j = self.selected()
        if j is None or self.service is None:
            self.notify("No job selected.", severity="warning")
            return
        if j.state in OVER:
            self.notify(f"Job {(j.id or '')[:8]} is {j.state}: nothing to cancel.", timeout=4)
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.cancel_job(j.id or "")
            else:
                self.notify("Not cancelled; the job goes on.", timeout=3)

        self.gapp.push_screen(
            ConfirmDialog(
                "Cancel the export job?",
                f"Job {j.id} ({j.state}). What it exported stays in the bucket.",
                "Cancel job",
                danger=True,
            ),
            answered,
        )

    @work(group="export-cancel", exit_on_error=False)
    async def cancel_job(self, job_id: str) -> None:
        service = self.service
        if service is None:
            return
        try:
            job = await service.cancel(job_id)
        except Exception as e:  # noqa: BLE001
            self.notify(user_message(e) or str(e), title="Cancel", severity="error")
            return
        self.notify(f"Job {job_id[:8]} is {job.state}.", title="Export")
        self.refresh_jobs()

    @work(group="export-failed", exit_on_error=False)
    async def action_failed(self) -> None:
        j = self.selected()
        if j is None or self.service is None:
            self.notify("No job selected.", severity="warning")
            return
        found = [x async for x in self.service.failed(j.id or "")]
        self.failed[j.id or ""] = found
        self.notify(f"{len(found)} recording(s) failed to export.", timeout=4)
        self.show_detail()
