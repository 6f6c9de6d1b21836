"""Small helpers for talking to the emulator over real HTTP, independent of the client package."""

from __future__ import annotations

import functools
import time

import httpx

from genesys_tui.emulator import EmulatorServer

# One TLS context for these helpers' clients (each new one would load the CA bundle again); not
# the client package's, which these helpers stay independent of.
tls_context = functools.cache(httpx.create_ssl_context)


def token(srv: EmulatorServer) -> str:
    s = srv.emulator.s
    r = httpx.post(
        f"{srv.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(s.client_id, s.client_secret),
        verify=tls_context(),
    )
    r.raise_for_status()
    return r.json()["access_token"]


class Api:
    def __init__(self, srv: EmulatorServer, tok: str | None = None):
        self.srv = srv
        self.http = httpx.Client(
            base_url=srv.base_url,
            verify=tls_context(),
            timeout=60,
            headers={"Authorization": f"Bearer {tok or token(srv)}"},
        )

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str, body=None) -> httpx.Response:
        return self.http.post(path, json=body)

    def put(self, path: str, body=None) -> httpx.Response:
        return self.http.put(path, json=body)

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(path)

    def until(self, fn, timeout: float = 60.0, interval: float = 0.1):
        """Call fn until it returns a response that is not 202 (or a truthy value)."""
        deadline = time.monotonic() + timeout
        while True:
            r = fn()
            if (isinstance(r, httpx.Response) and r.status_code != 202) or (
                not isinstance(r, httpx.Response) and r
            ):
                return r
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting")
            time.sleep(interval)


def user_token(srv: EmulatorServer) -> str:
    """A supervisor's token through the real PKCE flow (the demo org approves at once)."""
    return user_tokens(srv)["access_token"]


def user_tokens(srv: EmulatorServer, *, confidential: bool = False) -> dict:
    """The token response of the real code grant: the PKCE client's (an access token, no refresh
    token), or with `confidential` the code client's (its secret sent; a refresh token too)."""
    import base64
    import hashlib
    import secrets

    s = srv.emulator.s
    client = s.code_client_id if confidential else s.pkce_client_id
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    redirect = s.redirect_uris[0]
    r = httpx.get(
        f"{srv.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client,
            "redirect_uri": redirect,
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        verify=tls_context(),
    )
    assert r.status_code == 302, r.text
    loc = httpx.URL(r.headers["location"])
    assert loc.params["state"] == "xyz"
    form = {
        "grant_type": "authorization_code",
        "code": loc.params["code"],
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    auth = (client, s.code_client_secret) if confidential else None
    if not confidential:
        form["client_id"] = client
    t = httpx.post(f"{srv.base_url}/oauth/token", data=form, auth=auth, verify=tls_context())
    assert t.status_code == 200, t.text
    return t.json()


def sign_in_supervisor(srv: EmulatorServer) -> None:
    """What `genesys-tui login --user` leaves in the keyring after a PKCE sign-in."""
    import time

    from genesys_tui.core import credentials as creds

    tok = user_tokens(srv)
    creds.store_user_token(
        srv.base_url.removeprefix("http://"),
        srv.emulator.s.pkce_client_id,
        tok["access_token"],
        time.time() + tok["expires_in"],
    )


def supervisor_profile(srv: EmulatorServer) -> str:
    """The profile lines of a supervisor's sign-in against the emulator (TOML)."""
    from tests.conftest import REDIRECT_PORT

    return f'user_client_id = "{srv.emulator.s.pkce_client_id}"\nredirect_port = {REDIRECT_PORT}\n'
