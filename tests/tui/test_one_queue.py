"""The TUI and the CLI share one queue per org (real processes): a `fetch` while the TUI runs
the queue hands its jobs to the TUI and follows them to the end; while a `fetch` runs it, the
TUI's downloads are handed to that fetch, and the queue comes to the TUI when the fetch ends."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import Static

from genesys_tui.core.paths import AppPaths
from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.pull.holder import holder as queue_holder
from genesys_tui.flows.pull.model import DONE
from tests.conftest import small_org
from tests.integration.test_one_queue import finished_calls
from tests.integration.test_queue_kill import env_for
from tests.tui.conftest import SIZE, make_app, notes, settle


def paths_under(xdg: dict[str, str], tmp_path: Path) -> AppPaths:
    """The app's files where a `genesys-tui` process with these XDG variables keeps them."""
    return AppPaths(
        tmp_path / "config.toml",
        Path(xdg["XDG_DATA_HOME"]) / "genesys-tui",
        tmp_path / "cache",
        tmp_path / "log",
    )


async def wait(pilot, what, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_a_fetch_hands_its_jobs_to_the_tui_and_follows_them(tmp_path, isolated_home):
    with EmulatorServer(small_org(conversations=60, seed=31, transcode_seconds=0.05)) as srv:
        (cid,) = finished_calls(srv, 1)
        app = make_app(srv, tmp_path, paths=paths_under(isolated_home, tmp_path))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            pull = app.services.pull
            assert pull.available
            cmd = [
                sys.executable, "-m", "genesys_tui", "fetch", cid, "--base-url", srv.base_url,
                "--to", str(tmp_path / "cli-out"), "-q",
            ]  # fmt: skip
            p = await asyncio.create_subprocess_exec(
                *cmd, env=env_for(srv), stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            said, err = (s.decode() for s in await asyncio.wait_for(p.communicate(), 180))
            assert p.returncode == 0, err
            assert "handed over" in err and "the TUI" in err
            assert "fetch summary" in said and "done" in said
            # the TUI ran it: its Queue shows the job done, and the file is there
            jobs = [j for j in pull.store.all() if j.conversation_id == cid and not j.is_expansion]
            assert jobs and {j.state for j in jobs} == {DONE}
            assert len(list((tmp_path / "cli-out").rglob("*.json"))) == len(jobs)
            await pilot.press("2")
            await wait(pilot, lambda: any(j.conversation_id == cid for j in app.screen.jobs))


async def test_while_a_fetch_runs_the_queue_the_tui_hands_over_then_takes_it(
    tmp_path, isolated_home
):
    import httpx

    with EmulatorServer(small_org(conversations=60, seed=37, transcode_seconds=0.05)) as srv:
        first, second = finished_calls(srv, 2)
        control = httpx.Client(base_url=srv.base_url)
        assert control.post("/__emulator/hold", json={"media_after": 0}).is_success
        cmd = [
            sys.executable, "-m", "genesys_tui", "fetch", first, "--base-url", srv.base_url,
            "--to", str(tmp_path / "out"), "-q",
        ]  # fmt: skip
        holder = subprocess.Popen(
            cmd, env=env_for(srv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        store_path = paths_under(isolated_home, tmp_path).data_dir / "orgs" / srv.emulator.org.id
        try:
            deadline = time.monotonic() + 60
            while (h := queue_holder(store_path / "jobs.sqlite3")) is None or h.pid != holder.pid:
                assert holder.poll() is None and time.monotonic() < deadline, holder.stderr
                time.sleep(0.05)
            app = make_app(srv, tmp_path, paths=paths_under(isolated_home, tmp_path))
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot, app)
                pull = app.services.pull
                await wait(
                    pilot, lambda: control.get("/__emulator/state").json()["stats"].get("s3.held")
                )
                assert f"pid {holder.pid}" in (pull.busy or "")
                meta = {"conversationId": second, "conversationEnd": "2026-05-01T00:00:00Z"}
                pull.enqueue([(second, meta)], "original", str(tmp_path / "out"), False)
                jobs = lambda: [j for j in pull.store.all() if j.conversation_id == second]  # noqa: E731
                await wait(pilot, lambda: pull.store.untaken([j.id for j in jobs()]) == 0)
                await pilot.press("2")
                # the Queue reads the store while another process runs it
                await wait(pilot, lambda: any(j.conversation_id == second for j in app.screen.jobs))
                totals = str(app.screen.query_one("#totals", Static).render())
                assert f"pid {holder.pid}" in totals
                control.post("/__emulator/hold", json={"release": True})
                await asyncio.to_thread(holder.communicate, None, 180)
                assert holder.returncode == 0
                await wait(pilot, lambda: pull.available)  # the queue came to the TUI
                await wait(pilot, lambda: any("runs here again" in n.message for n in notes(app)))
                got = [j for j in jobs() if not j.is_expansion]
                assert got and {j.state for j in got} == {DONE}
        finally:
            if holder.poll() is None:
                holder.kill()
