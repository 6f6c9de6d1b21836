"""A headless Chromium driven over the DevTools protocol (websockets, no driver binary): enough to
open a page, type into it, read what its WebSockets receive, see the tabs it opens, take a
screenshot and close a tab."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable

from websockets.sync.client import connect

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


class Browser:
    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="cdp-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "--window-size=1400,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = None
        for line in self.proc.stderr:  # "DevTools listening on ws://127.0.0.1:PORT/devtools/..."
            if m := re.search(r"(ws://\S+)", line):
                url = m.group(1)
                break
        if url is None:
            raise RuntimeError("Chromium did not start")
        self._connection = connect(url, max_size=None, open_timeout=30, ping_interval=None)
        self.ws = self._connection.__enter__()
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        n = next(self.ids)
        msg = {"id": n, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == n:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait(self, test: Callable[[dict], bool], limit: float = 60.0) -> dict:
        """The first event (already received or to come) for which `test` holds."""
        deadline = time.monotonic() + limit
        while True:
            for i, event in enumerate(self.events):
                if test(event):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the browser never sent the awaited event")
            try:
                self.events.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                raise TimeoutError("the browser never sent the awaited event") from None

    def open_tab(self, url: str) -> tuple[str, str]:
        """(target id, session id) of a new tab, with its network events on, at `url`."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.send("Network.enable", session=session)
        self.send("Page.enable", session=session)
        self.send("Target.setDiscoverTargets", {"discover": True})
        self.send("Page.navigate", {"url": url}, session=session)
        return target, session

    def received_text(self, session: str, needle: str, limit: float = 60.0) -> str:
        """What the page's WebSockets received since the last call, as text without escape
        sequences, once it holds `needle` (what came before is not searched again)."""
        csi = re.compile(rb"\x1b\[[0-9;?$]*[a-zA-Z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")
        got = b""
        deadline = time.monotonic() + limit
        while True:
            keep = []
            for event in self.events:
                if (
                    event.get("sessionId") == session
                    and event.get("method") == "Network.webSocketFrameReceived"
                ):
                    response = event["params"]["response"]
                    data = response["payloadData"]
                    got += base64.b64decode(data) if response["opcode"] == 2 else data.encode()
                else:
                    keep.append(event)
            self.events = keep
            text = csi.sub(b"", got).decode("utf-8", "replace")
            if needle in text:
                return text
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                self.events.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                raise TimeoutError(
                    f"{needle!r} never received; the last of it: {text[-1500:]!r}"
                ) from None

    def type(self, session: str, text: str) -> None:
        self.send("Input.insertText", {"text": text}, session=session)

    def key(self, session: str, key: str, code: int, text: str = "") -> None:
        down = {"type": "keyDown", "key": key, "code": key, "windowsVirtualKeyCode": code}
        self.send(
            "Input.dispatchKeyEvent", {**down, "text": text} if text else down, session=session
        )
        self.send("Input.dispatchKeyEvent", {**down, "type": "keyUp"}, session=session)

    def screenshot(self, session: str) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", session=session)["data"])

    def close_tab(self, target: str) -> None:
        self.send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        try:
            self._connection.__exit__(None, None, None)
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
