"""Who may reach `genesys-tui web`: one random token, given once in the URL the server prints and
then carried by a session cookie (HttpOnly, SameSite=Strict) derived from it; WebSockets only from
the server's own origin; another host than loopback only with TLS. Pure checks, no server here."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from genesys_tui.core.files import refuse_link, write_bytes

COOKIE = "genesys_tui_web"
TOKEN_BYTES = 32


class WebRefused(Exception):
    """The server will not start as asked; the message says why and what to do instead."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_from_file(path: Path) -> str:
    """The token kept in `path` (0600, never read or written through a link); a new one is made
    and kept there when the file is missing or empty. Replace the file's content to rotate it:
    the server reads it again when it changes."""
    refuse_link(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    if text:
        if len(text) < 16:
            raise WebRefused(f"the token in {path} is too short (at least 16 characters)")
        mode = path.stat().st_mode & 0o077
        if mode:
            raise WebRefused(f"{path} can be read by others: chmod 600 {path}")
        return text
    token = new_token()
    write_bytes(path, (token + "\n").encode())
    os.chmod(path, 0o600)
    return token


class Gate:
    """The token and what is derived from it. `token` may be replaced (rotation): every cookie
    given out before then stops working."""

    def __init__(self, token: str):
        self.token = token

    def token_ok(self, given: str | None) -> bool:
        if not given:
            return False
        return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), self.token.encode())

    def cookie_value(self) -> str:
        return hmac.new(self.token.encode(), b"genesys-tui web session", hashlib.sha256).hexdigest()

    def cookie_ok(self, given: str | None) -> bool:
        if not given:
            return False
        return secrets.compare_digest(
            given.encode("utf-8", "surrogateescape"), self.cookie_value().encode()
        )


def origin_ok(origin: str | None, allowed: set[str]) -> bool:
    """A WebSocket's Origin, exactly one of the server's own (scheme://host:port); a missing one
    is refused too (every browser sends it on a WebSocket)."""
    return bool(origin) and origin.rstrip("/").lower() in allowed


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


REMOTE_HELP = (
    "serving on {host} would let anyone who can reach this machine try the token, over plain "
    "HTTP where it can be read on the way. Keep the default 127.0.0.1 and put a reverse proxy "
    "with its own sign-in in front (the README's recipe for nginx or Caddy, with --public-url), "
    "or give --allow-remote with --certfile and --keyfile for TLS."
)


def check_host(host: str, *, allow_remote: bool, tls: bool) -> None:
    """Raise WebRefused unless `host` is loopback, or remote access was asked for with TLS."""
    if is_loopback_host(host):
        return
    if not allow_remote:
        raise WebRefused(REMOTE_HELP.format(host=host))
    if not tls:
        raise WebRefused(
            f"--allow-remote serves {host} only over TLS: give --certfile and --keyfile "
            "(or keep 127.0.0.1 behind a reverse proxy that terminates TLS)."
        )
