"""CPU work of the queue (verify, convert) off the event loop: a process pool so both cores work
and the TUI stays responsive, threads where processes cannot be started."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from genesys_tui.flows.pull.housekeeping import die_with_parent
from genesys_tui.flows.pull.outcomes import Retry

log = logging.getLogger("genesys_tui.pull")


class CpuPool:
    def __init__(self, kind: str, workers: int):
        self.kind, self.workers = kind, workers  # kind: "process" or "thread"
        self._pool: Executor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            if self.kind == "process":
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=get_context("spawn"),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
            else:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="convert")
        return self._pool

    async def run(self, name: str, *args):
        """`work.<name>(*args)` in the pool. If worker processes cannot be started here (an
        embedding that replaced stdio), fall back to threads: numpy, libsndfile and PyAV release
        the GIL for the heavy parts. A crashed worker (BrokenProcessPool) resets the pool and
        fails this attempt only (Retry)."""
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
            self.kind, self._pool = "thread", None
            future = loop.run_in_executor(self._executor(), fn, *args)
        try:
            return await future
        except BrokenProcessPool:
            self._pool = None
            raise Retry(f"a {name} worker crashed") from None

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
