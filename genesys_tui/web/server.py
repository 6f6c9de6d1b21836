"""`genesys-tui web`: the TUI served to browsers with textual-serve, one app process per browser
tab, behind the gate (gate.py): every request needs the session cookie that the tokened URL gives,
WebSockets only from the server's own origin, a bounded number of sessions that end when idle or
when their tab closes (the app process and its children are stopped, killed if they linger).

A web session's app process knows it is one (GENESYS_TUI_WEB_SESSION): Review's play opens the
recording in the user's browser through /play/, which this server relays to that session's
loopback player, and only to a port the session registered."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from genesys_tui.web.gate import COOKIE, Gate, is_loopback_host, origin_ok, token_from_file
from genesys_tui.web.session import PLAYERS_ENV, SESSION_ENV, SESSION_ID

log = logging.getLogger("genesys_tui.web")

STOP_GRACE_S = 5.0  # a closed tab's app gets this long to quit before it is killed
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
PAGE_CSP = (
    "default-src 'self'; connect-src 'self' {ws}; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; font-src 'self'; "
    "media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
UNAUTHORIZED = (
    "401 Unauthorized: open the address genesys-tui web printed (it carries the token).\n"
)


class Session(AppService):
    """One browser tab's app process: in a session of its own (its workers stop with it), told
    which web session it is, and when its user last did something."""

    def __init__(self, *args: Any, argv: list[str], players: Path, **kw):
        super().__init__(*args, **kw)
        self.argv, self.players = argv, players
        self.last_input = time.monotonic()

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        env[SESSION_ENV] = self.app_service_id
        env[PLAYERS_ENV] = str(self.players)
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
        )
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def end(self) -> None:
        """Ask the app to quit; kill its process group if it has not within STOP_GRACE_S."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.stop(), STOP_GRACE_S)
        process = self._process
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.returncode is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 2.0)
        with contextlib.suppress(Exception):
            await process.wait()
        (self.players / f"{self.app_service_id}.json").unlink(missing_ok=True)


class WebServer(Server):
    def __init__(
        self,
        argv: list[str],
        gate: Gate,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        public_url: str | None = None,
        max_sessions: int = 4,
        idle_s: float = 1800.0,
        token_file: Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
        title: str = "genesys-tui",
    ):
        here = Path(__file__).resolve().parent
        import textual_serve

        super().__init__(
            " ".join(argv),
            host=host,
            port=port,
            title=title,
            public_url=public_url or "",  # set by _set_urls, once the port is known too
            statics_path=Path(textual_serve.__file__).resolve().parent / "static",
            templates_path=here / "templates",
        )
        self.argv, self.gate, self.ssl_context = argv, gate, ssl_context
        self.max_sessions, self.idle_s = max_sessions, idle_s
        self.token_file = token_file
        self._token_stamp = self._stamp()
        self.sessions: dict[str, Session] = {}
        self.players = Path(tempfile.mkdtemp(prefix="genesys-tui-web-"))  # 0700
        self._given_url = (public_url or "").rstrip("/")
        self._set_urls()
        self._runner: web.AppRunner | None = None
        self._relay: aiohttp.ClientSession | None = None

    # --- serving -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (port 0: a free one, then self.port and self.url say which)."""
        app = await self._make_app()
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        if self.port == 0:
            sock = site._server.sockets[0]  # type: ignore[union-attr]
            self.port = sock.getsockname()[1]
            self._set_urls()

    def _set_urls(self) -> None:
        """The address browsers use (given, or this host and port), the origins a WebSocket
        may come from, and the tokened URL to print."""
        scheme = "https" if self.ssl_context is not None else "http"
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.public_url = self._given_url or f"{scheme}://{shown}:{self.port}"
        self.origins = {self.public_url.lower()}
        if is_loopback_host(self.host):
            for name in ("127.0.0.1", "localhost", "[::1]"):
                self.origins.add(f"{scheme}://{name}:{self.port}")
        self.url = f"{self.public_url}/?token={self.gate.token}"

    async def close(self) -> None:
        await asyncio.gather(*(s.end() for s in list(self.sessions.values())))
        if self._relay is not None:
            await self._relay.close()
        if self._runner is not None:
            await self._runner.cleanup()
        shutil.rmtree(self.players, ignore_errors=True)

    async def on_startup(self, app: web.Application) -> None:  # textual-serve's banner: not ours
        return

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_get("/play/{session}/{port}/{tail:.*}", self.handle_play)
        app.router.add_post("/play/{session}/{port}/{tail:.*}", self.handle_play)
        return app

    # --- the gate ------------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        if self.token_file is None:
            return None
        try:
            st = self.token_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _rotate_if_changed(self) -> None:
        stamp = self._stamp()
        if stamp is not None and stamp != self._token_stamp:
            self._token_stamp = stamp
            try:
                self.gate.token = token_from_file(self.token_file)  # type: ignore[arg-type]
                log.info("the web token was rotated from %s", self.token_file)
            except Exception as e:  # noqa: BLE001 - a broken file keeps the token in use
                log.warning("the token file could not be read: %s", e)

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        self._rotate_if_changed()
        if not self.gate.cookie_ok(request.cookies.get(COOKIE)):
            if request.path == "/" and self.gate.token_ok(request.query.get("token")):
                # The token leaves the address bar (and the history); the cookie carries it on.
                response = web.Response(status=303, headers={**HEADERS, "Location": "/"})
                response.set_cookie(
                    COOKIE,
                    self.gate.cookie_value(),
                    httponly=True,
                    samesite="Strict",
                    secure=self.ssl_context is not None or self.public_url.startswith("https:"),
                    path="/",
                )
                return response
            return web.Response(status=401, text=UNAUTHORIZED, headers=HEADERS)
        if request.path == "/ws" and not origin_ok(request.headers.get("Origin"), self.origins):
            log.warning("refused a WebSocket from origin %r", request.headers.get("Origin"))
            return web.Response(status=403, text="403 Forbidden: wrong origin\n", headers=HEADERS)
        if request.path in ("/", "/ws") and len(self.sessions) >= self.max_sessions:
            return web.Response(
                status=503,
                text=f"All {self.max_sessions} sessions are in use: close a tab, or wait for "
                "one to end.\n",
                headers=HEADERS,
            )
        response = await handler(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        if request.path == "/":
            ws = "ws:" if self.public_url.startswith("http:") else "wss:"
            response.headers["Content-Security-Policy"] = PAGE_CSP.format(ws=ws)
        return response

    # --- sessions ------------------------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = max(20, min(500, to_int(request.query.get("width", "80"), 80)))
        height = max(10, min(300, to_int(request.query.get("height", "24"), 24)))
        session = Session(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            argv=self.argv,
            players=self.players,
        )
        self.sessions[session.app_service_id] = session
        idle = None
        try:
            await websocket.prepare(request)
            await session.start(width, height)
            log.info("web session %s started (pid %s)", session.app_service_id, session.pid)
            idle = asyncio.create_task(self._idle_watch(session, websocket))
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await websocket.close()
        except Exception:  # noqa: BLE001 - one tab's trouble never stops the server
            log.exception("web session %s failed", session.app_service_id)
        finally:
            if idle is not None:
                idle.cancel()
            await session.end()
            self.sessions.pop(session.app_service_id, None)
            log.info("web session %s ended", session.app_service_id)
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service) -> None:
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue  # not the page's own message: ignored
            if kind == "stdin" and isinstance(data, str):
                app_service.last_input = time.monotonic()
                await app_service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                app_service.last_input = time.monotonic()
                width = max(20, min(500, to_int(str(data.get("width", 80)), 80)))
                height = max(10, min(300, to_int(str(data.get("height", 24)), 24)))
                await app_service.set_terminal_size(width, height)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                app_service.last_input = time.monotonic()
                await app_service.focus()

    async def _idle_watch(self, session: Session, websocket: web.WebSocketResponse) -> None:
        step = max(0.05, min(30.0, self.idle_s / 4))
        while True:
            await asyncio.sleep(step)
            if time.monotonic() - session.last_input >= self.idle_s:
                log.info("web session %s idle: ended", session.app_service_id)
                await websocket.close(code=4000, message=b"idle")
                return

    # --- the browser player, relayed -------------------------------------------------------------

    async def handle_play(self, request: web.Request) -> web.StreamResponse:
        """GET /play/SESSION/PORT/...: relayed to 127.0.0.1:PORT only when that session's app
        registered PORT for its player (never another port: no way in to anything else)."""
        sid, port = request.match_info["session"], request.match_info["port"]
        if not SESSION_ID.match(sid) or sid not in self.sessions or not port.isdigit():
            raise web.HTTPNotFound()
        try:
            registered = json.loads((self.players / f"{sid}.json").read_text())["port"]
        except (OSError, ValueError, KeyError, TypeError):
            raise web.HTTPNotFound() from None
        if registered != int(port):
            raise web.HTTPNotFound()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("range",)}
        url = f"http://127.0.0.1:{registered}/{request.match_info['tail']}"
        body = None
        if request.method == "POST":  # the page telling where its listener is: a few bytes
            if (request.content_length or 0) > 1024:
                raise web.HTTPRequestEntityTooLarge(1024, request.content_length or 0)
            body = await request.content.read(1025)
            if len(body) > 1024:  # a chunked body says no length: counted here
                raise web.HTTPRequestEntityTooLarge(1024, len(body))
        if self._relay is None:  # one pool for every relayed request (a seek is one each)
            self._relay = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=5)
            )
        async with (
            self._relay.request(
                request.method, url, headers=headers, data=body, allow_redirects=False
            ) as upstream,
        ):
            response = web.StreamResponse(status=upstream.status)
            for key in (
                "Content-Type",
                "Content-Length",
                "Content-Range",
                "Accept-Ranges",
                "Content-Security-Policy",
            ):
                if key in upstream.headers:
                    response.headers[key] = upstream.headers[key]
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response
