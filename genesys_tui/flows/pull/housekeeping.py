"""What keeps the queue's directory sound across processes and crashes: one process at a time (a
lock), no staging file outliving its job, no conversion worker outliving its parent."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

from genesys_tui.flows.pull.model import FINAL_STATES
from genesys_tui.flows.pull.outcomes import QueueBusy
from genesys_tui.flows.pull.store import JobStore


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
