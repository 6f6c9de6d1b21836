"""fetch: pull recordings into the persistent queue and run it; jobs: look at and manage the store."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from genesys_tui.cli.browse import build_filter
from genesys_tui.cli.common import CommandError, Context, cells, run
from genesys_tui.core import fmt
from genesys_tui.core.ids import InvalidId, uuid_id
from genesys_tui.core.intervals import parse_interval
from genesys_tui.core.terminal import clean
from genesys_tui.flows.pull.follow import HANDED, RAN, UNTAKEN
from genesys_tui.flows.pull.holder import running
from genesys_tui.flows.pull.model import (
    DONE,
    FAILED,
    FINAL_STATES,
    NO_RECORDINGS,
    STATES,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.flows.pull.outcomes import DiskFull, QueueBusy, disk_full, retrying
from genesys_tui.flows.pull.service import Plan, PullService, QueueEvent, QueueIdle, Search
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.storage.sinks import SinkError, open_target, sink_factory

log = logging.getLogger("genesys_tui.fetch")


def jobs_of(ctx: Context) -> PullService | None:
    """The queue of the org this profile last fetched from (or `--org`), without signing in; None
    when there is none yet."""
    from genesys_tui.context import remembered_scope
    from genesys_tui.core.orgs import OrgUnknown

    target = ctx.target()
    try:
        sc = remembered_scope(target, ctx.paths, org_id=getattr(ctx.args, "org", None))
    except OrgUnknown:
        return None
    return PullService(None, sc.job_store, sink_factory(target.profile))


class _Amount(ProgressColumn):
    """Bytes for a download's bar, recordings for the overall one."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = DownloadColumn()

    def render(self, task):
        if task.fields.get("unit") == "planning":
            return Text("")
        if task.fields.get("unit") == "recordings":
            total = "?" if task.total is None else f"{task.total:.0f}"
            return Text(f"{task.completed:.0f}/{total} recordings", style="progress.download")
        return self.bytes.render(task)


class _Speed(TransferSpeedColumn):
    """Bytes per second on a download's bar; none on the overall one (it counts recordings)."""

    def render(self, task):
        return Text("") if task.fields.get("unit") != "bytes" else super().render(task)


HEARTBEAT = 10.0  # seconds between progress lines where no bars are drawn (-q, or piped)


async def heartbeat(ctx: Context, view: ProgressView, every: float = HEARTBEAT) -> None:
    """A plain progress line on stderr now and then, for a run whose bars nobody sees."""
    while True:
        await asyncio.sleep(every)
        ctx.err.print(f"fetch: {view.line()}", highlight=False, markup=False)


class ProgressView:
    """Rich progress bars for the queue's events: one overall bar for this run's recordings (not the
    whole store) and one per active download."""

    def __init__(self, progress: Progress):
        self.p = progress
        self.store: JobStore | None = None
        self.run_ids: list[int] = []
        self.overall: TaskID = progress.add_task("this run", total=None, unit="recordings")
        self.bars: dict[int, TaskID] = {}
        self.plan_bar: TaskID | None = None
        self.planning, self.note = 0, ""
        self.finished, self.total = 0, 0

    def line(self) -> str:
        """Where the run stands, in one line."""
        said = f"{self.finished}/{self.total} recordings finished"
        if self.planning:
            noun = "conversation" if self.planning == 1 else "conversations"
            said += f"; planning {self.planning} {noun}" + (f": {self.note}" if self.note else "")
        return said

    def follow(self, store: JobStore, run_ids: list[int]) -> None:
        """Count this run's jobs (not the whole store) in the overall bar."""
        self.store, self.run_ids = store, run_ids

    def _planning(self, count: int | None = None, note: str | None = None) -> None:
        """One line for the conversations still being planned, with the latest news of them."""
        if note is not None:
            self.note = note
        if count is not None:
            self.planning = count
        if not self.planning:
            if self.plan_bar is not None:
                self.p.remove_task(self.plan_bar)
                self.plan_bar = None
            return
        noun = "conversation" if self.planning == 1 else "conversations"
        text = f"planning {self.planning} {noun}" + (f": {self.note}" if self.note else "")
        if self.plan_bar is None:
            self.plan_bar = self.p.add_task(text, total=None, unit="planning")
        self.p.update(self.plan_bar, description=text)

    def handle(self, ev: QueueEvent) -> None:
        if isinstance(ev, QueueIdle):
            return
        if isinstance(ev, JobEvent) and ev.planning:  # a conversation: in the planning line
            if ev.note:
                self._planning(note=ev.note)
            if ev.state == FAILED and ev.error:
                self.p.console.print(f"[red]✗[/] {ev.label}: {ev.error}", highlight=False)
            return
        if isinstance(ev, QueueTotals):
            self._planning(count=ev.planning)
            if self.store is not None and self.run_ids:
                counts = self.store.run_counts(self.run_ids)
                total = sum(counts.values())
                finished = sum(counts.get(s, 0) for s in FINAL_STATES)
            else:
                total, finished = ev.total, ev.finished
            self.finished, self.total = finished, total
            label = "this run (paused)" if ev.paused else "this run"
            self.p.update(
                self.overall,
                description=f"{label}: {finished}/{total} finished",
                completed=finished,
                total=total or None,
            )
            return
        if ev.state in FINAL_STATES or ev.state == WAITING:
            if ev.job_id in self.bars:
                self.p.remove_task(self.bars.pop(ev.job_id))
            if ev.state == FAILED and ev.error:
                self.p.console.print(
                    f"[red]✗[/] job {ev.job_id} ({ev.label}): {ev.error}", highlight=False
                )
            return
        bar = self.bars.get(ev.job_id)
        if bar is None:
            bar = self.bars[ev.job_id] = self.p.add_task(ev.label, total=None, unit="bytes")
        self.p.update(
            bar, description=f"{ev.label} {ev.state}", completed=ev.bytes_done, total=ev.bytes_total
        )


def cmd_fetch(ctx: Context) -> int:
    a = ctx.args
    if not (a.conversation_ids or a.interval or a.resume):
        raise CommandError("give conversation IDs, --interval, or --resume", code=2)
    target = ctx.target()
    profile = target.profile
    try:
        dest, _ = open_target(a.to or profile.output_dir, profile)
        for g in a.conversation_ids or []:
            uuid_id(g)  # refused before any request (exit 2)
        interval = parse_interval(a.interval) if a.interval else None
    except (SinkError, ValueError, InvalidId) as e:
        raise CommandError(str(e), code=2) from None
    choices = dict(workers=a.workers, batch=a.batch, restore_archived=a.restore_archived)

    news: list[str] = []  # set once the jobs were handed to another process
    asked = {k: True for k, v in (("batch", a.batch), ("restore", a.restore_archived)) if v}

    async def go() -> tuple[list[int] | None, PullService, str]:
        async with ctx.services(**choices) as services:  # jobs are kept per org
            columns = [
                TextColumn("{task.description}"),
                BarColumn(),
                _Amount(),
                _Speed(),
                TimeRemainingColumn(),
            ]
            with Progress(*columns, console=ctx.err, transient=True, disable=a.quiet) as progress:
                view = ProgressView(progress)
                service = services.pull
                service.on_event = view.handle
                search = None
                if interval:
                    flt = await retrying(lambda: build_filter(services.browse, a))
                    search = Search(*interval, flt, a.has_recording is False, a.limit or 0)
                unseen = a.quiet or not ctx.err.is_terminal  # no bars drawn: a line now and then
                ticker = asyncio.create_task(heartbeat(ctx, view, HEARTBEAT)) if unseen else None

                def told(text: str) -> None:
                    news.append(text)
                    progress.console.print(f"fetch: {text}", highlight=False, markup=False)

                try:
                    planned = await service.plan(
                        a.conversation_ids or [], a.format, dest, search, asked or None
                    )
                    report_plan(ctx, planned, a.format, dest)
                    view.follow(service.store, planned.job_ids)
                    ids = (
                        None
                        if (a.resume and not planned.job_ids)
                        else service.with_children(planned.job_ids)
                    )
                    if planned.in_progress and not planned.job_ids and not a.resume:
                        return None, service, RAN  # only calls still going: nothing to do now
                    how = await service.run_or_hand_over(ids, wait=not a.no_wait, on_news=told)
                finally:
                    if ticker is not None:
                        ticker.cancel()
            return planned.job_ids, service, how

    try:
        planned, service, how = run(go())
    except (QueueBusy, DiskFull) as e:
        raise CommandError(str(e)) from None
    except (OSError, sqlite3.OperationalError) as e:  # while planning: the store's disk
        if full := disk_full(e, ctx.paths.data_dir):
            raise CommandError(str(full)) from None
        raise
    except KeyboardInterrupt:
        if news:  # handed over: the jobs go on there
            ctx.err.print(
                "stopped following: the jobs stay in the queue of the genesys-tui that runs it "
                "(`genesys-tui jobs` lists them)",
                highlight=False,
            )
        else:
            ctx.err.print(
                "interrupted: run the same command again (or `genesys-tui fetch --resume`) "
                "to continue",
                highlight=False,
            )
        return 130
    if planned is None:
        return 3  # nothing to fetch yet (said above): see the README's exit codes
    if how == HANDED:
        ctx.err.print(
            "queued there: `genesys-tui jobs` (or its Queue screen) shows how they get on",
            highlight=False,
        )
        return 0
    if how == UNTAKEN:
        ctx.err.print(
            "not taken yet: they stay queued, and run when that genesys-tui answers or the next "
            "one starts (`genesys-tui jobs cancel ID` drops them)",
            highlight=False,
        )
        return 1
    store = service.store
    ids = service.with_children(planned) if planned else None
    jobs = [j for j in ([store.get(i) for i in ids] if ids else store.all()) if j]
    return summary(ctx, jobs)


def report_plan(ctx: Context, plan: Plan, fmt_name: str, dest: str) -> None:
    if plan.conversations:
        ctx.err.print(
            f"{plan.conversations} conversation(s) to fetch as {fmt_name} into {dest}",
            highlight=False,
        )
    if plan.retried:
        ctx.err.print(
            f"trying again {plan.retried} job(s) that failed in an earlier run", highlight=False
        )
    for cid in plan.in_progress[:20]:
        ctx.err.print(
            f"{cid}: in progress: its recording comes when the call ends", highlight=False
        )
    if len(plan.in_progress) > 20:
        ctx.err.print(f"... and {len(plan.in_progress) - 20} more in progress", highlight=False)


def summary(ctx: Context, everything: list[Job]) -> int:
    """Counts per state of the recordings; every failure listed, a conversation's own too (one
    that could not be expanded has no recording jobs to count). Printed even with -q."""
    jobs = [j for j in everything if not j.is_expansion]
    counts: dict[str, int] = {}
    for j in jobs:
        counts[j.state] = counts.get(j.state, 0) + 1
    t = Table(title="fetch summary", show_edge=False)
    t.add_column("state")
    t.add_column("recordings", justify="right")
    for state in STATES:
        if counts.get(state):
            t.add_row(state, str(counts[state]))
    if jobs:
        ctx.out.print(t)
    failed = [j for j in everything if j.state == FAILED]
    for j in failed[:20]:
        what = "conversation" if j.is_expansion else j.recording_id
        said = clean(f"✗ {j.conversation_id} {what}: {j.last_error}")
        ctx.err.print(said, highlight=False, markup=False)
    if len(failed) > 20:
        ctx.err.print(
            f"... and {len(failed) - 20} more (genesys-tui jobs --state failed)", highlight=False
        )
    if failed:
        ctx.err.print(
            "run the same command again, or `genesys-tui jobs retry`, to try the failed ones again",
            highlight=False,
        )
    waiting = [j for j in jobs if j.state == WAITING]
    if waiting:
        ctx.err.print(
            f"{len(waiting)} recording(s) are being restored from the archive; run again later",
            highlight=False,
        )
    empty = [j for j in everything if j.is_expansion and j.last_error == NO_RECORDINGS]
    for j in empty[:20]:
        ctx.err.print(f"{j.conversation_id}: the conversation has no recordings", highlight=False)
    if len(empty) > 20:
        ctx.err.print(f"... and {len(empty) - 20} more without recordings", highlight=False)
    if not jobs and not failed and everything:  # every conversation asked for had none
        ctx.err.print("nothing to fetch: no recordings in what was asked", highlight=False)
        return 3
    return 0 if jobs and all(j.state == DONE for j in jobs) and not failed else 1


def cmd_jobs(ctx: Context) -> int:
    a = ctx.args
    service = jobs_of(ctx)
    action = a.action or "list"
    if service is None:
        # Jobs are kept per org: this profile has not signed in to one yet.
        ctx.err.print(
            "the queue is empty: nothing was fetched with this profile yet (jobs are kept per org; "
            "--org ORG_ID shows another org's)",
            highlight=False,
        )
        return 0 if action == "list" else 3  # nothing to do
    if action == "retry":
        who = running(service.store.path)
        if who is not None:  # the process running the queue runs them
            service.busy = f"run by {who}"
        n = service.retry_failed(a.ids or None)
        then = (
            f"{who} runs them now (it runs this org's queue)"
            if who
            else "run `genesys-tui fetch --resume` to process them"
        )
        ctx.out.print(f"{n} job(s) queued again; {then}", highlight=False)
        return 0
    if action == "clear":
        try:  # --all: jobs a crash left mid-step too, only while no queue runs them
            n = service.clear(STATES if a.all else [a.state] if a.state else [DONE])
        except QueueBusy as e:
            raise CommandError(str(e)) from None
        ctx.out.print(
            f"removed {n} job(s) from the store (files on disk are kept)", highlight=False
        )
        return 0
    if action == "cancel":
        n = sum(service.cancel(i) for i in a.ids)
        ctx.out.print(f"cancelled {n} of {len(a.ids)} job(s)", highlight=False)
        return 0
    jobs = service.recordings(a.state)
    jobs = jobs[-a.limit :] if a.limit else jobs
    if a.json:
        for j in jobs:
            print(json.dumps(j.to_json()))
        return 0
    t = Table(show_edge=False)
    for col in (
        "ID",
        "Conversation",
        "Recording",
        "Format",
        "State",
        "Tries",
        "Size",
        "Updated (UTC)",
        "Target / error",
    ):
        t.add_column(col, no_wrap=col not in ("Target / error",))
    for j in jobs:
        t.add_row(
            *cells(
                str(j.id),
                j.conversation_id,
                j.recording_id,
                j.format,
                j.state,
                str(j.attempts),
                fmt.size(j.bytes_total),
                j.updated_at[:19].replace("T", " "),
                j.last_error
                if j.state in (FAILED, WAITING)
                else (j.outputs[0]["location"] if j.outputs else j.target),
            )
        )
    ctx.out.print(t)
    counts = service.counts()
    ctx.err.print(
        ", ".join(f"{counts[s]} {s}" for s in STATES if counts.get(s)) or "the queue is empty",
        highlight=False,
    )
    return 0
