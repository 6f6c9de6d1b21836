"""The queue's bytes and rate: a download tried again from the start is counted once, a job done
with keeps its bytes, so bytes done never go backwards and the rate is never negative."""

from __future__ import annotations

from genesys_tui.flows.pull import progress
from genesys_tui.flows.pull.progress import Throughput


def test_bytes_never_go_backwards_and_the_rate_is_never_negative(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    t = Throughput()
    seen = []

    def step(job, done, total=1000):
        clock[0] += 0.5
        t.record(job, done, total, 0.0)
        seen.append(t.overall())

    for d in (200, 600, 1000):
        step(1, d)
    t.forget(1)  # finished: its 1,000 bytes stay counted
    seen.append(t.overall())
    for d in (300, 500):
        step(2, d)
    t.forget(2)  # failed: to be tried again
    seen.append(t.overall())
    for d in (0, 100, 500, 900, 1000):  # the retry starts from nothing
        step(2, d)
    dones = [s[0] for s in seen]
    assert dones == sorted(dones) and dones[-1] == 2000  # each job's bytes once
    assert all(s[2] >= 0 for s in seen)  # the rate
    assert all(s[1] >= s[0] for s in seen)  # expected never below done
