"""CPU work of the queue (verify, convert) off the event loop: a process pool so both cores work
and the TUI stays responsive, threads where processes cannot be started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TypeVar

from genesys_tui.flows.pull.housekeeping import conversion_worker
from genesys_tui.flows.pull.outcomes import Retry

log = logging.getLogger("genesys_tui.pull")
A, R = TypeVar("A"), TypeVar("R")
PROCESS, THREAD = "process", "thread"  # what the pool runs work in


@contextlib.contextmanager
def _real_stdio():
    """The process's own stdout and stderr while workers are spawned. A TUI (and pytest) replace
    sys.stderr with an object that has no file descriptor, and multiprocessing hands
    sys.stderr.fileno() to the resource tracker it starts ("bad value(s) in fds_to_keep")."""
    saved = sys.stdout, sys.stderr
    try:
        if sys.__stderr__ is not None and sys.__stdout__ is not None:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        yield
    finally:
        sys.stdout, sys.stderr = saved


class CpuPool:
    def __init__(self, kind: str, workers: int):
        self.kind, self.workers = kind, workers  # PROCESS or THREAD
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.kind == PROCESS:  # (multiprocessing loads with the first conversion)
                from concurrent.futures import ProcessPoolExecutor
                from multiprocessing import get_context

                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=get_context("spawn"),
                    initializer=conversion_worker,
                    initargs=(os.getpid(),),
                )
            else:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="convert")
        return self._pool

    async def run(self, fn: Callable[[A], R], arg: A) -> R:
        """`fn(arg)` in the pool (fn a top-level function, arg picklable). If worker processes cannot be started here (an
        embedding that replaced stdio), fall back to threads: numpy, libsndfile and PyAV release
        the GIL for the heavy parts. A crashed worker (BrokenProcessPool) resets the pool and
        fails this attempt only (Retry)."""
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        try:
            with _real_stdio():  # spawning happens here
                future = loop.run_in_executor(self._executor(), fn, arg)
        except (ValueError, OSError) as e:
            if not isinstance(self._pool, ProcessPoolExecutor):
                raise
            log.warning("process pool unavailable (%s); converting in threads", e)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self.kind, self._pool = THREAD, None
            future = loop.run_in_executor(self._executor(), fn, arg)
        try:
            return await future
        except BrokenProcessPool:
            self._pool = None
            raise Retry(f"a {fn.__name__} worker crashed") from None

    def warm(self, fn: Callable[[], object]) -> None:
        """Start the worker processes now, each running `fn` (its imports), rather than with the
        first conversion: their start then overlaps the planning and the first downloads."""
        if self.kind != PROCESS or self._pool is not None:
            return
        try:
            with _real_stdio():
                pool = self._executor()
                for _ in range(self.workers):  # each submit starts a worker while none is idle
                    pool.submit(fn)
        except (ValueError, OSError) as e:  # run() falls back to threads when it must
            log.debug("workers not started early: %s", e)
            with contextlib.suppress(Exception):
                self.shutdown()

    def shutdown(self, wait: bool = False) -> None:
        """Stop the workers; `wait` for them to exit (idle ones exit at once), so their CPU time
        is accounted to this process and none outlives it."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
