"""One queue per org, whoever adds to it: real processes. A `fetch` while another process runs
the org's queue hands its jobs over and follows them to the end; `--no-wait` exits once they are
taken; when the holder dies (kill -9), the follower takes the queue and runs what is left, the
jobs handed over by a process that is gone included."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.pull.holder import holder
from genesys_tui.flows.pull.model import DONE, QUEUED
from genesys_tui.flows.pull.store import JobStore
from tests.conftest import small_org
from tests.integration.test_queue_kill import env_for


def finished_calls(srv: EmulatorServer, n: int) -> list[str]:
    """n ended calls with recordings any client may download (not archived, not sensitive)."""
    org = srv.emulator.org
    ids = [
        org.ids[i]
        for i in range(len(org.ids))
        if org.recorded[i] and not org.live[i] and not org.archived[i] and not org.sensitive[i]
    ]
    return ids[:n]


def fetch(srv: EmulatorServer, out: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "genesys_tui", "fetch", "--base-url", srv.base_url,
        "--to", str(out), *args,
    ]  # fmt: skip


def until(what, timeout: float = 60.0, *procs: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        for p in procs:
            assert p.poll() is None, p.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def taken_by(store_path: Path, conversation_id: str) -> int | None:
    store = JobStore(store_path)
    try:
        jobs = [j for j in store.all() if j.conversation_id == conversation_id and j.is_expansion]
        if not jobs:
            return None
        row = store.db.execute(
            "SELECT taken_by FROM handoff WHERE job_id = ?", (jobs[0].id,)
        ).fetchone()
        return row[0] if row else None
    finally:
        store.close()


def test_a_second_fetch_hands_over_follows_and_takes_over_when_the_holder_dies(
    tmp_path, isolated_home
):
    with EmulatorServer(small_org(conversations=60, seed=29, transcode_seconds=0.05)) as srv:
        a, b, c = finished_calls(srv, 3)
        out, env = tmp_path / "out", env_for(srv)
        store_path = (
            Path(isolated_home["XDG_DATA_HOME"]) / "genesys-tui" / "orgs" / srv.emulator.org.id
            / "jobs.sqlite3"
        )  # fmt: skip
        control = httpx.Client(base_url=srv.base_url)
        assert control.post("/__emulator/hold", json={"media_after": 0}).is_success
        pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        first = subprocess.Popen(fetch(srv, out, a, "-q"), **pipes)
        try:
            # the first holds the queue, its download held in the emulator
            until(lambda: (h := holder(store_path)) is not None and h.pid == first.pid, 60, first)
            until(lambda: control.get("/__emulator/state").json()["stats"].get("s3.held"), 60)
            second = subprocess.Popen(fetch(srv, out, b, "-q"), **pipes)
            until(lambda: taken_by(store_path, b) == first.pid, 60, first, second)
            # --no-wait: handed, taken, exit 0, while the download is still held
            third = subprocess.run(
                fetch(srv, out, c, "--no-wait"), env=env, capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            assert third.returncode == 0, third.stderr
            assert f"fetch, pid {first.pid}" in third.stderr and "queued there" in third.stderr
            assert taken_by(store_path, c) == first.pid
            first.send_signal(signal.SIGKILL)  # the holder dies with everything in flight
            first.wait(30)
            control.post("/__emulator/hold", json={"release": True})
            said, err = second.communicate(timeout=180)
        finally:
            for p in (first,):
                if p.poll() is None:
                    p.kill()
    assert second.returncode == 0, err
    assert "handed over" in err and "running the rest here" in err
    assert "fetch summary" in said and "done" in said  # as when it runs them itself
    store = JobStore(store_path)
    recordings = [j for j in store.all() if not j.is_expansion]
    by_call = {cid: [j.state for j in recordings if j.conversation_id == cid] for cid in (b, c)}
    # the follower's own, and the one handed over by a process that is gone, both done
    assert all(by_call[b]) and set(by_call[b]) == {DONE}, by_call
    assert by_call[c] and set(by_call[c]) == {DONE}, by_call
    # the dead holder's own job waits for `fetch --resume` (it was told to the user who ran it)
    assert {j.state for j in store.all() if j.conversation_id == a} <= {QUEUED, DONE}
    names = {f.name.split("_", 1)[1].split(".")[0] for f in out.rglob("*") if f.is_file()
             and not f.name.endswith(".json")}  # fmt: skip
    assert {j.recording_id for j in recordings if j.conversation_id in (b, c)} <= names
    assert store.offers() == []
