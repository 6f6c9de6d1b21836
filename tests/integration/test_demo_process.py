"""`genesys-tui demo`'s emulator in a forked process: it answers once ready, its QA lead is the
one the app is told of, it goes when stopped (no orphan), and one that cannot start says so,
naming its log."""

from __future__ import annotations

import os
import socket

import httpx
import pytest

from genesys_tui.core.ports import free_port
from genesys_tui.emulator.ids import make_uuid
from tests.conftest import small_org

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="processes are forked here")


def test_the_forked_emulator_answers_and_goes(tmp_path):
    from genesys_tui.emulator.org import Org
    from genesys_tui.tui.demo_process import ForkedEmulator

    settings = small_org(conversations=40)
    srv = ForkedEmulator(settings, free_port(), tmp_path / "emu.log").start()
    pid = srv.pid
    try:
        srv.wait_ready(60)
        token = httpx.post(
            f"{srv.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret),
        )
        assert token.status_code == 200 and token.json()["access_token"]
        # the evaluator the demo names without building the org is the org's own QA lead
        assert make_uuid(settings.seed, "supervisor", 0) == Org(settings).supervisors[0].id
    finally:
        srv.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: nothing left behind
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.base_url}/oauth/token", timeout=2)


def test_one_that_cannot_start_says_so(tmp_path):
    from genesys_tui.tui.demo_process import ForkedEmulator

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        srv = ForkedEmulator(small_org(conversations=20), port, tmp_path / "emu.log").start()
        try:
            with pytest.raises(RuntimeError, match="did not start.*emu.log"):
                srv.wait_ready(60)
        finally:
            srv.stop()
    assert (tmp_path / "emu.log").read_text()  # why, in its log (not on the terminal)
