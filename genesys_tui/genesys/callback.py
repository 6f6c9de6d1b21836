"""Where a browser sign-in comes back to: a loopback callback (light, so that starting the demo
needs no HTTP client to name it)."""

from __future__ import annotations

CALLBACK_PATH = "/oauth/callback"


def redirect_uri_for(port: int) -> str:
    return f"http://127.0.0.1:{port}{CALLBACK_PATH}"
