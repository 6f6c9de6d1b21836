"""fetch: pull recordings into the persistent queue and run it; jobs: look at and manage the store."""

from __future__ import annotations

import json
import logging
import os
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
from genesys_tui.cli.common import CommandError, Context, run
from genesys_tui.core import fmt
from genesys_tui.core.ids import InvalidId, safe_id
from genesys_tui.core.intervals import parse_interval
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.pull.model import (
    ALL_RECORDINGS,
    DONE,
    FAILED,
    FINAL_STATES,
    STATES,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.flows.pull.runner import (
    DiskFull,
    QueueBusy,
    QueueOptions,
    QueueRunner,
    disk_full,
    lock_queue,
    retrying,
    sweep_staging,
)
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys import errors as E
from genesys_tui.storage.sinks import SinkError, open_target, sink_factory

log = logging.getLogger("genesys_tui.fetch")


def store_for(ctx: Context) -> JobStore | None:
    """The job store of the org this profile last fetched from (or `--org`); None when there is none."""
    from genesys_tui.context import remembered_scope
    from genesys_tui.core.orgs import OrgUnknown

    try:
        sc = remembered_scope(ctx.target(), ctx.paths, org_id=getattr(ctx.args, "org", None))
    except OrgUnknown:
        return None
    return JobStore(sc.job_store)


class _Amount(ProgressColumn):
    """Bytes for a download's bar, recordings for the overall one."""

    def __init__(self) -> None:
        super().__init__()
        self.bytes = DownloadColumn()

    def render(self, task):
        if task.fields.get("unit") == "recordings":
            total = "?" if task.total is None else f"{task.total:.0f}"
            return Text(f"{task.completed:.0f}/{total} recordings", style="progress.download")
        return self.bytes.render(task)


class _Speed(TransferSpeedColumn):
    """Bytes per second on a download's bar; none on the overall one (it counts recordings)."""

    def render(self, task):
        return Text("") if task.fields.get("unit") == "recordings" else super().render(task)


class ProgressView:
    """Rich progress bars for the queue's events: one overall bar for this run's recordings (not the
    whole store) and one per active download."""

    def __init__(
        self, progress: Progress, store: JobStore | None = None, run_ids: list[int] | None = None
    ):
        self.p = progress
        self.store, self.run_ids = store, run_ids
        self.overall: TaskID = progress.add_task("this run", total=None, unit="recordings")
        self.bars: dict[int, TaskID] = {}

    def handle(self, ev: JobEvent | QueueTotals) -> None:
        if isinstance(ev, QueueTotals):
            if self.store is not None and self.run_ids:
                counts = self.store.run_counts(self.run_ids)
                total = sum(counts.values())
                finished = sum(counts.get(s, 0) for s in FINAL_STATES)
            else:
                total, finished = ev.total, ev.finished
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
    except (SinkError, ValueError) as e:
        raise CommandError(str(e), code=2) from None
    m = ctx.config.media
    opts = QueueOptions(
        workers=a.workers,
        batch=a.batch,
        restore_archived=a.restore_archived,
        customer_channel=m.customer_channel,
        agent_channel=m.agent_channel,
        bitrate=m.opus_bitrate,
    )

    async def go() -> tuple[list[int], JobStore]:
        from genesys_tui.context import client_credentials_client, org_scope

        async with client_credentials_client(target) as client:
            sc = await org_scope(client, target, ctx.paths)  # jobs are kept per org
            store = JobStore(sc.job_store)
            staging = sc.staging
            planned = await plan(ctx, client, store, dest)
            columns = [
                TextColumn("{task.description}"),
                BarColumn(),
                _Amount(),
                _Speed(),
                TimeRemainingColumn(),
            ]
            with Progress(*columns, console=ctx.err, transient=True, disable=a.quiet) as progress:
                view = ProgressView(progress, store, planned or None)
                runner = QueueRunner(
                    client, store, staging, sink_factory(profile), opts, on_event=view.handle
                )
                try:
                    ids = None if (a.resume and not planned) else with_children(store, planned)
                    await runner.run(ids)
                finally:
                    await runner.close()
            return planned, store

    try:
        planned, store = run(go())
    except (QueueBusy, DiskFull) as e:
        raise CommandError(str(e)) from None
    except (OSError, sqlite3.OperationalError) as e:  # while planning: the store's disk
        if full := disk_full(e, ctx.paths.data_dir):
            raise CommandError(str(full)) from None
        raise
    except KeyboardInterrupt:
        ctx.err.print(
            "interrupted: run the same command again (or `genesys-tui fetch --resume`) to continue",
            highlight=False,
        )
        return 130
    jobs = [
        j
        for j in ([store.get(i) for i in with_children(store, planned)] if planned else store.all())
        if j
    ]
    return summary(ctx, jobs)


def with_children(store: JobStore, ids: list[int]) -> list[int]:
    out = list(ids)
    for i in ids:
        out += [c.id for c in store.children(i)]
    return out


async def plan(ctx: Context, client, store: JobStore, dest: str) -> list[int]:
    """Jobs for the requested conversations: one conversation-level job each, which expands into
    one job per recording. Existing jobs (same conversation, format and target) are reused."""
    a = ctx.args
    names = await retrying(client.directory.names)
    metas: dict[str, dict] = {}
    unplanned: dict[str, str] = {}
    if a.interval:
        start, end = parse_interval(a.interval)
        flt = await retrying(lambda: build_filter(client, a))

        async def search() -> None:  # again from the top after a failure: what was found is kept
            async for s in client.analytics.iter_conversations(start, end, flt):
                if s.has_recording or a.has_recording is False:
                    metas.setdefault(s.conversation_id, job_meta.from_summary(s, names))
                    if a.limit and len(metas) >= a.limit:
                        return

        await retrying(search)
    try:  # " ID " from a spreadsheet is the same ID
        wanted = [
            cid
            for cid in dict.fromkeys(
                safe_id(g, "conversation id") for g in a.conversation_ids or []
            )
            if cid not in metas
        ]
    except InvalidId as e:
        raise CommandError(str(e), code=2) from None
    if wanted:  # 100 ids a request from analytics; what it does not know yet is read one by one
        try:
            found = await retrying(lambda: client.analytics.summaries_by_id(wanted))
        except E.GenesysError as e:
            log.info("the multi-get failed (%s): reading the conversations one by one", e)
            found = {}
        metas.update(
            {cid: job_meta.from_summary(found[cid], names) for cid in wanted if cid in found}
        )
    for cid in wanted:
        if cid not in metas:
            try:
                conv = await retrying(lambda cid=cid: client.conversations.get(cid))
                metas[cid] = job_meta.from_conversation(conv, names)
            except E.GenesysError as e:
                # One conversation that cannot be read never stops the others: it is recorded as a
                # failed job (the same command, or `jobs retry`, tries it again) and planning goes on.
                unplanned[cid] = str(e)
    ids = []
    for cid, why in unplanned.items():
        job, _ = store.add(cid, ALL_RECORDINGS, a.format, dest, {"conversationId": cid})
        store.update(job, state=FAILED, last_error=f"could not be planned: {why}")
        ids.append(job.id)
    retried = 0
    for cid, meta in metas.items():
        job, created = store.add(cid, ALL_RECORDINGS, a.format, dest, meta)
        ids.append(job.id)
        if not created:  # the same request again: what failed last time is tried again
            if job.state == FAILED:
                store.update(
                    job, meta=meta
                )  # it may not have been planned then: names need the metadata
            failed = [j.id for j in (job, *store.children(job.id)) if j.state == FAILED]
            retried += store.retry_failed(failed) if failed else 0
    if metas:
        ctx.err.print(
            f"{len(metas)} conversation(s) to fetch as {a.format} into {dest}", highlight=False
        )
    if retried:
        ctx.err.print(
            f"trying again {retried} job(s) that failed in an earlier run", highlight=False
        )
    return ids


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
    ctx.out.print(t)
    failed = [j for j in everything if j.state == FAILED]
    for j in failed[:20]:
        what = "conversation" if j.is_expansion else j.recording_id
        ctx.err.print(f"✗ {j.conversation_id} {what}: {j.last_error}", highlight=False)
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
    return 0 if jobs and all(j.state == DONE for j in jobs) and not failed else 1


def cmd_jobs(ctx: Context) -> int:
    a = ctx.args
    store = store_for(ctx)
    action = a.action or "list"
    if store is None:
        # Jobs are kept per org: this profile has not signed in to one yet.
        ctx.err.print(
            "the queue is empty: nothing was fetched with this profile yet (jobs are kept per org; "
            "--org ORG_ID shows another org's)",
            highlight=False,
        )
        return 0 if action == "list" else 1
    if action == "retry":
        n = store.retry_failed(a.ids or None)
        ctx.out.print(
            f"{n} job(s) queued again; run `genesys-tui fetch --resume` to process them",
            highlight=False,
        )
        return 0
    if action == "clear":
        if a.all:  # jobs a crash left mid-step too: only while no queue runs them
            try:
                fd = lock_queue(store)
            except QueueBusy as e:
                raise CommandError(str(e)) from None
            try:
                n = store.clear(STATES)
            finally:
                os.close(fd)
        else:
            n = store.clear([a.state] if a.state else [DONE])
        sweep_staging(store, store.path.parent / "staging")  # what the cleared jobs left
        ctx.out.print(
            f"removed {n} job(s) from the store (files on disk are kept)", highlight=False
        )
        return 0
    if action == "cancel":
        for i in a.ids:
            job = store.get(i)
            if job and job.state not in FINAL_STATES:
                store.update(job, state="cancelled", last_error="cancelled")
        ctx.out.print(f"cancelled {len(a.ids)} job(s)", highlight=False)
        return 0
    jobs = [j for j in store.all([a.state] if a.state else None) if not j.is_expansion]
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
    ctx.out.print(t)
    counts = store.counts()
    ctx.err.print(
        ", ".join(f"{counts[s]} {s}" for s in STATES if counts.get(s)) or "the queue is empty",
        highlight=False,
    )
    return 0
