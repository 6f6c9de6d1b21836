"""The Export area's bucket check (`c`): reconcile an interval against the bucket the exports
landed in, recording by recording, and show the result under the jobs, with the manifest's path.
The same reconciliation as `genesys-tui export reconcile` (flows/export)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import work
from textual.widgets import Static

from genesys_tui.core.errors import user_message
from genesys_tui.core.intervals import IntervalError, parse_interval
from genesys_tui.flows.browse.table import describe
from genesys_tui.flows.export.bucket import BucketError, listing_for
from genesys_tui.flows.export.reconcile import NOT_THERE, Manifest, Summary, summary_text
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.modelbase import iso
from genesys_tui.tui.screens.dialogs import PromptDialog

STYLE = {"exported": "green", "unexpected": "yellow", "orphaned": "dim"}


def check_view(
    summary: Summary, description: str, manifest: Manifest, notes: list[str], seconds: float
) -> Text:
    t = Text()
    t.append("Bucket check ", style="bold")
    t.append(f"{description}: ")
    if summary.complete:
        t.append("everything owed is there", style="bold green")
    else:
        owed_not_there = sum(summary.counts[s] for s in NOT_THERE)
        t.append(f"{owed_not_there} owed recording(s) not there", style="bold red")
    t.append(f"  ({seconds:.1f} s)\n")
    for status, n in sorted(summary.counts.items(), key=lambda kv: -kv[1]):
        style = STYLE.get(status, "red" if status in NOT_THERE else "")
        t.append(f"  {n} {status}", style=style)
    t.append("\n" + summary_text(summary) + "\n")
    for note in notes:
        t.append(note + "\n", style="yellow")
    t.append(f"manifest: {manifest.csv_path} and .jsonl", style="dim")
    return t


def browse_view(app) -> tuple[str, ConversationFilter, dict, datetime | None]:
    """What Browse shows, for an export's or a check's prompt: its interval as text, its filter,
    the names of ids, and its "now" (quick ranges are read as Browse reads them)."""
    browse = app.area("browse")
    interval = browse.interval if browse is not None else None
    value = f"{iso(interval[0])}/{iso(interval[1])}" if interval else ""
    flt = browse.filter if browse is not None else ConversationFilter()
    names = app.session.names if app.session else {}
    return value, flt, names, (browse.now() if browse is not None else None)


def interval_problem(now: datetime | None):
    """A PromptDialog check: what is wrong with an interval as typed, or None."""

    def check(text: str) -> str | None:
        try:
            parse_interval(text, now)
        except (IntervalError, ValueError) as e:
            return str(e)
        return None

    return check


class BucketCheck:
    """Mixed into ExportScreen (which provides service, selected(), say(), gapp)."""

    checking = False

    def action_check_bucket(self) -> None:
        if self.service is None:
            self.notify("Sign in first.", severity="warning")
            return
        if self.checking:
            self.notify("A check is running already.", severity="warning")
            return
        job = self.selected()
        job_interval = (
            ((job.recording_jobs_query or {}).get("conversationQuery") or {}).get("interval")
            if job
            else None
        )
        browse_interval, flt, names, now = browse_view(self.gapp)
        value = job_interval or browse_interval
        profile = self.gapp.target.profile

        def good_bucket(text: str) -> str | None:
            try:
                listing_for(text, profile.s3.endpoint_url)
            except BucketError as e:
                return str(e)
            return None

        def got_bucket(interval: str, where: str | None) -> None:
            if not where:
                self.notify("Cancelled; nothing was checked.", timeout=3)
                return
            self.last_bucket = where
            self.check_bucket(interval, where, flt, names, now)

        def got_interval(text: str | None) -> None:
            if not text:
                self.notify("Cancelled; nothing was checked.", timeout=3)
                return
            self.gapp.push_screen(
                PromptDialog(
                    "Where did the export land?",
                    "s3://BUCKET[/PREFIX] or a directory",
                    getattr(self, "last_bucket", "") or profile.export_bucket,
                    hint="The S3 bulk-actions integration's bucket, or a local mirror of it "
                    "(aws s3 sync). The profile's export_bucket is the default.",
                    check=good_bucket,
                ),
                lambda where: got_bucket(text, where),
            )

        self.gapp.push_screen(
            PromptDialog(
                "Check what arrived in the bucket",
                "START/END, a date, or a quick range",
                value,
                hint=f"Owed: every recording of the interval's conversations, with Browse's "
                f"filters ({describe(None, flt, names) or 'none'}). Default: the selected job's "
                "interval.",
                check=interval_problem(now),
            ),
            got_interval,
        )

    @work(exclusive=True, group="export-check", exit_on_error=False)
    async def check_bucket(
        self, text: str, where: str, flt: ConversationFilter, names: dict, now: datetime | None
    ) -> None:
        import time

        service = self.service
        if service is None:
            return
        self.checking = True
        began = time.monotonic()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        manifest = Manifest(Path(self.gapp.default_target()) / "export-checks" / f"check-{stamp}")
        rows = 0

        def out(write):
            def counted(row) -> None:
                nonlocal rows
                write(row)
                rows += 1
                if rows % 250 == 0:
                    self.say(f"checking the bucket: {rows} recording(s) so far…")

            return counted

        try:
            start, end = parse_interval(text, now)
            listing = listing_for(where, self.gapp.target.profile.s3.endpoint_url)
            self.say(f"checking {where} for {describe((start, end), flt, names)}…")
            manifest.csv_path.parent.mkdir(parents=True, exist_ok=True)
            with manifest.writing() as write:
                summary, notes = await service.reconcile(start, end, flt, listing, out(write))
        except Exception as e:  # noqa: BLE001 - one line, the screen stays
            self.say(f"[red]The bucket check failed: {user_message(e) or e}[/]")
            self.notify(user_message(e) or str(e), title="Check", severity="error", timeout=10)
            return
        finally:
            self.checking = False
        view = check_view(
            summary, describe((start, end), flt, names), manifest, notes, time.monotonic() - began
        )
        panel = self.query_one("#export-check", Static)
        panel.update(view)
        panel.add_class("-shown")
        self.say(f"{len(self.jobs)} export job(s); bucket checked: {rows} recording(s)")
        self.notify(
            "Everything owed is in the bucket."
            if summary.complete
            else "Some owed recordings are not in the bucket: see below and the manifest.",
            title="Check",
            severity="information" if summary.complete else "warning",
        )
