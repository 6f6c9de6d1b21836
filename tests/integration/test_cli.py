"""The CLI commands against the emulator over real HTTP, run in-process (the in-memory keyring is
shared) and, where it matters, as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from genesys_tui.cli.main import main
from genesys_tui.emulator.documents import iso_ms
from tests.integration.test_emulator_contract import recorded_conversation


def interval(srv, days=10) -> tuple[str, int, int]:
    b = srv.emulator.s.anchor + timedelta(hours=1)
    a = b - timedelta(days=days)
    return (
        f"{iso_ms(int(a.timestamp() * 1000))}/{iso_ms(int(b.timestamp() * 1000))}",
        int(a.timestamp() * 1000),
        int(b.timestamp() * 1000),
    )


def test_conversations_json_matches_the_org(demo_env, capsys):
    srv = demo_env
    iv, a, b = interval(srv)
    assert main(["conversations", "--base-url", srv.base_url, "--interval", iv, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    org = srv.emulator.org
    assert {r["conversationId"] for r in rows} == {
        org.ids[i] for i in range(len(org.ids)) if a <= org.start[i] < b
    }
    assert all(
        {"conversationStart", "queueIds", "userIds", "ani", "hasRecording"} <= set(r) for r in rows
    )
    starts = [r["conversationStart"] for r in rows]
    assert starts == sorted(starts, reverse=True)  # newest first, as the TUI lists them
    named = next(r for r in rows if r["queueIds"])
    queue = next(q for q in org.queues if q.id == named["queueIds"][0])
    assert named["queueNames"] == [queue.name]  # names beside the ids
    assert len(named["userNames"]) == len(named["userIds"])


def test_conversations_table_with_names_and_filters(demo_env, capsys):
    srv = demo_env
    iv, _, _ = interval(srv)
    q = srv.emulator.org.queues[0]
    assert (
        main(
            [
                "conversations",
                "--profile",
                "default",
                "--base-url",
                srv.base_url,
                "--interval",
                iv,
                "--queue",
                q.name,
                "--has-recording",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    lines = [ln for ln in out.splitlines() if re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", ln)]
    assert lines and all(q.name in ln and "yes" in ln for ln in lines)
    assert "conversation(s)" in err


def test_numbers_are_normalized_to_what_analytics_stores(demo_env, capsys):
    srv = demo_env
    iv, _, _ = interval(srv)
    org = srv.emulator.org
    i = next(
        k
        for k in range(len(org.ids))
        if not org.outbound[k]
        and not org.live[k]
        and iv.split("/")[0] <= iso_ms(int(org.start[k])) < iv.split("/")[1]
    )
    digits = org.ani(i).removeprefix("tel:+")
    typed = f"+{digits[0]} ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    for value in (typed, digits, f"tel:+{digits}"):
        assert (
            main(
                [
                    "conversations",
                    "--base-url",
                    srv.base_url,
                    "--interval",
                    iv,
                    "--ani",
                    value,
                    "--json",
                ]
            )
            == 0
        )
        assert org.ids[i] in capsys.readouterr().out, value


def test_unknown_queue_name_is_one_line(demo_env, capsys):
    iv, _, _ = interval(demo_env)
    assert (
        main(
            ["conversations", "--base-url", demo_env.base_url, "--interval", iv, "--queue", "Nope"]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.strip() == "genesys-tui: no queue named 'Nope'"


def test_recordings_command(demo_env, capsys):
    srv = demo_env
    cid = recorded_conversation(srv, pause=True)
    assert main(["recordings", cid, "--base-url", srv.base_url, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    d = srv.emulator.org.detail(srv.emulator.org.find(cid))
    assert [r["recordingId"] for r in rows] == [r.id for r in d.recordings]
    assert (
        rows[0]["sizeBytes"] > 0
        and rows[0]["fileState"] == "AVAILABLE"
        and rows[0]["durationMs"] > 0
    )
    assert any(an["reason"] == "SecurePause" for an in rows[0]["annotations"])
    assert main(["recordings", cid, "--base-url", srv.base_url]) == 0
    table = capsys.readouterr().out
    assert "secure pause" in table and "AVAILABLE" in table and "WAV" in table


def test_wrong_id_exits_non_zero_with_one_line(demo_env, capsys):
    assert (
        main(
            ["recordings", "00000000-0000-4000-8000-000000000000", "--base-url", demo_env.base_url]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not found" in err and "correlation id" in err


def test_custom_host_refused(demo_env, capsys):
    assert (
        main(["conversations", "--base-url", "https://api.attacker.example", "--interval", "today"])
        == 1
    )
    assert "--allow-custom-host" in capsys.readouterr().err


def test_bad_config_is_one_line_naming_file_and_key(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[profiles.x]\nrate_limit_per_minute = "lots"\n')
    assert main(["info", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert str(cfg) in err and "profiles.x.rate_limit_per_minute" in err and "Traceback" not in err


def test_info(capsys, isolated_home):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for label in (
        "config file",
        "data dir",
        "cache dir",
        "log file",
        "profile",
        "API host",
        "login host",
        "keyring",
        "audio playback",
    ):
        assert label in out
    assert isolated_home["XDG_CONFIG_HOME"] in out
    assert "https://api.mypurecloud.com" in out and "https://login.mypurecloud.com" in out
    assert "MemoryKeyring (usable)" in out


def test_login_stores_the_secret_and_logout_removes_it(
    emulator, memory_keyring, monkeypatch, capsys, isolated_home
):
    s = emulator.emulator.s
    monkeypatch.setattr(sys, "stdin", io.StringIO(s.client_secret + "\n"))
    assert (
        main(
            ["login", "--base-url", emulator.base_url, "--client-id", s.client_id, "--secret-stdin"]
        )
        == 0
    )
    assert "Signed in to" in capsys.readouterr().out
    stored = list(memory_keyring.store.values())
    assert stored == [s.client_secret]
    # no environment variables: the keyring is used
    iv, _, _ = interval(emulator)
    cfg = Path(isolated_home["XDG_CONFIG_HOME"]) / "lab.toml"
    cfg.write_text(
        f'[profiles.default]\nbase_url = "{emulator.base_url}"\nclient_id = "{s.client_id}"\n'
    )
    assert (
        main(["conversations", "--config", str(cfg), "--interval", iv, "--limit", "3", "--json"])
        == 0
    )
    assert len(capsys.readouterr().out.splitlines()) == 3
    # nothing secret reached a file
    for root, _, files in os.walk(isolated_home["XDG_CONFIG_HOME"].rsplit("/", 1)[0]):
        for f in files:
            assert s.client_secret not in Path(root, f).read_text(errors="replace")
    assert main(["logout", "--config", str(cfg)]) == 0
    assert memory_keyring.store == {}


def test_login_with_a_wrong_secret_stores_nothing(emulator, memory_keyring, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-secret\n"))
    rc = main(
        [
            "login",
            "--base-url",
            emulator.base_url,
            "--client-id",
            emulator.emulator.s.client_id,
            "--secret-stdin",
        ]
    )
    assert rc == 1 and "refused the credentials" in capsys.readouterr().err
    assert memory_keyring.store == {}


def test_login_saves_region_and_client_id_to_a_new_profile(
    emulator, monkeypatch, capsys, isolated_home
):
    """For a real region: the non-secret part of the login goes to the config (verified offline by
    pointing the region's hosts at the emulator)."""
    s = emulator.emulator.s
    monkeypatch.setattr(sys, "stdin", io.StringIO(s.client_secret + "\n"))
    from genesys_tui.genesys import regions

    real_hosts_for = regions.hosts_for

    def to_emulator(region, base_url="", allow_custom_host=False):
        h = real_hosts_for(region, base_url, allow_custom_host)
        return regions.Hosts(h.name, emulator.base_url, emulator.base_url) if not base_url else h

    monkeypatch.setattr("genesys_tui.context.hosts_for", to_emulator)
    assert (
        main(
            [
                "login",
                "--profile",
                "eu",
                "--region",
                "eu_west_1",
                "--client-id",
                s.client_id,
                "--secret-stdin",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    cfg = Path(isolated_home["XDG_CONFIG_HOME"]) / "genesys-tui" / "config.toml"
    assert "saved region and client_id" in out
    text = cfg.read_text()
    assert (
        "[profiles.eu]" in text and 'region = "eu_west_1"' in text and s.client_secret not in text
    )


def _browser(monkeypatch) -> list[str]:
    import webbrowser

    opened: list[str] = []

    def fake_browser(url, new=0):
        opened.append(url)
        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True), daemon=True).start()
        return True

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(webbrowser, "open", fake_browser)
    return opened


def test_login_user_with_pkce_keeps_the_token_and_its_expiry_no_refresh_token(
    fresh_emulator, memory_keyring, monkeypatch, capsys
):
    from tests.conftest import REDIRECT_PORT

    opened = _browser(monkeypatch)
    s = fresh_emulator.emulator.s
    base = ["--base-url", fresh_emulator.base_url]
    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "genesys-tui" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f"[profiles.default]\nredirect_port = {REDIRECT_PORT}\n")
    assert main(["login", "--user", *base, "--client-id", s.pkce_client_id]) == 0
    out, err = capsys.readouterr()
    assert "Signed in as Sam Supervisor" in out and "then sign in again" in out
    assert (
        opened
        and opened[0] in err.replace("\n", "")
        and f"127.0.0.1:{REDIRECT_PORT}/oauth/callback" in err
    )
    ((account, stored),) = memory_keyring.store.items()
    assert account[1].startswith("user-token:") and "refresh" not in stored
    from genesys_tui.context import resolve_target
    from genesys_tui.context.signin import user_client
    from genesys_tui.core.config import Config, Profile

    profile = Profile(
        name="default", base_url=fresh_emulator.base_url, user_client_id=s.pkce_client_id
    )
    target = resolve_target(Config(profiles={"default": profile}))
    import asyncio

    async def who():
        async with user_client(target) as c:
            return await c.directory.me()

    assert asyncio.run(who()).name == "Sam Supervisor"
    # An expired sign-in is "sign in again", before anything is sent.
    memory_keyring.store[account] = json.dumps(
        {**json.loads(stored), "expires_at": time.time() - 5}
    )
    from genesys_tui.core import credentials as creds

    with pytest.raises(creds.CredentialsError, match="sign in again"):
        user_client(target)


def test_a_redirect_uri_that_is_not_registered_is_named(fresh_emulator, monkeypatch, capsys):
    _browser(monkeypatch)
    s = fresh_emulator.emulator.s
    from genesys_tui.core.asgi_thread import free_port

    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "genesys-tui" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg.write_text(f"[profiles.default]\nredirect_port = {port}\n")
    import genesys_tui.genesys.pkce as pkce

    original = pkce.login_with_pkce

    async def quick(*a, **kw):
        return await original(*a, **{**kw, "timeout": 2})

    monkeypatch.setattr(pkce, "login_with_pkce", quick)
    assert (
        main(
            [
                "login",
                "--user",
                "--base-url",
                fresh_emulator.base_url,
                "--client-id",
                s.pkce_client_id,
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert f"register http://127.0.0.1:{port}/oauth/callback as a redirect URI" in err


def test_login_user_with_a_confidential_code_client_renews_itself(
    fresh_emulator, memory_keyring, monkeypatch, capsys
):
    from tests.conftest import REDIRECT_PORT

    _browser(monkeypatch)
    s = fresh_emulator.emulator.s
    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "genesys-tui" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f"[profiles.default]\nredirect_port = {REDIRECT_PORT}\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(s.code_client_secret + "\n"))
    assert (
        main(
            [
                "login",
                "--user",
                "--base-url",
                fresh_emulator.base_url,
                "--client-id",
                s.code_client_id,
                "--secret-stdin",
            ]
        )
        == 0
    )
    assert "renews itself" in capsys.readouterr().out
    kinds = sorted(k[1].split(":")[0] for k in memory_keyring.store)
    assert kinds == ["code-client-secret", "refresh-token", "user-token"]
    refresh = next(v for k, v in memory_keyring.store.items() if k[1].startswith("refresh-token:"))
    from genesys_tui.context import resolve_target
    from genesys_tui.context.signin import user_client
    from genesys_tui.core.config import Config, Profile

    cfg_obj = Config(
        profiles={
            "default": Profile(
                name="default", base_url=fresh_emulator.base_url, user_client_id=s.code_client_id
            )
        }
    )
    import asyncio

    async def who():
        async with user_client(resolve_target(cfg_obj)) as c:
            c.auth._token = (
                None  # force a refresh: it sends the secret and rotates the refresh token
            )
            return await c.directory.me()

    assert asyncio.run(who()).name == "Sam Supervisor"
    assert (
        next(v for k, v in memory_keyring.store.items() if k[1].startswith("refresh-token:"))
        != refresh
    )


def test_logs_never_contain_secrets_tokens_or_signatures(
    fresh_emulator, monkeypatch, capsys, isolated_home
):
    """A full run with --verbose, then search the log file for anything secret."""
    srv = fresh_emulator
    s = srv.emulator.s
    monkeypatch.setenv("GENESYS_CLIENT_ID", s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", s.client_secret)
    srv.emulator.faults.set("503=0.2,revoke=0.1")
    iv, _, _ = interval(srv)
    cid = recorded_conversation(srv)
    assert (
        main(["conversations", "--base-url", srv.base_url, "--interval", iv, "-v", "--json"]) == 0
    )
    assert main(["recordings", cid, "--base-url", srv.base_url, "-v", "--json"]) == 0
    out = capsys.readouterr()
    log = Path(isolated_home["XDG_STATE_HOME"]) / "genesys-tui" / "log" / "genesys-tui.log"
    text = log.read_text()
    assert "client-credentials token" in text and "503" in text  # the run was logged
    everything = text + out.err
    tokens = list(srv.emulator.tokens.tokens)
    assert tokens
    for secret in [s.client_secret, *tokens]:
        assert secret not in everything
    assert not re.search(r"X-Amz-Signature=[0-9a-f]{16}", everything)
    # and the masking itself can fail: an unregistered token-like value passes through
    import logging

    logging.getLogger("genesys_tui.test").warning(
        "Bearer %s and X-Amz-Signature=%s", tokens[0], "ab" * 16
    )
    text2 = log.read_text()
    assert tokens[0] not in text2 and "ab" * 16 not in text2 and "Bearer ***" in text2


def test_emulator_command_in_a_subprocess(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    p = subprocess.Popen(
        [sys.executable, "-m", "genesys_tui", "emulator", "--conversations", "50", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        url = None
        for _ in range(40):
            line = p.stdout.readline()
            m = re.search(r"base URL\s+(http://127\.0\.0\.1:\d+)", line)
            if m:
                url = m.group(1)
                break
        assert url
        # It answers, and a real CLI process can use it with environment credentials.
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "genesys_tui",
                "conversations",
                "--base-url",
                url,
                "--interval",
                "last-30-days",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                **env,
                "GENESYS_CLIENT_ID": "demo-client",
                "GENESYS_CLIENT_SECRET": "demo-secret-not-for-production",
            },
        )
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) == 50
    finally:
        p.terminate()
        p.wait(timeout=10)


@pytest.mark.parametrize("bad", ["--faults=nope", "--faults=429=2"])
def test_emulator_rejects_bad_fault_specs(bad, capsys):
    assert main(["emulator", bad]) == 2
    assert "--faults" in capsys.readouterr().err


def test_doctor_names_what_is_missing(capsys, monkeypatch):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org
    from tests.integration.helpers import sign_in_supervisor, supervisor_profile

    denied = (
        "analytics:conversationDetail:view",
        "analytics:agentConversationDetail:view",
        "conversation:call:barge",
    )
    for deny in ((), denied):
        with EmulatorServer(small_org(deny_permissions=deny)) as srv:
            s = srv.emulator.s
            monkeypatch.setenv("GENESYS_CLIENT_ID", s.client_id)
            monkeypatch.setenv("GENESYS_CLIENT_SECRET", s.client_secret)
            cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "genesys-tui" / "config.toml"
            cfg.parent.mkdir(parents=True, exist_ok=True)
            cfg.write_text(
                f'[profiles.default]\nbase_url = "{srv.base_url}"\n' + supervisor_profile(srv)
            )
            sign_in_supervisor(srv)
            code = main(["doctor"])
            out, err = capsys.readouterr()
            rows = {line.split("│")[0].strip(): line for line in out.splitlines() if "│" in line}
            assert all(len(line.rstrip()) <= 100 for line in rows.values())  # fits 100 columns
            if not deny:
                assert code == 0 and "Acme Utilities" in out and "60 min (playback)" in out
                assert all(
                    " ok " in rows[f]
                    for f in ("Browse conversations", "Recordings", "Monitor", "Barge")
                )
            else:
                assert (
                    code == 1
                    and "missing" in rows["Browse conversations"]
                    and "missing" in rows["Barge"]
                )
                assert (
                    "analytics:conversationDetail:view" in err and "conversation:call:barge" in err
                )
                assert " ok " in rows["Monitor"] and " ok " in rows["Recordings"]


def test_without_a_keyring_the_tuis_sign_in_lasts_the_session(
    fresh_emulator, memory_keyring, monkeypatch
):
    """A headless box with no keyring: `login --user` must say it cannot keep the sign-in, while
    the TUI's L signs in for the session all the same."""
    import asyncio

    from genesys_tui.context import resolve_target
    from genesys_tui.context.signin import sign_in_user
    from genesys_tui.core import credentials as creds
    from genesys_tui.core.config import Config, Profile
    from tests.conftest import REDIRECT_PORT

    _browser(monkeypatch)

    def no_keyring(*a, **k):
        raise creds.CredentialsError("no keyring here")

    monkeypatch.setattr(creds, "store_user_token", no_keyring)
    s = fresh_emulator.emulator.s
    profile = Profile(
        name="default",
        base_url=fresh_emulator.base_url,
        user_client_id=s.pkce_client_id,
        redirect_port=REDIRECT_PORT,
    )
    target = resolve_target(Config(profiles={"default": profile}), None)

    async def sign_in(session_only_ok: bool):
        client = await sign_in_user(
            target, announce=lambda url: None, session_only_ok=session_only_ok
        )
        async with client:
            return (await client.directory.me()).name

    assert asyncio.run(sign_in(True)) == "Sam Supervisor"
    with pytest.raises(creds.CredentialsError):
        asyncio.run(sign_in(False))
