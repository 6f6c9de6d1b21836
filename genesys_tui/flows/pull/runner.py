"""The queue: asyncio workers that take each job through resolve -> download -> verify -> convert
-> store, committing every state change. Separate limits for API calls (the resolver), downloads
and CPU work (a process pool, so the event loop and the TUI stay responsive)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

from genesys_tui.core.errors import UserError
from genesys_tui.core.redact import redact
from genesys_tui.flows.pull.model import (
    CANCELLED,
    CONVERTING,
    DONE,
    DOWNLOADING,
    FAILED,
    FINAL_STATES,
    QUEUED,
    RESOLVING,
    UPLOADING,
    VERIFYING,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.flows.pull.resolve import SOURCE_FORMAT, Media, Resolver, Unavailable
from genesys_tui.flows.pull.sidecar import sidecar
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.media.errors import MediaError
from genesys_tui.storage.presigned import DownloadError, UrlExpired, download
from genesys_tui.storage.sinks import S3Sink, Sink, SinkError

log = logging.getLogger("genesys_tui.pull")
T = TypeVar("T")
OUTPUT_EXT = {
    "wav": ["wav"],
    "mono": ["mono.wav"],
    "webm": ["webm"],
    "split": ["customer.wav", "agent.wav"],
}
CONTENT_TYPES = {
    "wav": "audio/wav",
    "webm": "audio/webm",
    "opus": "audio/opus",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
}


class Retry(Exception):
    """This attempt failed in a way another attempt may fix."""


class Final(Exception):
    """This job cannot succeed; the message says why."""


def classify(e: E.GenesysError) -> Exception:
    """Retry what another attempt may fix (outages, rate limits, a token revoked twice in a row);
    fail at once what it cannot (a wrong ID, a missing permission, refused client credentials)."""
    if isinstance(e, E.AuthenticationError):
        return (
            Retry(str(e))
            if e.code in ("bad.credentials", "authentication.required")
            else Final(str(e))
        )
    if isinstance(e, (E.NotFound, E.PermissionDenied, E.BadRequest, E.UserContextRequired)):
        return Final(redact(str(e)))
    return Retry(redact(str(e)))


async def retrying(call: Callable[[], Awaitable[T]], attempts: int = 4, delay: float = 0.5) -> T:
    """`call()` again after what another attempt may fix (classify: an outage, a 500, a token
    revoked twice in a row), with a growing pause; what it cannot fix is raised at once. Planning
    uses it, so one bad answer never aborts a whole fetch."""
    for n in range(1, attempts + 1):
        try:
            return await call()
        except E.GenesysError as e:
            if n == attempts or isinstance(classify(e), Final):
                raise
            log.info("retrying after %s (attempt %d of %d)", type(e).__name__, n, attempts)
            await asyncio.sleep(delay * n)
    raise AssertionError("unreachable")


class Parked(Exception):
    """The job waits for something slow outside our control (an archive restore)."""


class QueueBusy(Exception):
    pass


class DiskFull(UserError):
    """No space left where the queue writes: the whole run stops (every job would fail the same
    way); the store keeps what it had, and the next run resumes once there is room."""

    def __init__(self, where: str):
        super().__init__(
            f"no space left in {where}: free some space, then run the same command again"
        )
        self.where = where


def disk_full(e: BaseException, fallback: Path) -> DiskFull | None:
    """The DiskFull an error means, if it means one (a write, or SQLite's commit)."""
    if isinstance(e, (OSError, MediaError)) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        name = e.filename if isinstance(e, OSError) else e.path
        return DiskFull(str(Path(name).parent if name else fallback))
    if isinstance(e, sqlite3.OperationalError) and "full" in str(e):
        return DiskFull(str(fallback))
    return None


@dataclass
class QueueOptions:
    workers: int = 4  # concurrent downloads
    api_slots: int = 4  # concurrent API calls
    cpu_workers: int = max(1, (os.cpu_count() or 2))
    batch: bool = False
    restore_archived: bool = False
    max_attempts: int = 5
    retry_delay: float = 2.0
    lookahead: int = 200  # jobs holding a URL at once (presigned URLs expire)
    pool: str = "process"  # or "thread"
    customer_channel: int = 0
    agent_channel: int = 1
    bitrate: int = 32000


def die_with_parent(parent: int) -> None:
    """In each conversion worker: exit as soon as the process that started it is gone (a kill -9
    of `fetch` must not leave workers behind). Linux's parent-death signal where it exists, and a
    watcher thread everywhere (it also catches a parent that died before the signal was set)."""
    import threading

    with contextlib.suppress(Exception):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def sweep_staging(store: JobStore, staging: Path) -> int:
    """Remove staging files (`N.*`, `N/`) of jobs that are finished or no longer in the store (a
    crash, `jobs clear`); returns how many entries went. Unfinished jobs keep theirs (a resume)."""
    removed = 0
    try:
        entries = list(os.scandir(staging))
    except OSError:
        return 0
    for entry in entries:
        head = entry.name.split(".", 1)[0]
        if not head.isdigit():
            continue
        job = store.get(int(head))
        if job is not None and job.state not in FINAL_STATES:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
    return removed


def lock_queue(store: JobStore) -> int:
    """Take the queue's lock (one process at a time); QueueBusy when another holds it. The lock is
    the returned descriptor: closing it (or dying) releases it."""
    fd = os.open(
        store.path.with_suffix(".lock"),
        os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0),
        0o600,
    )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise QueueBusy(
            "another genesys-tui is running this queue; let it finish or stop it first"
        ) from None
    return fd


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
        self._media: dict[
            tuple[str, str], Media
        ] = {}  # from expansions; in memory only (URLs are secret)
        self._downloads = asyncio.Semaphore(self.opts.workers)
        self._window = asyncio.Semaphore(self.opts.lookahead)
        self._pool: Executor | None = None
        self._progress: dict[int, tuple[int, int | None, float]] = {}
        self._lock_fd: int | None = None
        self._last_totals = 0.0
        self._bytes_window: list[tuple[float, int]] = []

    # --- lifecycle -------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the queue (one process at a time) and recover what a crash left mid-step."""
        if self._lock_fd is not None:
            return
        self._lock_fd = lock_queue(self.store)
        # Whatever was mid-step when the last process died goes back to the queue.
        if n := self.store.recover():
            log.info("recovered %d interrupted job(s)", n)
        sweep_staging(self.store, self.staging)
        for job in self.store.unfinished():
            if job.upload_id:
                self._abort_upload(job)

    def _abort_upload(self, job: Job) -> None:
        sink = self.sink_for(job.target)
        if isinstance(sink, S3Sink) and job.upload_id:
            sink.abort_stale(job.upload_id)
        self.store.update(job, upload_id=None)

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.opts.pool == "process":
                self._pool = ProcessPoolExecutor(
                    self.opts.cpu_workers,
                    mp_context=get_context("spawn"),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            else:
                self._pool = ThreadPoolExecutor(self.opts.cpu_workers, thread_name_prefix="convert")
        return self._pool

    async def _cpu(self, name: str, *args):
        """Run CPU work in the pool. If worker processes cannot be started here (an embedding that
        replaced stdio, as a TUI does), fall back to threads: numpy, libsndfile and PyAV release
        the GIL for the heavy parts. A crashed worker (BrokenProcessPool) resets the pool and fails
        this attempt only."""
        # numpy and friends: imported when there is work, not at start-up
        from genesys_tui.flows.pull import work

        fn = getattr(work, name)
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor(), fn, *args)  # spawning happens here
        except (ValueError, OSError) as e:
            if not isinstance(self._pool, ProcessPoolExecutor):
                raise
            log.warning("process pool unavailable (%s); converting in threads", e)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self.opts.pool, self._pool = "thread", None
            future = loop.run_in_executor(self._executor(), fn, *args)
        try:
            return await future
        except BrokenProcessPool:
            self._pool = None
            raise Retry(f"a {name} worker crashed") from None

    async def run(self, job_ids: list[int] | None = None) -> QueueTotals:
        """Work until the given jobs (default: every unfinished job) and the jobs they spawn are
        finished or parked (waiting for a restore)."""
        self.acquire()
        jobs = (
            self.store.unfinished()
            if job_ids is None
            else [j for j in map(self.store.get, job_ids) if j]
        )
        for job in jobs:
            if job.state not in FINAL_STATES and not self._parked(job):
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

    @staticmethod
    def _parked(job: Job) -> bool:
        return (
            job.state == WAITING
        )  # the one reason a job waits: an archived recording being restored

    async def close(self) -> None:
        await self.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
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

    def cancel(self, job_id: int) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            self._cancelled.add(job_id)
            task.cancel()
            task.add_done_callback(lambda _t, jid=job_id: self._record_cancel(jid))
            return
        job = self.store.get(job_id)
        if job and job.state not in FINAL_STATES:
            self._set(job, CANCELLED)

    def _record_cancel(self, job_id: int) -> None:
        """A task cancelled before its first step never ran its own handler (the coroutine was
        never entered): record the cancel here, once."""
        if job_id not in self._cancelled:
            return  # the handler did
        self._cancelled.discard(job_id)
        job = self.store.get(job_id)
        if job is not None and job.state not in FINAL_STATES:
            self._cleanup(job, keep_part=False)
            self._set(job, CANCELLED, last_error="cancelled")

    def cancel_all(self) -> None:
        for job in self.store.unfinished():
            self.cancel(job.id)

    def retry_failed(self, ids: list[int] | None = None) -> int:
        n = self.store.retry_failed(ids)
        for job in self.store.all([QUEUED]):
            if ids is None or job.id in ids:
                self.start(job)
        return n

    # --- events ----------------------------------------------------------------------------------

    def _label(self, job: Job) -> str:
        rec = job.recording_id if job.recording_id != "*" else "all recordings"
        return (
            f"{job.conversation_id[:8]} {rec[:8] if rec != 'all recordings' else rec} {job.format}"
        )

    def _set(self, job: Job, state: str, **changes: Any) -> None:
        self.store.update(job, state=state, **changes)
        if state == FAILED:
            self._cleanup(job, keep_part=False)  # a failed job keeps nothing in staging
        self._event(job)
        self._emit_totals(force=state in FINAL_STATES)

    def _event(self, job: Job, rate: float | None = None, eta: float | None = None) -> None:
        if self.on_event:
            self.on_event(
                JobEvent(
                    job.id,
                    job.state,
                    job.bytes_done,
                    job.bytes_total,
                    rate,
                    eta,
                    job.last_error if job.state in (FAILED, WAITING) else None,
                    self._label(job),
                )
            )

    def totals(self) -> QueueTotals:
        counts = self.store.counts()
        done_bytes = sum(d for d, _, _ in self._progress.values())
        total_bytes = sum(t or d for d, t, _ in self._progress.values())
        now = time.monotonic()
        self._bytes_window = [(t, b) for t, b in self._bytes_window if now - t < 5.0]
        rate = 0.0
        if len(self._bytes_window) >= 2:
            (t0, b0), (t1, b1) = self._bytes_window[0], self._bytes_window[-1]
            rate = (b1 - b0) / max(t1 - t0, 1e-3)
        left = total_bytes - done_bytes
        eta = left / rate if rate > 0 and left > 0 else None
        return QueueTotals(counts, done_bytes, total_bytes, rate, eta, self.paused)

    def _emit_totals(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_event and (force or now - self._last_totals > 0.25):
            self._last_totals = now
            self.on_event(self.totals())

    def _on_bytes(self, job: Job, done: int, total: int | None, started: float) -> None:
        self._progress[job.id] = (done, total, started)
        job.bytes_done, job.bytes_total = done, total
        self._bytes_window.append((time.monotonic(), sum(d for d, _, _ in self._progress.values())))
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed > 0.2 else None
        eta = (total - done) / rate if rate and total else None
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
                self._cleanup(job, keep_part=False)
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
            self._progress.pop(job.id, None)

    def _cancelled_in_store(self, job: Job) -> bool:
        stored = self.store.get(job.id)
        if stored is not None and stored.state == CANCELLED:
            job.state = CANCELLED
            return True
        return False

    async def _expand(self, job: Job) -> None:
        """A conversation-level job becomes one job per recording."""
        while True:
            self._set(job, RESOLVING)
            try:
                found = await self.resolver.expand(
                    job.conversation_id, job.format, self._batch(job)
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
        if not found:
            self._set(job, DONE, last_error="no recordings")
            if self.on_event:
                self.on_event(
                    JobEvent(
                        job.id,
                        DONE,
                        error="the conversation has no recordings",
                        label=self._label(job),
                    )
                )
            return
        for media in found:
            child, created = self.store.add(
                job.conversation_id,
                media.recording_id,
                job.format,
                job.target,
                meta=job.meta,
                parent_id=job.id,
            )
            self._media[(job.conversation_id, media.recording_id)] = media
            if child.state not in FINAL_STATES and not self._parked(child):
                self.start(child)
        self._set(job, DONE, last_error=None)

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
            if self.opts.restore_archived:
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
        part = self.staging / f"{job.id}.{media.ext}.part"
        refreshed = 0
        started = time.monotonic()
        async with self._downloads:
            await self.gate.wait()
            self._set(job, DOWNLOADING)
            while True:
                try:
                    got = await download(
                        self.client.api,
                        media.url,
                        part,
                        etag=job.etag,
                        progress=lambda d, t: self._on_bytes(job, d, t, started),
                        gate=self.gate,
                        on_validator=lambda tag: self.store.update(job, etag=tag),
                    )
                    break
                except UrlExpired:
                    # Presigned URLs live an hour (transcripts ten minutes): ask the API again.
                    refreshed += 1
                    if refreshed > 3:
                        raise Retry("the presigned URL kept being refused (403)") from None
                    media = await self._resolve(job, refresh=True)
                except DownloadError as e:
                    self.store.update(job, etag=None if not part.exists() else job.etag)
                    raise Retry(str(e)) from None
        self.store.update(job, etag=got.etag, bytes_done=got.size, bytes_total=got.size)
        await self.gate.wait()
        self._set(job, VERIFYING)
        verdict = await self._cpu("verify", str(part), media.size, media.duration_ms)
        if not verdict["ok"]:
            part.unlink(missing_ok=True)  # a bad file is never left in place
            self.store.update(job, etag=None)
            raise Retry(f"verification failed: {verdict['problem']}")
        src = self.staging / f"{job.id}.source.{media.ext}"
        os.replace(part, src)
        self.store.update(job, sha256=got.sha256)
        await self.gate.wait()
        self._set(job, CONVERTING)
        as_is = job.format == "original" or (
            not self._uses_batch(job) and job.format in ("wav", "webm")
        )
        out_dir = self.staging / str(job.id)
        if as_is:
            outputs = [
                {"path": str(src), "sha256": got.sha256, "bytes": got.size, "kind": job.format}
            ]
            exts = [media.ext]
        else:
            try:
                outputs = await self._cpu(
                    "convert",
                    str(src),
                    str(out_dir),
                    job.format,
                    self.opts.customer_channel,
                    self.opts.agent_channel,
                    self.opts.bitrate,
                )
            except Exception as e:  # MediaError or a crashed worker
                if disk_full(e, out_dir):
                    raise  # the run stops (the job stays resumable), not the job
                src.unlink(missing_ok=True)
                raise Retry(f"conversion failed: {e}") from None
            exts = OUTPUT_EXT[job.format]
        await self.gate.wait()
        self._set(job, UPLOADING)
        stored = await asyncio.to_thread(self._store_outputs, job, media, outputs, exts, got)
        await asyncio.to_thread(self._cleanup, job, False)  # freeing big files takes a while
        self._set(job, DONE, outputs=stored, last_error=None, bytes_done=got.size)

    def _store_outputs(
        self, job: Job, media: Media, outputs: list[dict], exts: list[str], got
    ) -> list[dict]:
        sink = self.sink_for(job.target)
        rels = sink.names(job.meta, job.recording_id, job.format, exts)
        stored = []
        try:
            for out, rel, ext in zip(outputs, rels, exts, strict=True):
                src = Path(out["path"])
                if isinstance(sink, S3Sink):
                    where = sink.store(
                        src,
                        rel,
                        out["sha256"],
                        meta=job.meta,
                        recording_id=job.recording_id,
                        fmt=job.format,
                        content_type=CONTENT_TYPES.get(
                            ext.rsplit(".", 1)[-1], "application/octet-stream"
                        ),
                        on_upload_id=lambda uid: self.store.update(job, upload_id=uid),
                    )
                else:
                    where = sink.store(src, rel, out["sha256"])
                stored.append(
                    {
                        "location": where,
                        "sha256": out["sha256"],
                        "bytes": out["bytes"],
                        "kind": out["kind"],
                    }
                )
            side_rel = sink.names(job.meta, job.recording_id, job.format, ["json"])[0]
            doc = sidecar(
                job.meta,
                media.recording or {"id": job.recording_id},
                {
                    "formatId": SOURCE_FORMAT[job.format]
                    if not self._uses_batch(job)
                    else "original",
                    "contentType": media.content_type or got.content_type,
                    "bytes": got.size,
                    "sha256": got.sha256,
                },
                [
                    {
                        "file": Path(s["location"].split("/")[-1]).name,
                        "sha256": s["sha256"],
                        "bytes": s["bytes"],
                        "kind": s["kind"],
                    }
                    for s in stored
                ],
            )
            sink.store_json(doc, side_rel)
        except SinkError as e:
            raise Retry(str(e)) from None
        except OSError as e:
            raise Retry(f"cannot store the output: {e.strerror or e}") from None
        except Exception as e:
            if type(e).__module__.startswith("botocore"):
                raise Retry(f"S3: {e}") from None
            raise
        return stored

    def _cleanup(self, job: Job, keep_part: bool) -> None:
        for p in self.staging.glob(f"{job.id}.*"):
            if keep_part and p.suffix == ".part":
                continue
            with contextlib.suppress(OSError):
                p.unlink()
        shutil.rmtree(self.staging / str(job.id), ignore_errors=True)
