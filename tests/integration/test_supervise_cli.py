"""`genesys-tui supervise ...` and `genesys-tui audit ...` against the emulator over real HTTP, with
a supervisor's refresh token in the (in-memory) keyring, as `login --user` leaves it."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from genesys_tui.cli.main import main
from genesys_tui.core import credentials as creds
from genesys_tui.emulator import EmulatorServer
from tests.conftest import small_org
from tests.integration.helpers import sign_in_supervisor, supervisor_profile


@pytest.fixture
def live_org(tmp_path, monkeypatch):
    """An emulator whose live calls are live now, a config pointing at it, a supervisor signed in."""
    with EmulatorServer(small_org(anchor=datetime.now(UTC))) as srv:
        s = srv.emulator.s
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[profiles.default]\nbase_url = "{srv.base_url}"\nclient_id = "{s.client_id}"\n'
            + supervisor_profile(srv)
        )
        monkeypatch.setenv("GENESYS_TUI_CONFIG", str(cfg))
        sign_in_supervisor(srv)
        yield srv, cfg


def live(srv) -> list[str]:
    org = srv.emulator.org
    return [org.ids[int(i)] for i in np.flatnonzero(org.live)]


def audit_path(isolated_home, srv) -> Path:
    """Kept per org: under the emulator's org id."""
    return (
        Path(isolated_home["XDG_DATA_HOME"])
        / "genesys-tui"
        / "orgs"
        / srv.emulator.org.id
        / "audit"
        / "supervise.jsonl"
    )


def test_calls_as_json_and_table_with_filters(live_org, capsys):
    srv, _ = live_org
    assert main(["supervise", "calls", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["conversationId"] for r in rows} == set(live(srv))
    by = {r["conversationId"]: r for r in rows}
    a = by[live(srv)[1]]["agents"][0]
    assert (
        a["consented"] is True
        and a["consent"] == "true"
        and a["state"] == "connected"
        and a["secondsInState"] > 0
    )
    assert (
        by[live(srv)[3]]["securePause"] is True and by[live(srv)[3]]["agents"][0]["consent"] is None
    )
    queue = by[live(srv)[1]]["queue"]
    assert main(["supervise", "calls", "--json", "--queue", queue]) == 0
    only = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert only and all(r["queue"] == queue for r in only) and len(only) < len(rows)
    assert main(["supervise", "calls", "--agent", a["name"].split()[0]]) == 0
    out = capsys.readouterr()
    assert a["name"] in out.out and "live call(s)" in out.err


def test_monitor_with_yes_prints_the_checks_and_lands(live_org, capsys, isolated_home):
    srv, _ = live_org
    cid = live(srv)[1]
    assert main(["supervise", "monitor", cid, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "✓ agent consent" in out and "✓ call is live" in out and "dispatched (HTTP 201)" in out
    assert "Sam Supervisor (monitor) connected" in " ".join(out.split())
    records = [json.loads(x) for x in audit_path(isolated_home, srv).read_text().splitlines()]
    assert [r["result"] for r in records] == ["allowed", "dispatched"]
    assert main(["audit", "verify"]) == 0
    assert "2 record(s), the chain is intact" in capsys.readouterr().out
    assert main(["audit", "tail", "--json", "-n", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "dispatched"
    assert main(["audit", "tail"]) == 0
    assert "dispatched" in capsys.readouterr().out
    assert main(["supervise", "coach", cid, "--yes"]) == 0  # another role: leave and join
    assert "joins again to coach" in capsys.readouterr().out
    assert main(["supervise", "leave", cid, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "✓ supervisor on the call" in out and "Leave: dispatched" in out
    assert main(["supervise", "leave", cid, "--yes"]) == 3  # not on it any more


def test_refused_exits_3_and_sends_nothing(live_org, capsys):
    srv, _ = live_org
    assert main(["supervise", "barge", live(srv)[2], "--yes"]) == 3
    out, err = capsys.readouterr()
    assert (
        "✗ agent consent" in out
        and "has supervision_consent='false', which is not one of the accepted values {true}" in err
    )
    assert srv.emulator.stats["barge"] == 0


def test_without_yes_and_without_a_terminal_nothing_is_sent(live_org, capsys, monkeypatch):
    srv, _ = live_org
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["supervise", "coach", live(srv)[1]]) == 4
    assert "pass --yes" in capsys.readouterr().err and srv.emulator.stats["coach"] == 0
    assert main(["audit", "tail", "--json"]) == 0
    assert [json.loads(x)["result"] for x in capsys.readouterr().out.splitlines()] == [
        "allowed",
        "cancelled",
    ]


def test_tampering_is_detected(live_org, capsys, isolated_home):
    srv, _ = live_org
    assert main(["supervise", "monitor", live(srv)[1], "--yes"]) == 0
    assert main(["supervise", "barge", live(srv)[2], "--yes"]) == 3
    capsys.readouterr()
    path = audit_path(isolated_home, srv)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace('"refused"', '"allowed"')  # someone hides a refusal
    path.write_text("\n".join(lines) + "\n")
    assert main(["audit", "verify"]) == 1
    assert "tampered" in capsys.readouterr().err


def test_a_notice_needs_a_name_and_a_user_sign_in(live_org, capsys, monkeypatch):
    srv, cfg = live_org
    assert main(["supervise", "notice", live(srv)[1], "--yes"]) == 2
    assert "known notices: none configured" in capsys.readouterr().err
    cfg.write_text(
        cfg.read_text() + '\n[notices.recording]\nflow_id = "f-1"\nmax_duration_seconds = 5\n'
    )
    srv.emulator.s.secure_ivr_seconds = 0.2
    assert main(["supervise", "notice", live(srv)[1], "--notice", "recording", "--yes"]) == 0
    assert "the notice flow COMPLETED" in capsys.readouterr().out
    creds.delete_secret(
        creds.USER_TOKEN, srv.base_url.removeprefix("http://"), srv.emulator.s.pkce_client_id
    )
    assert main(["supervise", "monitor", live(srv)[4], "--yes"]) == 1
    assert "genesys-tui login --user" in capsys.readouterr().err


def test_webhook_secret_and_delivery_from_the_cli(
    live_org, capsys, monkeypatch, memory_keyring, isolated_home
):
    import threading
    import time

    from genesys_tui.core.asgi_thread import ThreadedServer, free_port
    from tests.integration.test_supervise import SECRET, receiver

    srv, cfg = live_org
    port = free_port()
    cfg.write_text(
        cfg.read_text() + f'\n[supervise.webhook]\nurl = "http://127.0.0.1:{port}/hook"\n'
        "timeout_seconds = 2\nmax_backoff_seconds = 5\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["audit", "webhook-secret", "--secret-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert main(["audit", "webhook-secret", "--secret-stdin"]) == 0
    assert SECRET in memory_keyring.store.values() and SECRET not in capsys.readouterr().out
    # the receiver is down: the action still goes through, the records wait in the outbox
    assert main(["supervise", "monitor", live(srv)[1], "--yes"]) == 0
    assert "2 record(s) kept in the outbox" in capsys.readouterr().err
    assert main(["audit", "deliver"]) == 1
    from genesys_tui.flows.supervise.webhook import Outbox

    box = Outbox(audit_path(isolated_home, srv).with_name("webhook-outbox.sqlite3"))
    for _ in range(12):  # 2^12 s without the cap
        box.db.execute("UPDATE outbox SET attempts = attempts + 1")
    assert main(["audit", "deliver"]) == 1
    [(wait,)] = box.db.execute("SELECT MAX(next_at) - ? FROM outbox", (time.time(),)).fetchall()
    assert wait <= 5 * 1.2 + 1  # supervise.webhook.max_backoff_seconds holds
    box.close()
    got: list = []
    server = ThreadedServer(receiver(got, threading.Event()), port=port, name="receiver").start()
    try:
        assert main(["audit", "deliver"]) == 0
        assert "sent 2, pending 0" in capsys.readouterr().out
        assert [b["result"] for _, b in got] == ["allowed", "dispatched"]
        assert main(["supervise", "barge", live(srv)[2], "--yes"]) == 3  # delivered at once now
        assert [b["result"] for _, b in got] == ["allowed", "dispatched", "refused"]
    finally:
        server.stop()


def test_a_full_outbox_disk_is_one_line_and_nothing_is_sent(
    live_org, capsys, monkeypatch, memory_keyring
):
    import sqlite3

    from genesys_tui.flows.supervise.webhook import Outbox

    srv, cfg = live_org
    cfg.write_text(cfg.read_text() + '\n[supervise.webhook]\nurl = "http://127.0.0.1:9/hook"\n')

    def full(self, record, delivery):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Outbox, "add", full)
    assert main(["supervise", "monitor", live(srv)[1], "--yes"]) == 1
    err = capsys.readouterr().err
    assert "webhook outbox could not be written" in err and "Traceback" not in err
    assert srv.emulator.stats["monitor"] == 0


def test_an_unexpected_failure_while_sending_still_records_an_outcome(
    live_org, capsys, monkeypatch, isolated_home
):
    from genesys_tui.genesys.conversations import Conversations

    srv, _ = live_org

    async def broken(self, *a, **kw):
        raise ValueError("an answer we could not read")

    monkeypatch.setattr(Conversations, "supervise", broken)
    assert main(["supervise", "monitor", live(srv)[1], "--yes"]) == 1
    records = [json.loads(x) for x in audit_path(isolated_home, srv).read_text().splitlines()]
    assert [r["result"] for r in records] == ["allowed", "failed"]
    assert "may have reached Genesys" in records[-1]["error"]


def test_unattended_with_a_token_on_stdin_and_no_stored_sign_in(
    live_org, capsys, monkeypatch, isolated_home
):
    """A headless box with no keyring: a user's token piped in acts, and is written nowhere."""
    from tests.integration.helpers import user_tokens

    srv, _ = live_org
    token = user_tokens(srv)["access_token"]
    creds.delete_secret(
        creds.USER_TOKEN, srv.base_url.removeprefix("http://"), srv.emulator.s.pkce_client_id
    )
    cid = live(srv)[1]
    assert main(["supervise", "monitor", cid, "--yes"]) == 1  # nothing stored: says what to do
    err = capsys.readouterr().err
    assert "--token-stdin" in err and "--sign-in" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert main(["supervise", "monitor", cid, "--yes", "--token-stdin"]) == 0
    assert "dispatched (HTTP 201)" in capsys.readouterr().out
    assert srv.emulator.stats["monitor"] == 1
    home = Path(isolated_home["XDG_DATA_HOME"]).parent
    assert not any(token in p.read_text(errors="ignore") for p in home.rglob("*") if p.is_file())
    monkeypatch.setattr("sys.stdin", io.StringIO("not a token\n"))
    assert main(["supervise", "monitor", cid, "--yes", "--token-stdin"]) == 1
    assert "not an access token" in capsys.readouterr().err


def watch_stepped(srv, argv: list[str]) -> int:
    """`main(argv)` (a watch that ends by --events) on a thread while the org's stepped clock
    moves on, a quarter second at a time, until it returns."""
    import threading
    import time

    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    t.start()
    deadline = time.monotonic() + 120  # a bound on a hung watch, not a timing assertion
    while t.is_alive() and time.monotonic() < deadline:
        srv.advance(0.25)
        t.join(0.02)
    t.join(5)
    assert result, "the watch did not stop after --events"
    return result[0]


def test_watch_prints_changes_and_alerts_as_json_lines(tmp_path, monkeypatch, capsys):
    from genesys_tui.flows.supervise import board, watch

    settings = small_org(live_rate=120.0, duration_scale=0.05, stepped_clock=True)
    # Alerts are evaluated on each change and on a tick: a tick as often as the clock is stepped,
    # so an alert is never crowded out of the first events on a slow machine.
    monkeypatch.setattr(watch, "TICK", 0.02)
    with EmulatorServer(settings) as srv:
        s = srv.emulator.s
        # the watch's clock is the org's (stepped) one, as a real org's is the wall clock
        monkeypatch.setattr(
            board, "wall_clock", lambda: datetime.fromtimestamp(srv.emulator.now_ms() / 1000, UTC)
        )
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[profiles.default]\nbase_url = "{srv.base_url}"\nclient_id = "{s.client_id}"\n'
            "[supervise.alerts]\nqueue_wait_seconds = 1\nhold_seconds = 1\n"
            # only those two: a silence or a secure pause could be the first alert on a slow run
            "silence_seconds = 0\nsecure_pause = false\nsentiment_below = -100\n"
        )
        monkeypatch.setenv("GENESYS_TUI_CONFIG", str(cfg))
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", s.client_secret)
        assert watch_stepped(srv, ["supervise", "watch", "--json", "--events", "150"]) == 0
        out = capsys.readouterr()
        events = [json.loads(line) for line in out.out.splitlines()]
        assert len(events) == 150  # --events: exactly that many, then it stops
        kinds = {e["event"] for e in events}
        assert {"new", "changed", "ended", "alert"} <= kinds, kinds
        assert "pushed by Genesys" in out.err
        started = {e["conversationId"] for e in events if e["event"] == "new"}
        ended = {e["conversationId"] for e in events if e["event"] == "ended"}
        assert ended <= started  # every call that ended was announced first
        alert = next(e for e in events if e["event"] == "alert")
        assert alert["alert"]["kind"] in ("waiting", "hold") and alert["conversationId"]
        new = next(e for e in events if e["event"] == "new")
        assert {"queue", "customer", "agents"} <= set(new)
        said = [
            (e["conversationId"], e["alert"]["kind"], e["alert"]["measured"])
            for e in events
            if e["event"] == "alert"
        ]
        assert len(said) == len(set(said)) and all(m for *_, m in said)  # once, with its measure
        assert main(["supervise", "alerts", "--json", "--limit", "1000"]) == 0
        kept = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert {(k["conversation_id"], k["kind"]) for k in kept} >= {(c, k) for c, k, _ in said}
        assert main(["supervise", "alerts", "--ack", kept[0]["id"]]) == 0
        assert "1 alert(s) acknowledged" in capsys.readouterr().out
        assert main(["supervise", "alerts", "--ack-all"]) == 0
        capsys.readouterr()
        assert main(["supervise", "alerts", "--json"]) == 0
        assert capsys.readouterr().out == ""  # none left to acknowledge
        # the text form: one line per event
        assert watch_stepped(srv, ["supervise", "watch", "--events", "20"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 20 and all(len(x.split()) >= 3 for x in lines)
        with pytest.raises(SystemExit) as refused:  # a count must be positive
            main(["supervise", "watch", "--events", "0"])
        assert refused.value.code == 2


def test_queues_and_agents_print_the_floor(live_org, capsys):
    from genesys_tui.emulator import floor as truth

    srv, _ = live_org
    emu = srv.emulator

    def counts() -> dict:  # the org's wall clock moves on: a recount before and one after
        return {
            q.queue_id: (len(q.waiting), q.interacting, q.offered, q.abandoned)
            for q in truth.queue_states(emu, emu.now_ms())
        }

    before = counts()
    assert main(["supervise", "queues", "--json"]) == 0
    after = counts()
    rows = {r["queue_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {q.id for q in emu.org.queues}
    for qid, r in rows.items():
        got = (r["waiting"], r["interacting"], r["offered"], r["abandoned"])
        assert got in (before[qid], after[qid]), (got, before[qid], after[qid])
    now = emu.now_ms()
    assert main(["supervise", "agents"]) == 0
    out = capsys.readouterr().out
    busy = [a for a in truth.agent_states(emu, now) if a.conversation_id]
    assert busy and "INTERACTING" in out and "Presence" in out
    names = {u.id: u.name for u in emu.org.agents}
    assert all(names[a.user_id] in out for a in busy)
