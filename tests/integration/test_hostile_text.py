"""Text from Genesys that would drive a terminal (escape sequences, bidi overrides, NULs) never
reaches one raw: pushed through the emulator's real WebSocket to a real `supervise watch` process,
the text lines are cleaned, an id that is not one is refused before it becomes a topic, a URL or
a line, and the log file holds none of it. JSON output stays exact."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from genesys_tui.emulator import EmulatorServer
from tests.conftest import small_org
from tests.integration.helpers import Api
from tests.integration.test_supervise_cli import live

EVIL = "\x00\u202e\x1b[2J\x1b]0;pwned\x07"
UNSAFE = ("\x00", "\x1b", "\u202e", "\x07")


class Lines:
    """A process's stdout, a line at a time as it comes (bounded waits, no fixed sleeps)."""

    def __init__(self, p: subprocess.Popen) -> None:
        self.p, self.got, self._buf = p, [], b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(p.stdout, selectors.EVENT_READ)

    def until(self, pred, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while not any(pred(x) for x in self.got):
            assert time.monotonic() < deadline, self.got[-5:]
            assert self.p.poll() is None, self.p.stderr.read()[-2000:]
            if self.sel.select(0.1):
                chunk = os.read(self.p.stdout.fileno(), 65536)
                self._buf += chunk
                *done, self._buf = self._buf.split(b"\n")
                self.got += [d.decode("utf-8", "replace") for d in done]
        return self.got


def test_pushed_hostile_text_is_cleaned_and_a_hostile_id_refused(tmp_path, isolated_home):
    with EmulatorServer(small_org(anchor=datetime.now(UTC))) as srv:
        s = srv.emulator.s
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[profiles.default]\nbase_url = "{srv.base_url}"\nclient_id = "{s.client_id}"\n'
        )
        env = {
            **os.environ,
            "GENESYS_TUI_CONFIG": str(cfg),
            "GENESYS_CLIENT_SECRET": s.client_secret,
        }
        cmd = [sys.executable, "-m", "genesys_tui", "supervise", "watch"]
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out = Lines(p)
            cid = live(srv)[1]
            out.until(lambda x: cid[:8] in x)  # read and subscribed: the calls are listed
            api = Api(srv)
            doc = api.get(f"/api/v2/conversations/calls/{cid}").json()
            org = srv.emulator.org
            queue = org.detail(org.find(cid)).queue_ids[0]
            topic = f"v2.routing.queues.{queue}.conversations.calls"
            for part in doc["participants"]:  # what a hostile Genesys could send in a snapshot
                part["name"] = f"Agent {EVIL}"
                part["address"] = EVIL
            control = httpx.Client(base_url=srv.base_url)
            bad = dict(doc, id=EVIL)
            assert (
                control.post(
                    "/__emulator/notifications", json={"push": {"topic": topic, "body": bad}}
                ).json()["sockets"]
                == 1
            )
            assert (
                control.post(
                    "/__emulator/notifications", json={"push": {"topic": topic, "body": doc}}
                ).json()["sockets"]
                == 1
            )
            lines = out.until(lambda x: "changed" in x and cid[:8] in x)
        finally:
            p.send_signal(signal.SIGINT)
            p.communicate(timeout=30)
        assert not [x for x in lines if any(c in x for c in UNSAFE)], lines
        assert any("Agent ?" in x for x in lines)  # shown, as ? where it was unsafe
        topics = {t for ch in srv.emulator.hub.channels.values() for t in ch.topics}
        assert not [t for t in topics if any(c in t for c in UNSAFE)]  # never a topic
        log = Path(isolated_home["XDG_STATE_HOME"]).rglob("*.log")
        text = "".join(f.read_text(errors="replace") for f in log)
        assert "not one was skipped" in text  # the refused id is said, cleaned
        assert not any(c in text for c in UNSAFE)
