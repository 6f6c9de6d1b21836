"""The emulator's OAuth is as strict as Genesys's: one grant type per client, registered redirect
URIs only, no refresh token for PKCE, a secret for the code grant and for every refresh, and
single-use refresh tokens (PY-SDK api_client.py get_pkce_token / get_code_authorization_token /
refresh_code_authorization_token; OAuthClient.md)."""

from __future__ import annotations

import base64
import hashlib
import secrets

import httpx

from tests.integration.helpers import user_tokens


def _authorize(srv, client: str, redirect: str, challenge: str | None = "x" * 43) -> httpx.Response:
    params = {"response_type": "code", "client_id": client, "redirect_uri": redirect, "state": "s"}
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "plain"}
    return httpx.get(f"{srv.base_url}/oauth/authorize", params=params)


def test_authorize_refuses_unregistered_redirects_and_the_wrong_clients(emulator):
    s = emulator.emulator.s
    good = s.redirect_uris[0]
    assert _authorize(emulator, s.pkce_client_id, good).status_code == 302
    r = _authorize(emulator, s.pkce_client_id, "http://127.0.0.1:9/oauth/callback")
    assert r.status_code == 400 and "is not registered" in r.text
    r = _authorize(emulator, s.client_id, good)  # a client-credentials client
    assert r.status_code == 400 and "not authorized for the authorization code grant" in r.text
    r = _authorize(emulator, s.pkce_client_id, good, challenge=None)
    assert r.status_code == 400 and "code_challenge is required" in r.text
    assert _authorize(emulator, s.code_client_id, good, challenge=None).status_code == 302


def test_pkce_gives_no_refresh_token_and_cannot_refresh(emulator):
    s = emulator.emulator.s
    tok = user_tokens(emulator)
    assert tok["access_token"] and "refresh_token" not in tok
    r = httpx.post(
        f"{emulator.base_url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "anything",
            "client_id": s.pkce_client_id,
        },
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_the_code_grant_needs_the_secret_and_refresh_tokens_are_single_use(emulator):
    s = emulator.emulator.s
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    r = httpx.get(
        f"{emulator.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": s.code_client_id,
            "redirect_uri": s.redirect_uris[0],
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = httpx.URL(r.headers["location"]).params["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": s.redirect_uris[0],
        "code_verifier": verifier,
        "client_id": s.code_client_id,
    }
    no_secret = httpx.post(f"{emulator.base_url}/oauth/token", data=form)
    assert no_secret.status_code == 401
    tok = user_tokens(emulator, confidential=True)
    first = tok["refresh_token"]
    basic = (s.code_client_id, s.code_client_secret)
    url = f"{emulator.base_url}/oauth/token"
    r = httpx.post(url, data={"grant_type": "refresh_token", "refresh_token": first}, auth=basic)
    assert r.status_code == 200 and r.json()["refresh_token"] != first
    again = httpx.post(
        url, data={"grant_type": "refresh_token", "refresh_token": first}, auth=basic
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    without = httpx.post(
        url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": r.json()["refresh_token"],
            "client_id": s.code_client_id,
        },
    )
    assert without.status_code == 401
