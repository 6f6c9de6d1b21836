"""Small helpers for talking to the emulator over real HTTP, independent of the client package."""

from __future__ import annotations

import time

import httpx

from genesys_tui.emulator import EmulatorServer


def token(srv: EmulatorServer) -> str:
    s = srv.emulator.s
    r = httpx.post(f"{srv.base_url}/oauth/token", data={"grant_type": "client_credentials"},
                   auth=(s.client_id, s.client_secret))
    r.raise_for_status()
    return r.json()["access_token"]


class Api:
    def __init__(self, srv: EmulatorServer, tok: str | None = None):
        self.srv = srv
        self.http = httpx.Client(base_url=srv.base_url, timeout=60,
                                 headers={"Authorization": f"Bearer {tok or token(srv)}"})

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
            if (isinstance(r, httpx.Response) and r.status_code != 202) or (not isinstance(r, httpx.Response) and r):
                return r
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting")
            time.sleep(interval)


def user_token(srv: EmulatorServer) -> str:
    """A supervisor's token through the real PKCE flow (the demo org approves at once)."""
    return user_tokens(srv)["access_token"]


def user_tokens(srv: EmulatorServer) -> dict:
    """The token response (access and refresh token) of the real PKCE flow."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:1/callback"
    r = httpx.get(f"{srv.base_url}/oauth/authorize", params={
        "response_type": "code", "client_id": srv.emulator.s.client_id, "redirect_uri": redirect,
        "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"})
    assert r.status_code == 302
    loc = httpx.URL(r.headers["location"])
    assert loc.params["state"] == "xyz"
    t = httpx.post(f"{srv.base_url}/oauth/token", data={
        "grant_type": "authorization_code", "code": loc.params["code"], "redirect_uri": redirect,
        "client_id": srv.emulator.s.client_id, "code_verifier": verifier})
    assert t.status_code == 200, t.text
    return t.json()
