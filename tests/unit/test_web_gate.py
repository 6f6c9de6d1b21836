"""The gate of `genesys-tui web`: the token, the cookie derived from it, the origins, the hosts."""

from __future__ import annotations

import os

import pytest

from genesys_tui.web.gate import (
    Gate,
    WebRefused,
    check_host,
    new_token,
    origin_ok,
    token_from_file,
)


def test_token_and_cookie_compare_exactly():
    gate = Gate(new_token())
    assert gate.token_ok(gate.token)
    for wrong in (None, "", gate.token[:-1], gate.token + "x", gate.token.upper(), "é" * 43):
        assert not gate.token_ok(wrong)
    cookie = gate.cookie_value()
    assert (
        gate.cookie_ok(cookie)
        and not gate.cookie_ok(cookie[:-1] + ("1" if cookie[-1] == "0" else "0"))
        and not gate.cookie_ok("")
    )
    assert gate.token not in cookie  # the cookie never carries the token itself
    gate.token = new_token()  # rotated: the cookies given out before stop working
    assert not gate.cookie_ok(cookie)


def test_only_the_servers_own_origins():
    allowed = {"http://127.0.0.1:8765", "http://localhost:8765"}
    assert origin_ok("http://127.0.0.1:8765", allowed) and origin_ok(
        "HTTP://LOCALHOST:8765/", allowed
    )
    for forged in (
        None,
        "",
        "null",
        "http://127.0.0.1:8766",
        "https://127.0.0.1:8765",
        "http://evil.example",
    ):
        assert not origin_ok(forged, allowed)


def test_another_host_needs_allow_remote_and_tls():
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_host(host, allow_remote=False, tls=False)
    with pytest.raises(WebRefused, match="reverse proxy"):
        check_host("0.0.0.0", allow_remote=False, tls=False)
    with pytest.raises(WebRefused, match="only over TLS"):
        check_host("192.0.2.10", allow_remote=True, tls=False)
    check_host("192.0.2.10", allow_remote=True, tls=True)


def test_the_token_file_is_made_private_and_read_back(tmp_path):
    path = tmp_path / "web.token"
    first = token_from_file(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and token_from_file(path) == first
    path.write_text("short\n")
    with pytest.raises(WebRefused, match="too short"):
        token_from_file(path)
    path.write_text("a-long-enough-token-for-this\n")
    os.chmod(path, 0o644)
    with pytest.raises(WebRefused, match="chmod 600"):
        token_from_file(path)
    link = tmp_path / "link.token"
    link.symlink_to(path)
    with pytest.raises(Exception, match="link"):
        token_from_file(link)


def test_another_host_is_refused_before_anything_starts(capsys):
    from genesys_tui.cli.main import main

    assert main(["web", "--demo", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "reverse proxy" in err and "--allow-remote" in err
    assert main(["web", "--host", "192.0.2.7", "--allow-remote", "--port", "0"]) == 2
    assert "only over TLS" in capsys.readouterr().err
    assert main(["demo", "--web", "--host", "0.0.0.0"]) == 2  # demo --web is web --demo
    assert "reverse proxy" in capsys.readouterr().err


def test_each_tab_runs_the_same_org_read_only_when_served_so():
    from argparse import Namespace

    from genesys_tui.cli.web import _tab_argv

    ctx = Namespace(
        args=Namespace(profile="prod", readonly=True, seed=7, conversations=400, now=None)
    )
    argv = _tab_argv(ctx, None)
    assert argv[1:] == ["-m", "genesys_tui", "--profile", "prod", "--readonly"]
    demo = _tab_argv(ctx, "http://127.0.0.1:5000")
    assert demo[3:] == [
        "--profile", "prod", "--readonly", "demo", "--emulator-url", "http://127.0.0.1:5000",
        "--seed", "7", "--conversations", "400",
    ]  # fmt: skip


async def test_a_new_token_in_the_token_file_locks_out_the_old_one(tmp_path):
    import aiohttp

    from genesys_tui.web.gate import COOKIE, Gate
    from genesys_tui.web.server import WebServer

    path = tmp_path / "web.token"
    gate = Gate(token_from_file(path))
    server = WebServer(["true"], gate, port=0, token_file=path)
    await server.start()
    base = server.url.split("/?")[0]
    old = {"Cookie": f"{COOKIE}={gate.cookie_value()}"}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/", headers=old) as r:
                assert r.status == 200
            path.write_text("a-brand-new-token-after-rotation\n")
            os.chmod(path, 0o600)
            async with http.get(base + "/", headers=old) as r:
                assert r.status == 401  # the cookie from the old token no longer opens it
            async with http.get(
                base + "/?token=a-brand-new-token-after-rotation", allow_redirects=False
            ) as r:
                assert r.status == 303 and COOKIE in r.cookies
    finally:
        await server.close()
