"""Cancel, retry and clear through PullService, with no queue running (the `jobs` command) and
with one (the TUI): the same outcome in the store either way."""

from __future__ import annotations

import asyncio
import os

import pytest

from genesys_tui.flows.pull.holder import lock_queue
from genesys_tui.flows.pull.model import CANCELLED, DONE, DOWNLOADING, FAILED, QUEUED
from genesys_tui.flows.pull.outcomes import QueueBusy
from genesys_tui.flows.pull.service import PullService


def _service(tmp_path) -> PullService:
    return PullService(None, tmp_path / "jobs.sqlite3", lambda _target: None)  # type: ignore[arg-type,return-value]


def test_cancel_without_a_queue_is_the_runners_cancel(tmp_path):
    svc = _service(tmp_path)
    job, _ = svc.store.add("c", "r", "mono", "/out")
    svc.store.update(job, state=DOWNLOADING)
    part = svc.staging / f"{job.id}.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"half")
    assert svc.cancel(job.id) is True
    got = svc.job(job.id)
    assert got.state == CANCELLED and got.last_error == "cancelled"
    assert not part.exists()  # nothing left half-downloaded for a job that will not resume
    assert svc.cancel(job.id) is False  # finished: nothing to cancel
    assert svc.cancel(999) is False


def test_retry_without_a_queue_queues_and_starts_nothing(tmp_path):
    svc = _service(tmp_path)
    a, _ = svc.store.add("c", "r1", "mono", "/out")
    b, _ = svc.store.add("c", "r2", "mono", "/out")
    svc.store.update(a, state=FAILED, last_error="boom")
    svc.cancel(b.id)
    assert svc.retry_failed([a.id]) == 1
    assert [j.state for j in svc.recordings()] == [QUEUED, CANCELLED]
    assert svc.retry_failed() == 1
    assert svc.counts() == {QUEUED: 2}
    assert not svc.runner._tasks  # nothing runs without the queue (fetch --resume runs them)


def test_clear_keeps_unfinished_jobs_unless_the_queue_is_free(tmp_path):
    svc = _service(tmp_path)
    done, _ = svc.store.add("c", "r1", "mono", "/out")
    svc.store.add("c", "r2", "mono", "/out")
    svc.store.update(done, state=DONE)
    assert svc.clear() == 1 and svc.counts() == {QUEUED: 1}
    fd = lock_queue(svc.store.path)  # another process runs the queue
    try:
        with pytest.raises(QueueBusy):
            svc.clear([QUEUED])
    finally:
        os.close(fd)
    assert svc.clear([QUEUED]) == 1 and svc.counts() == {}


def test_clear_of_unfinished_states_is_refused_while_the_queue_runs_here(tmp_path):
    async def go():
        svc = _service(tmp_path)
        svc.store.add("c", "r", "mono", "/out")
        svc.runner.acquire()
        try:
            with pytest.raises(QueueBusy, match="running here"):
                svc.clear([QUEUED])
            assert svc.counts() == {QUEUED: 1}
        finally:
            await svc.close()

    asyncio.run(go())


def test_what_another_process_asks_of_the_queue_happens_where_it_runs(tmp_path, monkeypatch):
    """Two services on one store stand for two processes (an flock taken twice conflicts even
    within a process): hand-over, cancel and pause reach the one that runs the queue."""
    from genesys_tui.flows.pull import runner as runner_module
    from genesys_tui.flows.pull.holder import running

    monkeypatch.setattr(runner_module, "OFFER_POLL", 0.01)

    async def until(what) -> None:
        for _ in range(500):
            if what():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    async def go():
        here, there = _service(tmp_path), _service(tmp_path)
        started: list[int] = []

        async def process(job):  # a download that takes until it is cancelled
            started.append(job.id)
            await asyncio.Event().wait()

        here.runner._process = process
        here.runner.acquire("the TUI")
        try:
            there.start()
            assert there.busy and f"the TUI, pid {os.getpid()}" in there.busy
            assert str(running(there.store.path)) == f"the TUI, pid {os.getpid()}"
            (job_id,) = there.enqueue([("c1", {})], "mono", "/out", batch=False)
            await until(lambda: job_id in here.runner._tasks)  # taken, running there
            assert there.store.untaken([job_id]) == 0 and started == [job_id]
            # what Genesys is doing for it, as the holder hears it, reaches the follower
            from genesys_tui.flows.pull.follow import Follower

            here.runner._noter(here.job(job_id))("batch 1 of 1: Genesys is preparing 3: 1 ready")
            heard: list = []
            Follower(there.store, [job_id], heard.append).poll()
            notes = [e.note for e in heard if getattr(e, "note", None)]
            assert notes == ["batch 1 of 1: Genesys is preparing 3: 1 ready"]
            there.toggle_pause()
            await until(lambda: here.paused)
            there.toggle_pause()
            await until(lambda: not here.paused)
            assert there.cancel(job_id)
            await until(lambda: job_id not in here.runner._tasks)
            assert here.job(job_id).state == CANCELLED
        finally:
            await here.close()
        assert running(there.store.path) is None  # the queue is free: `start` takes it
        there.start()
        assert there.available
        await there.close()

    asyncio.run(go())


def test_a_holder_that_never_takes_is_said_and_its_end_frees_the_queue(tmp_path, monkeypatch):
    """A hand-over nobody takes: --no-wait gives up (UNTAKEN) and says so; a follower waits,
    says the holder looks stuck, and runs the jobs itself once the lock comes free."""
    from genesys_tui.flows.pull import follow
    from genesys_tui.flows.pull import service as service_module
    from genesys_tui.flows.pull.follow import RAN, UNTAKEN

    monkeypatch.setattr(service_module, "SILENT_HOLDER", 0.05)
    monkeypatch.setattr(service_module, "FOLLOW_POLL", 0.01)
    monkeypatch.setattr(follow, "FOLLOW_POLL", 0.01)

    async def go():
        stuck, there = _service(tmp_path), _service(tmp_path)
        stuck.runner.acquire("the TUI")  # holds the lock, and (no loop then) never looks
        stuck.runner._watch and stuck.runner._watch.cancel()
        job, _ = there.store.add("c1", "r1", "mono", "/out")
        news: list[str] = []
        assert await there.run_or_hand_over([job.id], wait=False, on_news=news.append) == UNTAKEN
        assert there.store.untaken([job.id]) == 1  # still offered: whoever runs the queue next

        ran: list[int] = []

        async def process(j):
            ran.append(j.id)
            there.store.update(j, state=DONE)

        there.runner._process = process

        async def free_later():
            while not any("has not taken the jobs" in n for n in news):
                await asyncio.sleep(0.01)
            await stuck.close()  # the holder ends: the lock is free

        news.clear()
        freer = asyncio.create_task(free_later())
        how = await there.run_or_hand_over([job.id], on_news=news.append)
        await freer
        await there.close()
        return how, ran, news

    how, ran, news = asyncio.run(go())
    assert how == RAN and ran == [1]
    assert "stopped (Ctrl-Z) or hung" in " ".join(news) and "running the rest here" in news[-1]
