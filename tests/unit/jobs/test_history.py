"""Every state change of a job is kept with its time and why: what the Queue screen's detail pane
shows, through a crash and a retry too."""

from __future__ import annotations

from genesys_tui.flows.pull.model import ALL_RECORDINGS, DONE, DOWNLOADING, FAILED, QUEUED
from genesys_tui.flows.pull.store import JobStore


def test_history_follows_every_change(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    job, _ = store.add("c", "r", "mono", "/out")
    store.update(job, bytes_done=5)  # not a state change: not history
    store.update(job, state=DOWNLOADING)
    store.update(job, state=FAILED, last_error="verification failed: truncated")
    store.retry_failed([job.id])
    store.update(job, state=DOWNLOADING)
    assert store.recover() == 1  # the program stopped mid-download
    states = [(state, err) for _, state, err in store.history(job.id)]
    assert states == [
        (QUEUED, None),
        (DOWNLOADING, None),
        (FAILED, "verification failed: truncated"),
        (QUEUED, "queued again"),
        (DOWNLOADING, None),
        (QUEUED, "interrupted (the program stopped); resumed"),
    ]
    assert all(at.endswith("Z") for at, _, _ in store.history(job.id))


def test_planning_counts_conversations_not_yet_expanded(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    a, _ = store.add("c1", ALL_RECORDINGS, "mono", "/out")
    b, _ = store.add("c2", ALL_RECORDINGS, "mono", "/out")
    store.add("c1", "r1", "mono", "/out", parent_id=a.id)
    assert store.planning() == 2
    store.update(a, state=DONE)
    assert store.planning() == 1 and store.counts() == {QUEUED: 1}
    store.update(b, state=DONE)
    store.clear([DONE])
    assert store.history(a.id) == []  # forgotten with the job
