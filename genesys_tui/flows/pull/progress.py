"""Transfer rates and times left, per job and for the whole queue, from the byte counts the
downloads report. The queue-wide rate is over the last five seconds, so it follows a change of
speed; a job's is since its download started.

The queue-wide bytes never go backwards: each job counts the most bytes it has ever reported (a
download tried again from the start is counted once), and a job that is done with keeps what it
counted; so the rate, a difference of those counts, is never negative."""

from __future__ import annotations

import time

WINDOW = 5.0  # seconds of history behind the queue-wide rate


class Throughput:
    def __init__(self) -> None:
        self._jobs: dict[int, tuple[int, int | None, float]] = {}  # in flight: (done, total, start)
        self._high: dict[int, int] = {}  # every job of the run -> the most bytes it reported
        self._window: list[tuple[float, int]] = []  # (when, bytes counted by all jobs)

    def record(
        self, job_id: int, done: int, total: int | None, started: float
    ) -> tuple[float | None, float | None]:
        """Note a job's progress; its (rate in bytes/s, seconds left), None while unknown."""
        self._jobs[job_id] = (done, total, started)
        self._high[job_id] = max(self._high.get(job_id, 0), done)
        now = time.monotonic()
        self._window.append((now, sum(self._high.values())))
        elapsed = now - started
        rate = done / elapsed if elapsed > 0.2 else None
        eta = (total - done) / rate if rate and total else None
        return rate, eta

    def forget(self, job_id: int) -> None:
        """The job is no longer in flight (done, failed, or to be tried again): what it counted
        stays counted."""
        self._jobs.pop(job_id, None)

    def overall(self) -> tuple[int, int, float, float | None]:
        """(bytes done, bytes expected, bytes/s over the window, seconds left) of this run's jobs:
        done never goes down, and the rate is never negative."""
        done = sum(self._high.values())
        total = done + sum(
            max(0, (t or d) - self._high.get(j, 0)) for j, (d, t, _) in self._jobs.items()
        )
        now = time.monotonic()
        self._window = [(t, b) for t, b in self._window if now - t < WINDOW]
        rate = 0.0
        if len(self._window) >= 2:
            (t0, b0), (t1, b1) = self._window[0], self._window[-1]
            rate = max(0.0, (b1 - b0) / max(t1 - t0, 1e-3))
        left = total - done
        return done, total, rate, (left / rate if rate > 0 and left > 0 else None)
