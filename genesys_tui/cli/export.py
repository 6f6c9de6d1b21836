"""export: Genesys's own bulk EXPORT of recordings into the org's S3 bucket (start, list, status,
cancel, failed)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from genesys_tui.cli.common import CommandError, Context, interval_arg, is_tty, run
from genesys_tui.core.files import sweep_temps
from genesys_tui.core.terminal import clean
from genesys_tui.flows.export.store import DECLINED, PLANNED, STARTED
from genesys_tui.genesys import states as S
from genesys_tui.genesys.models import RecordingJob


def job_line(j: RecordingJob) -> str:
    """One job in words: state, progress and its counters."""
    q = j.recording_jobs_query or {}
    interval = (q.get("conversationQuery") or {}).get("interval", "")
    counts = (
        f"{j.total_processed_recordings or 0} exported, {j.total_skipped_recordings or 0} skipped, "
        f"{j.total_failed_recordings or 0} failed of {j.total_recordings} recordings "
        f"({j.total_conversations} conversations)"
        if j.total_recordings is not None
        else "not counted yet"
    )
    pct = f" {j.percent_progress}%" if j.percent_progress is not None else ""
    err = f"; {j.error_message}" if j.error_message else ""
    return clean(f"{j.id}  {j.state}{pct}  {interval}  {counts}{err}")  # Genesys's words


def job_doc(j: RecordingJob) -> dict:
    return {
        "id": j.id,
        "state": j.state,
        "percentProgress": j.percent_progress,
        "totalConversations": j.total_conversations,
        "totalRecordings": j.total_recordings,
        "totalProcessedRecordings": j.total_processed_recordings,
        "totalSkippedRecordings": j.total_skipped_recordings,
        "totalFailedRecordings": j.total_failed_recordings,
        "errorMessage": j.error_message,
        "interval": ((j.recording_jobs_query or {}).get("conversationQuery") or {}).get("interval"),
    }


def cmd_export(ctx: Context) -> int:
    return {
        "start": _start,
        "list": _list,
        "status": _status,
        "cancel": _cancel,
        "failed": _failed,
        "reconcile": _reconcile,
    }[ctx.args.export_command](ctx)


def _start(ctx: Context) -> int:
    from genesys_tui.cli.browse import build_filter
    from genesys_tui.flows.browse.table import describe
    from genesys_tui.flows.export.service import left_out

    a = ctx.args
    start, end = interval_arg(a.interval)
    if not a.yes and not is_tty():
        raise CommandError("no terminal to confirm on: pass --yes to start the jobs", code=4)

    async def confirm(piece, job: RecordingJob) -> bool:
        ctx.out.print(
            f"{piece.start} → {piece.end}: {job.total_recordings} recordings in "
            f"{job.total_conversations} conversations (job {job.id})",
            highlight=False,
        )
        if said := left_out(a.include_sensitive):
            ctx.out.print(f"  {said}", highlight=False, markup=False)
        if a.yes:
            return True
        answer = await asyncio.to_thread(input, "Export them to the bucket? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    async def go():
        async with ctx.services() as services:  # exports are kept per org
            service = services.export
            flt = await build_filter(services.browse, a)
            names = await services.client.directory.names()
            export = await service.prepare(
                start,
                end,
                flt,
                description=describe((start, end), flt, names),
                integration=a.integration,
                include_sensitive=a.include_sensitive,
                tell=lambda text: ctx.err.print(f"note: {text}", highlight=False, markup=False),
            )
            done = sum(p.state != PLANNED for p in export.pieces)
            ctx.err.print(
                f"export {export.id}: {len(export.pieces)} job(s)"
                + (f", resuming ({done} begun before)" if done else ""),
                highlight=False,
            )
            return await service.run(
                export,
                confirm,
                lambda s: (
                    ctx.err.print(f"[{s.index + 1}/{len(s.export.pieces)}] {s.text}")
                    if not a.quiet
                    else None
                ),
            )

    try:
        export = run(go())
    except KeyboardInterrupt:
        ctx.err.print("interrupted: `genesys-tui export start` with the same options resumes")
        return 130
    started = [p for p in export.pieces if p.state == STARTED]
    ctx.out.print(
        f"{len(started)} of {len(export.pieces)} job(s) started; follow them with "
        "`genesys-tui export list` (Genesys exports in the background)",
        highlight=False,
    )
    if any(p.job_state == S.FAILED for p in export.pieces):
        return 1
    return 4 if any(p.state == DECLINED for p in export.pieces) else 0


def _list(ctx: Context) -> int:
    async def go():
        async with ctx.services() as services:
            return await services.export.jobs(ctx.args.state)

    jobs = run(go())
    for j in jobs:
        if ctx.args.json:
            print(json.dumps(job_doc(j)), flush=True)
        else:
            ctx.out.print(job_line(j), highlight=False, markup=False)
    if not jobs and not ctx.args.json:
        ctx.err.print("no export jobs", highlight=False)
    return 0


def _status(ctx: Context) -> int:
    async def go():
        async with ctx.services() as services:
            return await services.export.status(ctx.args.job_id)

    j = run(go())
    if ctx.args.json:
        print(json.dumps(job_doc(j)), flush=True)
    else:
        ctx.out.print(job_line(j), highlight=False, markup=False)
    return 0 if j.state != S.FAILED else 1


def _cancel(ctx: Context) -> int:
    async def go():
        async with ctx.services() as services:
            return await services.export.cancel(ctx.args.job_id)

    ctx.out.print(job_line(run(go())), highlight=False, markup=False)
    return 0


def _failed(ctx: Context) -> int:
    async def go() -> int:
        n = 0
        async with ctx.services() as services:
            async for conv, rec in services.export.failed(ctx.args.job_id):
                n += 1
                if ctx.args.json:
                    print(json.dumps({"conversationId": conv, "recordingId": rec}), flush=True)
                else:
                    line = f"conversation {conv}  recording {rec}"
                    ctx.out.print(clean(line), highlight=False, markup=False)
        return n

    n = run(go())
    ctx.err.print(f"{n} recording(s) failed to export", highlight=False)
    return 0


def _reconcile(ctx: Context) -> int:
    from genesys_tui.cli.browse import build_filter
    from genesys_tui.flows.export.bucket import BucketError, DirListing, listing_for
    from genesys_tui.flows.export.reconcile import Manifest, summary_text

    a = ctx.args
    start, end = interval_arg(a.interval)  # a bad one: exit 2, with what would be taken
    try:
        profile = ctx.target().profile
        if a.dir:
            listing = DirListing(a.dir)
        else:
            listing = listing_for(
                a.bucket or profile.export_bucket, a.endpoint_url or profile.s3.endpoint_url
            )
    except (ValueError, BucketError) as e:
        raise CommandError(str(e), code=2) from None
    manifest = Manifest(Path(a.manifest).expanduser() if a.manifest else Path("export-manifest"))
    # what a killed run of this manifest left (no live writer holds it): gone before writing
    names = (manifest.csv_path.name, manifest.jsonl_path.name)
    sweep_temps(manifest.csv_path.parent, older_than_s=60, of=names)

    async def go():
        async with ctx.services() as services:  # exports are kept per org
            service = services.export
            flt = await build_filter(services.browse, a)
            with manifest.writing() as write:
                return await service.reconcile(
                    start, end, flt, listing, write, verify=a.verify, source=a.source
                )

    try:
        summary, notes = run(go())
    except BucketError as e:
        raise CommandError(str(e)) from None
    for note in notes:
        ctx.err.print(note, highlight=False)
    ctx.out.print(summary_text(summary), highlight=False)
    ctx.err.print(f"manifest: {manifest.csv_path} and {manifest.jsonl_path}", highlight=False)
    return 0 if summary.complete else 1
