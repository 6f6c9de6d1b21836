"""Who runs an org's queue. One process at a time holds the queue's lock (an flock the kernel
releases when the process dies, however it dies); the lock file also says who holds it (pid, what,
since when), so another process can name it and check that it is alive rather than assume so."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from genesys_tui.flows.pull.outcomes import QueueBusy

MAX_INFO = 4096  # what is read of the lock file: it is ours, but a file on disk is input


@dataclass(frozen=True)
class Holder:
    pid: int
    by: str  # "the TUI", "fetch", "jobs clear"
    since: str  # ISO time it took the queue

    def __str__(self) -> str:
        return f"{self.by}, pid {self.pid}"

    @property
    def alive(self) -> bool:
        return pid_alive(self.pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def lock_path(store_path: Path) -> Path:
    return store_path.with_suffix(".lock")


def lock_queue(store_path: Path, by: str = "genesys-tui") -> int:
    """Take the queue's lock (one process at a time); QueueBusy, naming the holder, when another
    has it. The lock is the returned descriptor: closing it (or dying) releases it."""
    path = lock_path(store_path)
    fd = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        who = holder(store_path)
        named = f" ({who})" if who else ""
        raise QueueBusy(
            f"another genesys-tui is running this queue{named}; let it finish or stop it first"
        ) from None
    info = {"pid": os.getpid(), "by": by, "since": datetime.now(UTC).isoformat(timespec="seconds")}
    with contextlib.suppress(OSError):  # who holds it is news, not the lock itself
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
    return fd


def holder(store_path: Path) -> Holder | None:
    """Who last took the queue (None when unknown or unreadable). Whether it still holds it is
    the lock's to say: see `held`."""
    try:
        fd = os.open(lock_path(store_path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        raw = os.read(fd, MAX_INFO)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        d = json.loads(raw)
        return Holder(int(d["pid"]), str(d["by"])[:40], str(d["since"])[:40])
    except (ValueError, TypeError, KeyError):
        return None


def running(store_path: Path) -> Holder | None:
    """The process running the queue now, or None when no process does (the lock is free)."""
    try:
        fd = lock_queue(store_path, "a check")
    except QueueBusy:
        return holder(store_path) or Holder(0, "another genesys-tui", "")
    except OSError:
        return None
    os.close(fd)
    return None
