"""Authorization code grant with PKCE (S256) for a user's token: a one-shot redirect listener on
127.0.0.1, the authorize URL announced (and opened in a browser when there is one), `state`
checked, the code exchanged for tokens."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import secrets
import webbrowser
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from genesys_tui.genesys.auth import TokenResponse, request_token
from genesys_tui.genesys.callback import CALLBACK_PATH, redirect_uri_for  # noqa: F401 - re-exported
from genesys_tui.genesys.errors import AuthenticationError
from genesys_tui.genesys.regions import Hosts

_PAGE = (
    "<!doctype html><meta charset=utf-8><title>genesys-tui</title>"
    "<body style='font-family:sans-serif'><h2>{title}</h2><p>{text}</p></body>"
)


def can_open_browser() -> bool:
    """A GUI browser can be launched (not on a headless server, where webbrowser would start a
    text browser inside our terminal)."""
    import os
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_verifier() -> str:
    return secrets.token_urlsafe(64)[:96]


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    hosts: Hosts, client_id: str, redirect_uri: str, state: str, challenge: str
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{hosts.login_base}/oauth/authorize?{query}"


class _Listener:
    def __init__(self, state: str):
        self.state = state
        self.result: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError):
            writer.close()
            return
        parts = urlsplit(target)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path != CALLBACK_PATH:
            self._reply(writer, 404, "Not found", "")
            return
        given = q.get("state", "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self.state.encode()):
            # Not from our authorize URL (any local process can call us): ignore it, keep waiting.
            self._reply(writer, 400, "Sign-in failed", "The state parameter did not match.")
        elif "error" in q:
            self._reply(writer, 400, "Sign-in failed", q.get("error_description") or q["error"])
            if not self.result.done():
                self.result.set_exception(
                    AuthenticationError(f"sign-in was refused: {q['error'][:200]}")
                )
        elif not q.get("code"):
            self._reply(writer, 400, "Sign-in failed", "No authorization code was received.")
        else:
            self._reply(
                writer, 200, "Signed in", "You can close this tab and return to genesys-tui."
            )
            if not self.result.done():
                self.result.set_result(q["code"])
        await writer.drain()
        writer.close()

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text.replace("<", "&lt;")).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


DEFAULT_REDIRECT_PORT = (
    8765  # what the OAuth client must have registered: http://127.0.0.1:8765/oauth/callback
)


async def login_with_pkce(
    hosts: Hosts,
    client_id: str,
    *,
    http: httpx.AsyncClient,
    port: int = DEFAULT_REDIRECT_PORT,
    announce: Callable[[str], None] = print,
    open_browser: bool = True,
    timeout: float = 300.0,
    client_secret: str | None = None,
) -> TokenResponse:
    """The browser sign-in: PKCE always; with `client_secret` (a confidential code-grant client)
    the token request also authenticates the client, and the answer carries a refresh token.
    The redirect URI, http://127.0.0.1:PORT/oauth/callback, must be registered on the client."""
    verifier = make_verifier()
    state = secrets.token_urlsafe(24)
    listener = _Listener(state)
    try:
        server = await asyncio.start_server(listener.handle, "127.0.0.1", port)
    except OSError as e:
        raise AuthenticationError(
            f"cannot listen on 127.0.0.1:{port} for the sign-in's redirect "
            f"({e.strerror or e}): close what uses it, or set redirect_port"
        ) from None
    try:
        bound = server.sockets[0].getsockname()[1]
        redirect_uri = redirect_uri_for(bound)
        url = authorize_url(hosts, client_id, redirect_uri, state, challenge_for(verifier))
        announce(url)
        if open_browser and can_open_browser():
            with contextlib.suppress(webbrowser.Error):
                webbrowser.open(url, new=1)
        try:
            code = await asyncio.wait_for(listener.result, timeout)
        except TimeoutError:
            raise AuthenticationError(
                f"no sign-in arrived within {timeout:.0f} s: if the browser showed an "
                f"error, register {redirect_uri} as a redirect URI of OAuth client "
                f"{client_id} (Admin > OAuth), or set redirect_port to one that is"
            ) from None
    finally:
        server.close()
        await server.wait_closed()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    if client_secret is None:
        form["client_id"] = client_id
    return await request_token(
        http, hosts, form, basic=(client_id, client_secret) if client_secret else None
    )
