"""OAuth state: access tokens (client and user), PKCE authorization codes, refresh tokens, and the
per-token rate-limit window."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass


@dataclass
class Token:
    value: str
    client_id: str
    user_id: str | None
    expires_at: float
    revoked: bool = False
    window_start: float = 0.0
    window_count: int = 0


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str
    method: str
    user_id: str
    expires_at: float


class TokenStore:
    def __init__(self, token_ttl: int, refresh_ttl: int, clock=time.time):
        self.token_ttl, self.refresh_ttl, self.clock = token_ttl, refresh_ttl, clock
        self._lock = threading.Lock()
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh: dict[str, tuple[str, str, float]] = {}
        self.issued = 0

    def issue(self, client_id: str, user_id: str | None = None) -> Token:
        with self._lock:
            tok = Token(
                secrets.token_urlsafe(32), client_id, user_id, self.clock() + self.token_ttl
            )
            self.tokens[tok.value] = tok
            self.issued += 1
            return tok

    def lookup(self, value: str) -> Token | None:
        tok = self.tokens.get(value)
        if tok is None or tok.revoked or self.clock() >= tok.expires_at:
            return None
        return tok

    def revoke(self, value: str) -> None:
        if value in self.tokens:
            self.tokens[value].revoked = True

    def new_code(
        self, client_id: str, redirect_uri: str, challenge: str, method: str, user_id: str
    ) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id, redirect_uri, challenge, method, user_id, self.clock() + 300
        )
        return code

    def redeem_code(
        self, code: str, client_id: str, redirect_uri: str, verifier: str
    ) -> AuthCode | None:
        """One use only; the PKCE verifier must hash to the challenge."""
        ac = self.codes.pop(code, None)
        if (
            ac is None
            or self.clock() > ac.expires_at
            or ac.client_id != client_id
            or ac.redirect_uri != redirect_uri
        ):
            return None
        if not ac.challenge:
            return (
                ac  # a confidential client's code without PKCE: the secret is checked by the caller
            )
        if ac.method == "S256":
            calc = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
        else:
            calc = verifier
        return ac if verifier and hmac.compare_digest(calc, ac.challenge) else None

    def new_refresh(self, client_id: str, user_id: str) -> str:
        rt = secrets.token_urlsafe(32)
        self.refresh[rt] = (client_id, user_id, self.clock() + self.refresh_ttl)
        return rt

    def rotate_refresh(self, rt: str, client_id: str) -> tuple[str, str] | None:
        """Use a refresh token (once): returns (user_id, new refresh token)."""
        entry = self.refresh.pop(rt, None)
        if entry is None or entry[0] != client_id or self.clock() > entry[2]:
            return None
        return entry[1], self.new_refresh(client_id, entry[1])

    def count(self, tok: Token, limit: int) -> tuple[bool, int, int]:
        """Count one request in the token's 60 s window: (allowed, count, seconds to reset)."""
        with self._lock:
            now = self.clock()
            if now - tok.window_start >= 60:
                tok.window_start, tok.window_count = now, 0
            tok.window_count += 1
            reset = max(1, int(tok.window_start + 60 - now + 0.999))
            return tok.window_count <= limit, tok.window_count, reset
