"""The queue: asyncio workers that take each job through resolve -> download -> verify -> convert
-> store, committing every state change. Separate limits for API calls (the resolver), downloads
and CPU work (a process pool, so the event loop and the TUI stay responsive)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from genesys_tui.core.redact import redact
from genesys_tui.flows.pull.cpu import CpuPool
from genesys_tui.flows.pull.holder import lock_queue
from genesys_tui.flows.pull.housekeeping import recover
from genesys_tui.flows.pull.model import (
    CANCELLED,
    CONVERTING,
    DONE,
    DOWNLOADING,
    FAILED,
    FINAL_STATES,
    NO_RECORDINGS,
    QUEUED,
    RESOLVING,
    UPLOADING,
    VERIFYING,
    WAITING,
    Job,
    JobEvent,
    QueueOptions,
    QueueTotals,
)
from genesys_tui.flows.pull.outcomes import (
    DiskFull,
    Final,
    Parked,
    Retry,
    classify,
    disk_full,
)
from genesys_tui.flows.pull.outputs import (
    BadDownload,
    clear_staging,
    store_outputs,
    verify_and_convert,
)
from genesys_tui.flows.pull.progress import Throughput
from genesys_tui.flows.pull.resolve import SOURCE_FORMAT, Media, Resolver, Unavailable
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.storage.presigned import Downloaded, DownloadError, fetch_with_refresh
from genesys_tui.storage.sinks import Sink

log = logging.getLogger("genesys_tui.pull")
OFFER_POLL = 0.5  # seconds between looks at the store for what other processes asked of the queue
BYTES_SAVED = 1.0  # seconds between a download's progress written to the store (for followers)


class QueueRunner:
    def __init__(
        self,
        client: GenesysClient,
        store: JobStore,
        staging: Path,
        sink_for: Callable[[str], Sink],
        opts: QueueOptions | None = None,
        on_event: Callable[[JobEvent | QueueTotals], None] | None = None,
    ):
        self.client, self.store, self.staging = client, store, Path(staging)
        self.sink_for = sink_for
        self.opts = opts or QueueOptions()
        self.on_event = on_event
        self.resolver = Resolver(client, batch=self.opts.batch, api_slots=self.opts.api_slots)
        self.gate = asyncio.Event()
        self.gate.set()
        self._tasks: dict[int, asyncio.Task] = {}
        self._cancelled: set[int] = set()
        # Media found by expansions, kept in memory only (URLs are secret).
        self._media: dict[tuple[str, str], Media] = {}
        self._downloads = asyncio.Semaphore(self.opts.workers)
        self._staged = asyncio.Semaphore(self.opts.workers + 2 * self.opts.cpu_workers)
        self._window = asyncio.Semaphore(self.opts.lookahead)
        self.cpu = CpuPool(self.opts.pool, self.opts.cpu_workers)
        self.throughput = Throughput()
        self._lock_fd: int | None = None
        self._watch: asyncio.Task | None = None
        self._looked = datetime.now(UTC)  # cancels made in other processes since are applied
        self._bytes_saved: dict[int, float] = {}
        self._handed: set[int] = set()  # jobs another process handed over (and follows)
        self.notes: dict[int, str] = {}  # job id -> where its planning stands
        self._last_totals = 0.0

    # --- lifecycle -------------------------------------------------------------------------------

    def acquire(self, by: str = "fetch") -> None:
        """Take the queue (one process at a time), recover what a crash left mid-step, and from
        now on run what other processes hand over (what an earlier holder took and left
        unfinished is handed over again)."""
        if self._lock_fd is None:
            self._lock_fd = lock_queue(self.store.path, by)
            recover(self.store, self.staging, self.sink_for)
            self.store.reoffer()
            with contextlib.suppress(RuntimeError):  # no loop (a synchronous caller): no watch
                self._watch = asyncio.get_running_loop().create_task(self._watch_others())

    async def _watch_others(self) -> None:
        """While this process runs the queue: jobs handed over by others start here, and a
        cancel or a pause made in another process (`jobs cancel`, a TUI) takes effect here."""
        while True:
            try:
                self.take_offers()
                self._follow_store()
            except Exception:  # noqa: BLE001 - a busy or full disk now: look again next time
                log.warning("could not read the queue's hand-overs", exc_info=True)
            await asyncio.sleep(OFFER_POLL)

    def take_offers(self) -> int:
        """Start what other processes handed over; how many hand-overs."""
        ids = self.store.offers()
        if not ids:
            return 0
        self.store.take(ids, os.getpid())
        self._handed.update(ids)
        for i in ids:
            for job in (self.store.get(i), *self.store.children(i)):
                if job is not None and job.runnable:
                    self.start(job)
        self._emit_totals(force=True)
        return len(ids)

    def _follow_store(self) -> None:
        # From the last look, less a margin: another process stamps a cancel before it commits it
        since = (self._looked - timedelta(seconds=2)).isoformat(timespec="milliseconds")
        self._looked = datetime.now(UTC)
        since = since.replace("+00:00", "Z")
        for job_id in self.store.cancelled_since(since):
            if job_id in self._tasks and job_id not in self._cancelled:
                self.cancel(job_id)
        paused = self.store.setting("paused") == "1"
        if paused != self.paused:
            self.gate.clear() if paused else self.gate.set()
            self._emit_totals(force=True)

    async def run(self, job_ids: list[int] | None = None) -> QueueTotals:
        """Work until the given jobs (default: every unfinished job) and the jobs they spawn are
        finished or parked (waiting for a restore)."""
        self.acquire()
        jobs = (
            self.store.unfinished()
            if job_ids is None
            else [j for j in map(self.store.get, job_ids) if j]
        )
        if any(job.runnable for job in jobs):
            from genesys_tui.flows.pull.work import warm

            self.cpu.warm(warm)
        for job in jobs:
            if job.runnable:
                self.start(job)
        while self._tasks:
            results = await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)
            full = next((r for r in results if isinstance(r, DiskFull)), None)
            if full is not None:
                await self.stop()  # every job would fail the same way: stop, resumable
                raise full
        self._emit_totals(force=True)
        return self.totals()

    def start(self, job: Job) -> None:
        """Schedule a job (the TUI adds jobs while the queue runs)."""
        if job.id in self._tasks or job.state in FINAL_STATES:
            return
        stored = self.store.get(job.id)  # the caller's copy may be stale: cancelled meanwhile
        if stored is None or stored.state in FINAL_STATES:
            return
        task = asyncio.ensure_future(self._process(job))
        self._tasks[job.id] = task
        task.add_done_callback(lambda _t, jid=job.id: self._tasks.pop(jid, None))

    @staticmethod
    def _batch(job: Job) -> bool:
        """Batch resolution for the whole run (fetch --batch) or for this job (the TUI's choice)."""
        return bool(job.meta.get("batch"))

    def _uses_batch(self, job: Job) -> bool:
        return self.resolver.uses_batch(job.format, self._batch(job))

    async def close(self, wait: bool = False) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        await self.stop()
        self.cpu.shutdown(wait)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def stop(self) -> None:
        """Interrupt everything, leaving jobs resumable (Ctrl-C, quitting the app)."""
        tasks = list(self._tasks.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- controls --------------------------------------------------------------------------------

    def pause(self) -> None:
        self.gate.clear()
        self.store.set_setting("paused", "1")
        self._emit_totals(force=True)

    def resume(self) -> None:
        self.gate.set()
        self.store.set_setting("paused", "0")
        self._emit_totals(force=True)

    @property
    def paused(self) -> bool:
        return not self.gate.is_set()

    @property
    def holds_queue(self) -> bool:
        """Whether this process runs the queue (it took the lock)."""
        return self._lock_fd is not None

    def cancel(self, job_id: int) -> None:
        """Stop the job if it runs here, else record it cancelled (in the store: the TUI, or
        `jobs cancel` with no queue running) the same way: staging removed, "cancelled" said."""
        task = self._tasks.get(job_id)
        if task is not None:
            self._cancelled.add(job_id)
            task.cancel()
            task.add_done_callback(lambda _t, jid=job_id: self._record_cancel(jid))
            return
        self._cancel_stored(job_id)

    def _record_cancel(self, job_id: int) -> None:
        """A task cancelled before its first step never ran its own handler (the coroutine was
        never entered): record the cancel here, once."""
        if job_id not in self._cancelled:
            return  # the handler did
        self._cancelled.discard(job_id)
        self._cancel_stored(job_id)

    def _cancel_stored(self, job_id: int) -> None:
        job = self.store.get(job_id)
        if job is not None and job.state not in FINAL_STATES:
            clear_staging(self.staging, job.id, keep_part=False)
            self._set(job, CANCELLED, last_error="cancelled")

    def cancel_all(self) -> None:
        for job in self.store.unfinished():
            self.cancel(job.id)

    def retry_failed(self, ids: list[int] | None = None) -> int:
        """Queue failed and cancelled jobs again; they start at once when the queue runs here,
        else at the next run (`fetch --resume`)."""
        n = self.store.retry_failed(ids)
        if self.holds_queue:
            for job in self.store.all([QUEUED]):
                if ids is None or job.id in ids:
                    self.start(job)
        return n

    # --- events ----------------------------------------------------------------------------------

    def _set(self, job: Job, state: str, **changes: Any) -> None:
        self.store.update(job, state=state, **changes)
        if state == FAILED:  # a failed job keeps nothing in staging
            clear_staging(self.staging, job.id, keep_part=False)
        self._event(job)
        self._emit_totals(force=state in FINAL_STATES)

    def _event(self, job: Job, rate: float | None = None, eta: float | None = None) -> None:
        if self.on_event:
            self.on_event(JobEvent.of(job, rate, eta))

    def totals(self) -> QueueTotals:
        done, total, rate, eta = self.throughput.overall()
        counts, planning = self.store.counts(), self.store.planning()
        return QueueTotals(counts, done, total, rate, eta, self.paused, planning)

    def _noter(self, job: Job) -> Callable[[str], None]:
        """Where a conversation's planning stands, told as it changes (news: kept in memory, and
        beside its hand-over when another process follows it)."""

        def note(text: str) -> None:
            if self.notes.get(job.id) != text:
                self.notes[job.id] = text
                if job.id in self._handed:  # a follower in another process reads it there
                    with contextlib.suppress(Exception):  # news: never worth failing a job for
                        self.store.set_note(job.id, text)
                if self.on_event:
                    event = JobEvent(job.id, job.state, label=job.label, note=text, planning=True)
                    self.on_event(event)

        return note

    def _emit_totals(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_event and (force or now - self._last_totals > 0.25):
            self._last_totals = now
            self.on_event(self.totals())

    def _on_bytes(self, job: Job, done: int, total: int | None, started: float) -> None:
        job.bytes_done, job.bytes_total = done, total
        now = time.monotonic()
        if now - self._bytes_saved.get(job.id, 0.0) >= BYTES_SAVED:  # what a follower sees
            self._bytes_saved[job.id] = now
            self.store.update(job, bytes_done=done, bytes_total=total)
        rate, eta = self.throughput.record(job.id, done, total, started)
        self._event(job, rate, eta)
        self._emit_totals()

    # --- the pipeline ----------------------------------------------------------------------------

    async def _process(self, job: Job) -> None:
        try:
            await self.gate.wait()
            if job.is_expansion:
                await self._expand(job)
                return
            async with self._window:
                if self._cancelled_in_store(job):  # cancelled while it waited for a slot
                    return
                while True:
                    try:
                        try:
                            await self._attempt(job)
                        except E.GenesysError as ge:
                            raise classify(ge) from None
                        return
                    except Retry as e:
                        attempts = job.attempts + 1
                        if attempts >= self.opts.max_attempts:
                            self._set(
                                job,
                                FAILED,
                                attempts=attempts,
                                last_error=f"{e} (after {attempts} attempts)",
                            )
                            return
                        self._set(job, QUEUED, attempts=attempts, last_error=str(e))
                        await asyncio.sleep(self.opts.retry_delay * attempts)
                        await self.gate.wait()
        except Parked:
            pass
        except Final as e:
            self._set(job, FAILED, last_error=str(e))
        except E.GenesysError as e:
            self._set(job, FAILED, last_error=redact(str(e)))
        except asyncio.CancelledError:
            if job.id in self._cancelled:
                self._cancelled.discard(job.id)
                clear_staging(self.staging, job.id, keep_part=False)
                self._set(job, CANCELLED, last_error="cancelled")
            elif job.state not in FINAL_STATES:
                self._set(job, QUEUED)  # interrupted: resumable, the partial download is kept
            raise
        except Exception as e:  # noqa: BLE001 - one job's bug must not stop the queue
            if full := disk_full(e, self.staging):
                with contextlib.suppress(Exception):
                    self._set(job, QUEUED, last_error=str(full))  # may fail too: recover() mends it
                raise full from None
            log.exception("job %s failed", job.id)
            self._set(job, FAILED, last_error=redact(f"{type(e).__name__}: {e}"))
        finally:
            self.throughput.forget(job.id)
            self._bytes_saved.pop(job.id, None)

    def _cancelled_in_store(self, job: Job) -> bool:
        stored = self.store.get(job.id)
        if stored is not None and stored.state == CANCELLED:
            job.state = CANCELLED
            return True
        return False

    async def _expand(self, job: Job) -> None:
        """A conversation-level job becomes one job per recording; in a batch, each recording
        starts as soon as Genesys has it ready, while the batch goes on."""
        started: set[str] = set()
        while True:
            self._set(job, RESOLVING)
            try:
                found = await self.resolver.expand(
                    job.conversation_id,
                    job.format,
                    self._batch(job),
                    self._noter(job),
                    early=lambda media: self._add_recording(job, media, started),
                )
                break
            except E.NotFound:
                raise Final(f"conversation {job.conversation_id} was not found") from None
            except E.GenesysError as e:
                verdict = classify(e)
                if isinstance(verdict, Final) or job.attempts + 1 >= self.opts.max_attempts:
                    raise Final(str(e)) from None
                self._set(job, QUEUED, last_error=str(e), attempts=job.attempts + 1)
                await asyncio.sleep(self.opts.retry_delay * job.attempts)
        if not found and not started:
            self._set(job, DONE, last_error=NO_RECORDINGS)
            if self.on_event:
                why = "the conversation has no recordings"
                self.on_event(JobEvent(job.id, DONE, error=why, label=job.label, planning=True))
            return
        for media in found:
            self._add_recording(job, media, started)
        self.notes.pop(job.id, None)
        self._set(job, DONE, last_error=None)

    def _add_recording(self, job: Job, media: Media, started: set[str]) -> None:
        """One recording of an expanded conversation, queued and started (once)."""
        if media.recording_id in started:
            return
        started.add(media.recording_id)
        child, _ = self.store.add(
            job.conversation_id,
            media.recording_id,
            job.format,
            job.target,
            meta=job.meta,
            parent_id=job.id,
        )
        self._media[(job.conversation_id, media.recording_id)] = media
        if child.runnable:
            self.start(child)

    async def _resolve(self, job: Job, refresh: bool = False) -> Media:
        cached = None if refresh else self._media.pop((job.conversation_id, job.recording_id), None)
        try:
            media = cached or await self.resolver.media(
                job.conversation_id, job.recording_id, job.format, self._batch(job)
            )
        except E.NotFound:
            raise Final(f"recording {job.recording_id} was not found") from None
        except Unavailable as e:
            raise Retry(str(e)) from None
        if media.archived:
            if self.opts.restore_archived or job.meta.get("restore"):
                await self.resolver.restore(job.conversation_id, job.recording_id)
                self._set(
                    job,
                    WAITING,
                    last_error="archived: restoring (this can take hours); run again later",
                )
                raise Parked()
            raise Final("the recording is archived; rerun with --restore-archived to restore it")
        if not media.url:
            raise Final(media.error or "no media available")
        return media

    async def _attempt(self, job: Job) -> None:
        self._set(job, RESOLVING)
        media = await self._resolve(job)
        # Back-pressure: a download starts only while few enough wait for the CPU, so staging
        # (and the pool's queue) stay small however fast the network is.
        async with self._staged:
            media, got = await self._download(job, media)
            src = self.staging / f"{job.id}.source.{media.ext}"
            os.replace(got.path, src)
            await self.gate.wait()
            # One pass over the download: verified (fully decoded, to the expected duration)
            # while it is converted; a source delivered as it is only decodes.
            as_is = job.format == "original" or (
                not self._uses_batch(job) and job.format in ("wav", "webm")
            )
            self._set(job, VERIFYING if as_is else CONVERTING)
            try:
                outputs, exts = await verify_and_convert(
                    self.cpu, job, src, media, got, self.staging / str(job.id), self.opts, as_is
                )
            except BadDownload as e:
                self.store.update(job, etag=None)  # the next attempt downloads it afresh
                raise Retry(f"verification failed: {e}") from None
        self.store.update(job, sha256=got.sha256)
        await self.gate.wait()
        self._set(job, UPLOADING)
        fmt = "original" if self._uses_batch(job) else SOURCE_FORMAT[job.format]
        sink, on_upload = self.sink_for(job.target), partial(self.store.update, job)
        stored = await asyncio.to_thread(
            store_outputs, sink, job, media, outputs, exts, got, fmt, on_upload
        )
        # freeing big files takes a while: off the loop
        await asyncio.to_thread(clear_staging, self.staging, job.id, False)
        self._set(job, DONE, outputs=stored, last_error=None, bytes_done=got.size)

    async def _download(self, job: Job, media: Media) -> tuple[Media, Downloaded]:
        """The presigned URL into staging (resumed, refreshed when refused); the media it came
        from (a refresh replaces it) and what arrived."""
        part = self.staging / f"{job.id}.{media.ext}.part"
        started = time.monotonic()

        async def refresh() -> str:
            nonlocal media
            media = await self._resolve(job, refresh=True)
            return media.url

        async with self._downloads:
            await self.gate.wait()
            self._set(job, DOWNLOADING)
            try:
                got = await fetch_with_refresh(
                    self.client.api,
                    media.url,
                    part,
                    refresh,
                    what=f"recording {job.recording_id}",
                    etag=job.etag,
                    progress=lambda d, t: self._on_bytes(job, d, t, started),
                    gate=self.gate,
                    on_validator=lambda tag: self.store.update(job, etag=tag),
                )
            except E.PresignedUrlExpired as e:
                raise Retry(str(e)) from None
            except DownloadError as e:
                self.store.update(job, etag=None if not part.exists() else job.etag)
                raise Retry(str(e)) from None
        self.store.update(job, etag=got.etag, bytes_done=got.size, bytes_total=got.size)
        return media, got
