"""What keeps the queue's directory sound across processes and crashes: no staging file outliving
its job, no conversion worker outliving its parent."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from genesys_tui.core.processes import die_with_parent
from genesys_tui.flows.pull.model import FINAL_STATES
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.storage.sinks import Sink, SinkError

log = logging.getLogger("genesys_tui.pull")


def conversion_worker(parent: int) -> None:
    """Set up a conversion worker: it dies with its parent, and writes nothing to the terminal
    (the TUI owns it; anything a worker has to say comes back as a result or an exception)."""
    die_with_parent(parent)
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)


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


def recover(store: JobStore, staging: Path, sink_for: Callable[[str], Sink]) -> None:
    """After a crash: jobs caught mid-step go back to the queue (their partial downloads kept),
    staging loses what no unfinished job owns, and multipart uploads left open are aborted."""
    if n := store.recover():
        log.info("recovered %d interrupted job(s)", n)
    sweep_staging(store, staging)
    for job in store.unfinished():
        if job.upload_id:
            with contextlib.suppress(
                SinkError
            ):  # unreachable: the next upload of the key aborts it
                sink_for(job.target).abort_stale(job.upload_id)
            store.update(job, upload_id=None)
