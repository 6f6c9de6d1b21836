"""`genesys-tui web --demo` in a real browser: headless Chromium (Debian's `chromium`, which the
README's test command installs when it can) opens the tokened URL, receives the conversation
list, opens a call in Review, plays it (the player opens in a new tab of the browser, its audio
served with Range), and closing the tab ends the app process."""

from __future__ import annotations

import asyncio
import os
from argparse import Namespace
from pathlib import Path

import aiohttp
import pytest

from tests.integration.cdp import Browser, find_browser
from tests.integration.test_web import COOKIE, gone, tabs_of, web_server

BINARY = find_browser()
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="no Chromium here: the README's test command installs Debian's `chromium` with apt "
    "where it can (root or passwordless sudo); without it this test cannot run",
)
SCREENSHOT = Path(__file__).resolve().parents[2] / "screenshots" / "web-review.png"
SAVE = bool(os.environ.get("GENESYS_TUI_SCREENSHOTS"))  # read now: isolated_home clears GENESYS_*


def a_recorded_call() -> str:
    """A finished, recorded, transcribed call of the demo org (`web --demo`'s seed)."""
    from genesys_tui.emulator.org import Org
    from genesys_tui.tui.launch import demo_settings

    args = Namespace(seed=7, conversations=400, faults="", deny_permission=[], live_rate=0.0)
    org = Org(demo_settings(args, 0))
    for i in range(len(org.ids)):
        if org.recorded[i] and org.transcribed[i] and not org.live[i] and not org.archived[i]:
            return org.ids[i]
    raise LookupError("no recorded call in the demo org")


def test_in_a_real_browser(isolated_home):
    cid = a_recorded_call()
    with web_server() as (server, url):
        base = url.split("/?")[0]
        browser = Browser(BINARY)
        try:
            target, tab = browser.open_tab(url)
            screen = browser.received_text(tab, "live     inb")  # the list, in the browser
            assert "Start (UTC)" in screen
            (app,) = tabs_of(server)
            # Review of a recorded call, typed into the page as a user would.
            browser.send(
                "Runtime.evaluate",
                {"expression": "document.querySelector('.xterm-helper-textarea').focus()"},
                session=tab,
            )
            browser.type(tab, "o")
            browser.received_text(tab, "Open conversation by ID")  # the prompt
            browser.type(tab, cid)
            browser.key(tab, "Enter", 13, "\r")
            browser.received_text(tab, "Holds and pauses")  # found, selected, its recordings shown
            browser.key(tab, "Enter", 13, "\r")  # Review
            browser.received_text(tab, "‖ paused", limit=60)  # Review, its recording ready
            if SAVE:  # screenshots/make_screenshots.py
                SCREENSHOT.write_bytes(browser.screenshot(tab))
            assert browser.screenshot(tab)[:8] == b"\x89PNG\r\n\x1a\n"
            # Play: the sound is the browser's, in a tab of its own opened by the app.
            browser.key(tab, " ", 32, " ")  # a key press: the page may then open a tab
            opened = browser.wait(
                lambda e: (
                    e.get("method") in ("Target.targetCreated", "Target.targetInfoChanged")
                    and "/play/" in e["params"]["targetInfo"]["url"]
                ),
                limit=60,
            )
            player_url = opened["params"]["targetInfo"]["url"]
            assert player_url.startswith(base + "/play/") and "#t=r1/" in player_url
            asyncio.run(_player_serves_audio(url, player_url.split("#")[0]))
            assert _refused_without_token(browser, base) == 401
            assert _websocket_from_another_origin(browser, base) == "refused"
            # The tab closes: its app process (and what it started) ends.
            family = [app, *app.children(recursive=True)]
            browser.close_tab(target)
            assert all(gone(p) for p in family)
        finally:
            browser.close()


def _refused_without_token(browser: Browser, base: str) -> int:
    """A browser without the cookie (a fresh context) asking for the page: its status."""
    context = browser.send("Target.createBrowserContext")["browserContextId"]
    target = browser.send(
        "Target.createTarget", {"url": "about:blank", "browserContextId": context}
    )["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    browser.send("Network.enable", session=session)
    browser.send("Page.navigate", {"url": base + "/"}, session=session)
    seen = browser.wait(
        lambda e: (
            e.get("sessionId") == session
            and e.get("method") == "Network.responseReceived"
            and e["params"]["response"]["url"].rstrip("/") == base
        )
    )
    browser.send("Target.disposeBrowserContext", {"browserContextId": context})
    return seen["params"]["response"]["status"]


def _websocket_from_another_origin(browser: Browser, base: str) -> str:
    """A page of another origin on this machine (same site: the cookie goes with it) opening
    the app's WebSocket: what became of it."""
    import http.server
    import threading

    page = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    try:
        target, session = browser.open_tab(f"http://127.0.0.1:{page.server_port}/")
        browser.wait(
            lambda e: e.get("sessionId") == session and e.get("method") == "Page.loadEventFired"
        )
        ws = base.replace("http:", "ws:") + "/ws"
        found = browser.send(
            "Runtime.evaluate",
            {
                "expression": f"new Promise(r => {{ const w = new WebSocket({ws!r}); "
                "w.onopen = () => r('open'); w.onerror = () => r('refused'); })",
                "awaitPromise": True,
            },
            session=session,
        )
        browser.close_tab(target)
        assert "value" in found["result"], found
        return found["result"]["value"]
    finally:
        page.shutdown()


async def _player_serves_audio(url: str, player: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(url) as r:  # this client's own cookie, from the token
            assert r.status == 200 and COOKIE in {c.key for c in http.cookie_jar}
        async with http.get(player) as r:
            assert r.status == 200 and "<audio controls" in await r.text()
        async with http.get(player + "audio/0.webm", headers={"Range": "bytes=0-99"}) as r:
            assert r.status in (200, 206)
            body = await r.read()
            assert body[:4] == b"\x1a\x45\xdf\xa3"  # WebM (EBML)
