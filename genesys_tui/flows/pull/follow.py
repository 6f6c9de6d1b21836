"""Following jobs that another process runs. A `fetch` (or a TUI) whose org's queue is run
elsewhere hands its jobs over through the store (JobStore.offer: the holder takes them within a
second) and reads their progress back from the store as the events the queue itself would have
sent, until they are finished. Whenever the queue's lock comes free (its holder finished, quit or
died: the kernel releases the lock of a dead process), the follower takes the queue and runs what
is left itself, so nothing handed over waits for a process that is gone."""

from __future__ import annotations

import time
from collections.abc import Callable

from genesys_tui.flows.pull.model import (
    DOWNLOADING,
    FINAL_STATES,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.flows.pull.progress import Throughput
from genesys_tui.flows.pull.store import JobStore

FOLLOW_POLL = 0.5  # seconds between looks at the store
SILENT_HOLDER = 20.0  # seconds a hand-over may wait untaken before the holder is called stuck

RAN, FOLLOWED, HANDED, UNTAKEN = "ran", "followed", "handed", "untaken"


class Follower:
    """The progress of jobs run elsewhere, read from the store, as queue events."""

    def __init__(
        self,
        store: JobStore,
        job_ids: list[int],
        on_event: Callable[[JobEvent | QueueTotals], None] | None,
    ):
        self.store, self.job_ids, self.on_event = store, job_ids, on_event
        self._seen: dict[int, tuple[str, int, int | None]] = {}
        self._started: dict[int, float] = {}
        self._notes: dict[int, str] = {}
        self.throughput = Throughput()
        self.paused = False

    def poll(self) -> bool:
        """Report what changed since the last look; whether every job has settled (finished, or
        parked waiting for a restore)."""
        jobs = self.store.family(self.job_ids)
        for job in jobs:
            now = (job.state, job.bytes_done, job.bytes_total)
            if self._seen.get(job.id) == now:
                continue
            self._seen[job.id] = now
            rate = eta = None
            if job.state == DOWNLOADING:
                started = self._started.setdefault(job.id, time.monotonic())
                rate, eta = self.throughput.record(job.id, job.bytes_done, job.bytes_total, started)
            else:
                self.throughput.forget(job.id)
            self._emit(JobEvent.of(job, rate, eta))
        planning = [j for j in jobs if j.is_expansion and j.state not in FINAL_STATES]
        if planning:  # what Genesys is doing for them, as the holder hears it
            by_id = {j.id: j for j in planning}
            for job_id, note in self.store.notes(list(by_id)).items():
                if self._notes.get(job_id) != note:
                    self._notes[job_id] = note
                    job = by_id[job_id]
                    self._emit(
                        JobEvent(job_id, job.state, label=job.label, note=note, planning=True)
                    )
        self._emit(self.totals(jobs))
        return all(_settled(j) for j in jobs)

    def totals(self, jobs: list[Job]) -> QueueTotals:
        done, total, rate, eta = self.throughput.overall()
        planning = sum(1 for j in jobs if j.is_expansion and j.state not in FINAL_STATES)
        self.paused = self.store.setting("paused") == "1"
        return QueueTotals(self.store.counts(), done, total, rate, eta, self.paused, planning)

    def _emit(self, ev: JobEvent | QueueTotals) -> None:
        if self.on_event is not None:
            self.on_event(ev)


def _settled(job: Job) -> bool:
    return job.state in FINAL_STATES or job.state == WAITING
