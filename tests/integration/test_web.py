"""`genesys-tui web --demo` as a user starts it (its own process, its own emulator), reached over
HTTP and WebSocket the way the page does it: the gate, the sessions, the app processes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager

import aiohttp
import psutil
import pytest

COOKIE = "genesys_tui_web"
CSI = re.compile(rb"\x1b\[[0-9;?$]*[a-zA-Z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


@contextmanager
def web_server(*args: str):
    """`genesys-tui web --demo --port 0 ARGS`: (the process, the URL it printed)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "genesys_tui", "web", "--demo", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline()  # the first line is the URL (or the process ended)
        found = re.search(r"(https?://\S+/\?token=\S+)", line)
        assert found, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() else ''}"
        yield proc, found.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tabs_of(server: subprocess.Popen) -> list[psutil.Process]:
    """The app processes the server started for its browser tabs."""
    out = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if "--emulator-url" in child.cmdline():
                out.append(child)
        except psutil.Error:
            pass
    return out


async def screen_until(ws, needle: str, limit: float = 60.0) -> str:
    """What the app drew, as text, once it holds `needle` (the page's terminal gets these bytes)."""
    got = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        msg = await ws.receive(timeout=deadline - time.monotonic())
        if msg.type == aiohttp.WSMsgType.BINARY:
            got += msg.data
            text = CSI.sub(b"", got).decode("utf-8", "replace")
            if needle in text:
                return text
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            break
    raise AssertionError(f"{needle!r} never drawn; last: {CSI.sub(b'', got)[-400:]!r}")


def gone(proc: psutil.Process, limit: float = 20.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_the_gate_the_sessions_and_their_processes(isolated_home):
    with web_server("--max-sessions", "1") as (server, url):
        base = url.split("/?")[0]
        asyncio.run(_exercise(server, url, base))


async def _exercise(server, url: str, base: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        # Without the token: 401 and nothing else, whatever is asked for.
        for path in ("/", "/?token=wrong", "/static/js/textual.js", "/download/x", "/play/a/1/b"):
            async with http.get(base + path, allow_redirects=False) as r:
                assert r.status == 401, path
                assert "textual" not in (await r.text()).lower()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(base + "/ws", headers={"Origin": base})
        assert refused.value.status == 401
        # The tokened URL: a cookie (HttpOnly, SameSite=Strict) and the token out of the address.
        async with http.get(url, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/"
            set_cookie = r.headers["Set-Cookie"]
            assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
            cookie = r.cookies[COOKIE].value
        token = url.split("token=")[1]
        assert token not in cookie
        jar = {"Cookie": f"{COOKIE}={cookie}"}
        async with http.get(base + "/", headers=jar) as r:
            page = await r.text()
            assert r.status == 200 and "textual-terminal" in page and "googleapis" not in page
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        async with http.get(base + "/static/js/textual.js", headers=jar) as r:
            assert r.status == 200
        # A WebSocket from another origin (a page elsewhere riding the cookie) is refused.
        for origin in ("http://evil.example", None):
            headers = {**jar, **({"Origin": origin} if origin else {})}
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(base + "/ws", headers=headers)
            assert refused.value.status == 403
        assert tabs_of(server) == []
        # A tab: its own app process, drawing the conversation list.
        ws = await http.ws_connect(
            base + "/ws?width=160&height=45", headers={**jar, "Origin": base}
        )
        await ws.send_json(["resize", {"width": 160, "height": 45}])
        screen = await screen_until(ws, "live     inb")
        assert "Start (UTC)" in screen
        (tab,) = tabs_of(server)
        # --max-sessions 1: a second tab is turned away while the first is open.
        with pytest.raises(aiohttp.WSServerHandshakeError) as full:
            await http.ws_connect(base + "/ws", headers={**jar, "Origin": base})
        assert full.value.status == 503
        async with http.get(base + "/", headers=jar) as r:
            assert r.status == 503 and "sessions are in use" in await r.text()
        # The tab closes: its app process ends, and with it every process it started.
        family = [tab, *tab.children(recursive=True)]
        await ws.close()
        assert all(gone(p) for p in family), [p.pid for p in family if not gone(p, 0)]
        deadline = time.monotonic() + 30
        while True:  # the place is free again, once the server has seen the tab's end
            async with http.get(base + "/", headers=jar) as r:
                if r.status == 200 or time.monotonic() > deadline:
                    assert r.status == 200
                    break
            await asyncio.sleep(0.05)


def test_an_idle_tab_is_ended_with_its_process(isolated_home):
    with web_server("--idle-minutes", "0.05") as (server, url):  # 3 s without input
        asyncio.run(_idle(server, url, url.split("/?")[0]))


async def _idle(server, url: str, base: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(url) as r:  # the cookie, then the page
            assert r.status == 200
        async with http.ws_connect(
            base + "/ws?width=160&height=45", headers={"Origin": base}
        ) as ws:
            deadline = time.monotonic() + 30
            while not (tabs := tabs_of(server)) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            (tab,) = tabs
            while (msg := await ws.receive(timeout=60)).type not in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
            ):
                pass  # the app draws (its clock ticks); nothing is typed
            assert ws.close_code == 4000, (msg, ws.close_code)
        assert gone(tab)


def self_signed(folder):
    """A certificate for 127.0.0.1 and its key (cryptography comes with moto, a test extra)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_over_tls_the_cookie_is_secure(isolated_home, tmp_path):
    """--certfile/--keyfile: the server speaks HTTPS, prints an https URL, and its cookie is
    Secure (a browser then never sends it over plain HTTP)."""

    cert, key = self_signed(tmp_path)
    args = ("--certfile", str(cert), "--keyfile", str(key))
    with web_server(*args) as (server, url):
        assert url.startswith("https://127.0.0.1:")
        asyncio.run(_tls(url))


async def _tls(url: str) -> None:
    import ssl

    trust = ssl.create_default_context()
    trust.check_hostname, trust.verify_mode = False, ssl.CERT_NONE  # self-signed, for the test
    async with aiohttp.ClientSession() as http:
        async with http.get(url, allow_redirects=False, ssl=trust) as r:
            assert r.status == 303
            assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
        plain = url.replace("https://", "http://")
        with pytest.raises(aiohttp.ClientError):  # no plain HTTP beside it
            async with http.get(plain, allow_redirects=False) as r:
                await r.read()
