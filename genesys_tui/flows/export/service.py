"""The Export flow's entry point for the CLI (`export …`) and the TUI: Genesys's bulk EXPORT
recording jobs into the org's S3 bucket (reference 4.5). An interval is cut into jobs of at most
MAX_JOB (our choice: Genesys documents no interval limit for a recording job's conversation query,
and a month keeps each job's PENDING query short), created one after another so that no more than
two are pending or processing in the org at once (its limit), each shown with its totals when
Genesys has counted them and started only once confirmed. Where each job stands is kept per org,
so a second `export start` of the same export resumes it. No Textual, no Rich.

A job's conversation query runs against the analytics data lake: "it might take up to 48 hours for
the recording to be included" (the SDK's RecordingJobsQuery, 257.1.0). So the interval is cut at
the lake's dataAvailabilityDate, and the caller is told how much was left for a later run
(recordings exported before are skipped then); a job past it would silently miss those calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.flows.export.bucket import DirListing, S3Listing
from genesys_tui.flows.export.reconcile import Reconciler, Row, Summary
from genesys_tui.flows.export.store import (
    CREATED,
    DECLINED,
    ENDED,
    PLANNED,
    STARTED,
    Export,
    ExportStore,
    Piece,
)
from genesys_tui.genesys import states as S
from genesys_tui.genesys.analytics import (
    MAX_RESULTS,
    ConversationFilter,
    build_query,
    split_interval,
)
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.errors import GenesysError, PermissionDenied
from genesys_tui.genesys.integrations import S3_BULK_ACTIONS, Integrations
from genesys_tui.genesys.modelbase import iso, parse_time
from genesys_tui.genesys.models import RecordingJob
from genesys_tui.genesys.pacing import pacing

MAX_JOB = timedelta(days=31)
ORG_LIMIT = 2  # recording jobs PENDING or PROCESSING at once, org-wide (reference 4.5)
ACTIVE = ("PENDING", "PROCESSING")
OVER = ("FULFILLED", "CANCELLED", "FAILED")


class ExportError(UserError):
    pass


@dataclass(frozen=True)
class Step:
    """What the export is doing, for a progress line."""

    export: Export
    piece: Piece
    index: int  # of the piece, from 0
    text: str


class ExportService:
    def __init__(
        self,
        client: GenesysClient,
        store_path: Path,
        *,
        poll_seconds: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.store = ExportStore(store_path)
        self.poll = pacing().export if poll_seconds is None else poll_seconds
        self._sleep = sleep

    # --- planning -------------------------------------------------------------------------------

    async def integration(self, explicit: str | None = None) -> str:
        """The integration jobs export through: the one given, else the org's single active AWS S3
        Recording Bulk Actions integration."""
        if explicit:
            return explicit
        found = await Integrations(self.client.api).active_of_type(S3_BULK_ACTIONS)
        if not found:
            raise ExportError(
                "the org has no active AWS S3 Recording Bulk Actions integration: set one up "
                "(README: Exporting to your S3 bucket) or pass --integration ID"
            )
        if len(found) > 1:
            names = ", ".join(f"{i.name} ({i.id})" for i in found)
            raise ExportError(f"several active export integrations: {names}; pass --integration ID")
        return found[0].id

    def plan(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None,
        integration_id: str,
        *,
        description: str,
        include_sensitive: bool = False,
    ) -> Export:
        """The export as jobs of at most MAX_JOB each, or the unfinished one already planned with
        the same query (which then resumes)."""
        body = build_query(start, end, flt)
        for key in ("interval", "paging"):  # an AsyncConversationQuery has no paging
            body.pop(key, None)
        query = {
            "action": "EXPORT",
            "integrationId": integration_id,
            "includeRecordingsWithSensitiveData": include_sensitive,
            "includeScreenRecordings": False,
            "conversationQuery": body,
        }
        pieces = [Piece(iso(a), iso(b)) for a, b in split_interval(start, end, MAX_JOB)]
        for old in self.store.load():
            same = old.query == query and [(p.start, p.end) for p in old.pieces] == [
                (p.start, p.end) for p in pieces
            ]
            if same and not old.finished:
                return old
        created = iso(datetime.now(UTC))
        return self.store.add(Export(0, created, description, integration_id, query, pieces))

    async def prepare(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None,
        *,
        description: str,
        integration: str | None = None,
        include_sensitive: bool = False,
        tell: Callable[[str], None] = lambda text: None,
    ) -> Export:
        """The integration found (or the one given), the interval cut at what the data lake holds
        (`tell` says so), then the export planned (or resumed)."""
        found = await self.integration(integration)
        end = await self.lake_end(start, end, tell)
        return self.plan(
            start, end, flt, found, description=description, include_sensitive=include_sensitive
        )

    async def lake_end(
        self, start: datetime, end: datetime, tell: Callable[[str], None]
    ) -> datetime:
        """`end`, or the lake's dataAvailabilityDate when that is sooner; ExportError when the
        lake holds nothing of the interval yet."""
        try:
            lake = await self.client.details_jobs.availability()
        except GenesysError as e:
            tell(
                f"the analytics data lake's availability could not be read ({e}): calls that "
                "ended in the last hours (up to 48) may be left out of the export"
            )
            return end
        if lake is None or lake >= end:
            return end
        at = lake.strftime("%Y-%m-%d %H:%M UTC")
        if lake <= start:
            raise ExportError(
                f"nothing of the interval is in the analytics data lake yet (it holds calls that "
                f"ended before {at}): export it later"
            )
        tell(
            f"the analytics data lake holds calls that ended before {at} (dataAvailabilityDate): "
            f"the last {_span(end - lake)} of the interval is not exportable yet, so this export "
            "stops there; start it again later for the rest (recordings exported before are "
            "skipped)"
        )
        return lake

    def history(self) -> list[Export]:
        return self.store.load()

    # --- running --------------------------------------------------------------------------------

    async def run(
        self,
        export: Export,
        confirm: Callable[[Piece, RecordingJob], Awaitable[bool]],
        on_step: Callable[[Step], None] = lambda s: None,
    ) -> Export:
        """Each job in turn: created when the org has room, followed while Genesys counts it,
        shown to `confirm`, then started (PROCESSING) or cancelled. Saved after every change."""
        for n, piece in enumerate(export.pieces):
            if piece.state in (STARTED, DECLINED, ENDED):
                continue
            step = lambda text, p=piece, k=n: on_step(Step(export, p, k, text))  # noqa: E731
            if piece.state == PLANNED:
                await self._room(step)
                job = await self.client.recordings.create_job(self._query(export, piece))
                piece.job_id, piece.state, piece.job_state = job.id, CREATED, job.state
                self.store.update(export)
                step(f"job {job.id} created; Genesys is finding the recordings")
            job = await self._counted(piece, step)
            piece.job_state = job.state
            piece.conversations, piece.recordings = job.total_conversations, job.total_recordings
            if job.state != S.READY:  # failed or cancelled while it counted
                piece.state = ENDED
                self.store.update(export)
                step(f"job {piece.job_id} is {job.state}: {job.error_message or 'no reason given'}")
                continue
            if not job.total_recordings:  # nothing to export: not worth a job in the org's two
                await self.client.recordings.cancel_job(piece.job_id or "")
                piece.state, piece.job_state = ENDED, "CANCELLED"
                self.store.update(export)
                step(f"no recordings from {piece.start} to {piece.end}: job cancelled")
                continue
            step(f"job {piece.job_id}: {job.total_recordings} recordings counted; confirm to start")
            if not await confirm(piece, job):
                await self.client.recordings.cancel_job(piece.job_id or "")
                piece.state, piece.job_state = DECLINED, "CANCELLED"
                self.store.update(export)
                step(f"job {piece.job_id} not started, and cancelled")
                continue
            started = await self.client.recordings.execute_job(piece.job_id or "")
            piece.state, piece.job_state = STARTED, started.state or "PROCESSING"
            self.store.update(export)
            step(f"job {piece.job_id} started: Genesys exports into the bucket")
        return export

    def _query(self, export: Export, piece: Piece) -> dict:
        q = dict(export.query)
        q["actionDate"] = iso(datetime.now(UTC))
        q["conversationQuery"] = {
            **q["conversationQuery"],
            "interval": f"{piece.start}/{piece.end}",
        }
        return q

    async def _room(self, step: Callable[[str], None]) -> None:
        """Waits while the org has ORG_LIMIT jobs pending or processing (anyone's)."""
        while True:
            jobs = await self.client.recordings.list_jobs(page_size=100)
            active = sum(j.state in ACTIVE for j in jobs)
            if active < ORG_LIMIT:
                return
            step(f"waiting: the org has {active} recording jobs pending or processing (limit 2)")
            await self._sleep(self.poll)

    async def _counted(self, piece: Piece, step: Callable[[str], None]) -> RecordingJob:
        """Follows a job until Genesys has counted it (READY) or it ended."""
        while True:
            job = await self.client.recordings.get_job(piece.job_id or "")
            if job.state != S.PENDING:
                return job
            step(f"job {piece.job_id}: Genesys is finding the recordings (PENDING)")
            await self._sleep(self.poll)

    # --- jobs as Genesys has them -----------------------------------------------------------------

    async def jobs(self, state: str | None = None) -> list[RecordingJob]:
        return await self.client.recordings.list_jobs(job_type="EXPORT", state=state, page_size=100)

    async def status(self, job_id: str) -> RecordingJob:
        return await self.client.recordings.get_job(job_id)

    async def cancel(self, job_id: str) -> RecordingJob:
        job = await self.client.recordings.get_job(job_id)
        if job.state in OVER:
            raise ExportError(f"job {job_id} is {job.state}: there is nothing to cancel")
        await self.client.recordings.cancel_job(job_id)
        self._mark(job_id, "CANCELLED")
        return await self.client.recordings.get_job(job_id)

    def _mark(self, job_id: str, state: str) -> None:
        for export in self.store.load():
            for p in export.pieces:
                if p.job_id == job_id:
                    p.job_state = state
                    p.state = ENDED if p.state != DECLINED else p.state
                    self.store.update(export)
                    return

    async def reconcile(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None,
        listing: S3Listing | DirListing,
        out: Callable[[Row], None],
        *,
        verify: str | None = None,
        source: str = "auto",
    ) -> tuple[Summary, list[str]]:
        """Every recording the interval owed (conversations with recordings, in start order)
        against the bucket, each written to `out`; the failures and skips of every export job
        that touched the interval count in; orphan recordings made in it are listed. Returns the
        summary and what could not be checked.

        `source` is where the owed list comes from: "query" (the synchronous details query),
        "jobs" (an async details job, read by cursor; it holds only what the data lake has, so
        the interval is cut at its dataAvailabilityDate), or "auto": jobs when the query counts
        more than MAX_RESULTS conversations (past what it will page through), else the query."""
        org = await self.client.directory.organization()
        failed: list[tuple[str, str]] = []
        skipped = 0
        for j in await self.jobs():
            if j.state in (S.FULFILLED, S.PROCESSING, S.FAILED) and _overlaps(j, start, end):
                failed += [x async for x in self.failed(j.id or "")]
                skipped += j.total_skipped_recordings or 0

        async def recordings_of(cid: str):
            return await self.client.recordings.list(cid, "NONE", max_wait_ms=0)

        owed = replace(flt or ConversationFilter(), has_recording=True)
        notes: list[str] = []
        if source == "auto":
            source = "jobs" if await self._count(start, end, owed) > MAX_RESULTS else "query"
        if source == "jobs":
            lake = await self.client.details_jobs.availability()
            if lake is not None and lake < end:
                notes.append(
                    f"analytics holds conversations up to {iso(lake)}: the rest of the interval "
                    "is not checked yet"
                )
                end = max(start, lake)
            conversations = self.client.details_jobs.iter_conversations(start, end, owed)
        elif source == "query":
            conversations = self.client.analytics.iter_conversations(start, end, owed)
        else:
            raise ExportError(f"unknown source {source!r}: auto, query or jobs")
        r = Reconciler(
            org.id or "", listing, recordings_of, failed, verify=verify, window=(start, end)
        )
        r.summary.skipped_by_jobs = skipped
        r.summary.source = source
        summary = await r.run(conversations, out) if end > start else r.summary
        try:
            await r.orphans(self.client.recordings.orphans(), start, end, out)
        except PermissionDenied:
            notes.append("orphan recordings not checked: the client lacks recording:orphan:view")
        return summary, notes

    async def _count(self, start: datetime, end: datetime, flt: ConversationFilter) -> int:
        """How many conversations the synchronous query sees (its totalHits, per chunk it would
        ask: approximate, as Genesys says)."""
        total = 0
        for a, b in split_interval(start, end):
            data = await self.client.analytics.query_page(a, b, flt, page_size=1)
            total += int(data.get("totalHits") or 0) if isinstance(data, dict) else 0
        return total

    async def failed(self, job_id: str) -> AsyncIterator[tuple[str, str]]:
        """(conversation id, recording id) of every recording the job failed to export."""
        async for conv, rec in self.client.recordings.failed_recordings(job_id):
            yield conv, rec


def _overlaps(j: RecordingJob, start: datetime, end: datetime) -> bool:
    """Whether a job's conversation interval touches [start, end) (unreadable: assume it does)."""
    interval = ((j.recording_jobs_query or {}).get("conversationQuery") or {}).get("interval", "")
    a, _, b = str(interval).partition("/")
    lo, hi = parse_time(a), parse_time(b)
    return lo is None or hi is None or (lo < end and hi > start)


def left_out(include_sensitive: bool) -> str:
    """What an export's jobs do not take, and why: recordings with sensitive data unless asked
    for (RecordingJobsQuery.includeRecordingsWithSensitiveData, "default value = false")."""
    if include_sensitive:
        return ""
    return (
        "recordings with sensitive data (PCI DSS or PII) are left out: `export start "
        "--include-sensitive` takes them (it needs recording:recording:viewSensitiveData)"
    )


def _span(d: timedelta) -> str:
    minutes = max(1, int(d.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    return " ".join(parts + ([f"{mins} min"] if mins or not parts else []))
