"""A child process's tie to its parent: it goes when the parent goes, however the parent ends."""

from __future__ import annotations

import contextlib
import os
import time


def die_with_parent(parent: int) -> None:
    """In a child (a conversion worker, the demo's emulator): exit as soon as the process that
    started it is gone (a kill -9 of `fetch` must not leave workers behind). Linux's parent-death signal where it exists, and a
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
