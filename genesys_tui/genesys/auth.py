"""OAuth token providers: client credentials (service work) and user tokens from PKCE (supervisor
actions). One refresh at a time, however many requests are waiting for a token."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from genesys_tui.core.redact import register_secret
from genesys_tui.genesys.errors import AuthenticationError, NetworkError, ServerError
from genesys_tui.genesys.regions import Hosts

CLIENT, USER = "client", "user"  # whose token: an OAuth client's, or a person's

log = logging.getLogger("genesys_tui.auth")


class TokenProvider(Protocol):
    kind: str  # "client" or "user"

    async def token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


@dataclass
class TokenResponse:
    access_token: str
    expires_in: int
    token_type: str = "bearer"
    refresh_token: str | None = None


async def request_token(
    http: httpx.AsyncClient,
    hosts: Hosts,
    form: dict[str, str],
    *,
    basic: tuple[str, str] | None = None,
    attempts: int = 4,
) -> TokenResponse:
    """POST /oauth/token on the login host. Retries 429/5xx/network a few times; a rejected
    credential is an AuthenticationError at once."""
    url = f"{hosts.login_base}/oauth/token"
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            resp = await http.post(
                url, data=form, auth=basic, headers={"Accept": "application/json"}
            )
        except httpx.TransportError as e:
            if attempt == attempts:
                raise NetworkError(f"cannot reach {hosts.login_host}: {type(e).__name__}") from None
            await asyncio.sleep(delay)
            delay *= 2
            continue
        cid = resp.headers.get("ININ-Correlation-Id")
        if resp.status_code == 200:
            try:
                data = resp.json()
                tok = TokenResponse(
                    access_token=data["access_token"],
                    expires_in=int(data.get("expires_in", 86400)),
                    token_type=data.get("token_type", "bearer"),
                    refresh_token=data.get("refresh_token"),
                )
            except (ValueError, KeyError, TypeError):
                raise ServerError(
                    f"{hosts.login_host} sent an unreadable token response",
                    status=200,
                    correlation_id=cid,
                ) from None
            register_secret(tok.access_token)
            register_secret(tok.refresh_token)
            return tok
        if resp.status_code in (429, 500, 502, 503, 504) and attempt < attempts:
            wait = _retry_after(resp) or delay
            await asyncio.sleep(min(wait, 30))
            delay *= 2
            continue
        body = _json(resp)
        err = str(body.get("error") or body.get("code") or resp.status_code)
        desc = str(
            body.get("error_description") or body.get("description") or body.get("message") or ""
        )
        if resp.status_code in (400, 401, 403):
            raise AuthenticationError(
                f"{hosts.login_host} refused the credentials ({err}{': ' + desc if desc else ''}).",
                status=resp.status_code,
                code=err,
                correlation_id=cid,
                body=body,
            )
        raise ServerError(
            f"{hosts.login_host} answered {resp.status_code} to the token request.",
            status=resp.status_code,
            code=err,
            correlation_id=cid,
            body=body,
        )
    raise AssertionError("unreachable")


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return float(resp.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


class _CachedToken:
    """Shared caching: a token valid until shortly before it expires, one refresh at a time."""

    kind = CLIENT
    renewable = (
        True  # a new token can be had without the user (client credentials, a refresh token)
    )

    def __init__(self, *, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetch_count = 0
        self.expires_in: int | None = None

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    async def token(self) -> str:
        if self._valid():
            return self._token  # type: ignore[return-value]
        async with self._lock:
            if not self._valid():
                tok = await self._fetch()
                self.fetch_count += 1
                margin = min(60.0, tok.expires_in * 0.1)
                self._token = tok.access_token
                self.expires_in = tok.expires_in
                self._expires_at = self._clock() + tok.expires_in - margin
            return self._token  # type: ignore[return-value]

    def invalidate(self, token: str) -> None:
        """The API rejected `token` (401): drop it unless someone already replaced it."""
        if self._token == token:
            self._token = None

    @property
    def seconds_left(self) -> float | None:
        return max(0.0, self._expires_at - self._clock()) if self._token else None

    async def _fetch(self) -> TokenResponse:  # pragma: no cover - abstract
        raise NotImplementedError


class ClientCredentialsAuth(_CachedToken):
    kind = CLIENT

    def __init__(
        self,
        hosts: Hosts,
        client_id: str,
        client_secret: str,
        *,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(clock=clock)
        self.hosts, self.client_id, self._secret, self._http = hosts, client_id, client_secret, http
        register_secret(client_secret)

    async def _fetch(self) -> TokenResponse:
        log.info("requesting a client-credentials token from %s", self.hosts.login_host)
        return await request_token(
            self._http,
            self.hosts,
            {"grant_type": "client_credentials"},
            basic=(self.client_id, self._secret),
        )


class SignInExpired(AuthenticationError):
    """A user's token that cannot be renewed (PKCE) has expired: the user signs in again."""


class PkceUserAuth(_CachedToken):
    """A user's token from the PKCE grant. The official SDKs read no refresh token from that grant
    (PY-SDK get_pkce_token) and every refresh needs the client's secret, which a public client does
    not have: the token lives its `expires_in` and then the user signs in again. Nothing is sent
    on an expired one: asking for a token raises SignInExpired."""

    kind = USER
    renewable = False

    def __init__(
        self,
        access_token: str,
        expires_at: float,
        *,
        wall: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(clock=clock)
        register_secret(access_token)
        self._wall = wall
        self.expires_at = expires_at  # epoch seconds (wall clock), as stored in the keyring
        self._token = access_token
        self.expires_in = int(max(0.0, expires_at - wall()))
        self._expires_at = clock() + (expires_at - wall()) - 30  # never use one in its last 30 s

    async def _fetch(self) -> TokenResponse:
        raise SignInExpired(
            "your sign-in has expired: sign in again (`genesys-tui login --user`, or L in "
            "Supervise); nothing was sent",
            code="sign.in.expired",
        )

    def invalidate(self, token: str) -> None:
        # A 401 on it: revoked or expired early. It cannot be renewed, so it is gone for good.
        if self._token == token:
            self._token = None
            self._expires_at = 0.0


class UserTokenAuth(_CachedToken):
    """A user's token from the code grant of a confidential client, renewed with its refresh
    token: each refresh authenticates with the client's secret (PY-SDK
    refresh_code_authorization_token) and rotates the token, which is handed to `on_refresh_token`
    so the keyring always holds the latest."""

    kind = USER
    renewable = True

    def __init__(
        self,
        hosts: Hosts,
        client_id: str,
        refresh_token: str,
        *,
        http: httpx.AsyncClient,
        client_secret: str | None = None,
        on_refresh_token: Callable[[str], None] | None = None,
        load_refresh_token: Callable[[], str | None] | None = None,
        initial: TokenResponse | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(clock=clock)
        self.hosts, self.client_id, self._http = hosts, client_id, http
        self._secret = client_secret
        register_secret(client_secret)
        self._refresh = refresh_token
        self._on_refresh = on_refresh_token
        self._load = load_refresh_token  # the shared store: another process may have rotated it
        register_secret(refresh_token)
        if initial is not None:
            self._token = initial.access_token
            self.expires_in = initial.expires_in
            self._expires_at = clock() + initial.expires_in - min(60.0, initial.expires_in * 0.1)

    def _newest(self) -> str:
        stored = self._load() if self._load else None
        if stored and stored != self._refresh:
            register_secret(stored)
            self._refresh = stored
        return self._refresh

    async def _fetch(self) -> TokenResponse:
        """Refresh tokens are single-use: read the newest stored one first (another process, the
        TUI or a CLI command, may have used ours), and when Genesys says it is no longer valid,
        try once more with whatever is stored now."""
        log.info("refreshing the user token at %s", self.hosts.login_host)
        tried: set[str] = set()
        while True:
            current = self._newest()
            tried.add(current)
            try:
                form = {"grant_type": "refresh_token", "refresh_token": current}
                if self._secret is None:
                    form["client_id"] = self.client_id
                tok = await request_token(
                    self._http,
                    self.hosts,
                    form,
                    basic=(self.client_id, self._secret) if self._secret else None,
                )
                break
            except AuthenticationError as e:
                if self._newest() not in tried:
                    continue  # rotated by another process meanwhile
                raise AuthenticationError(
                    "the stored user sign-in has expired or was revoked.",
                    status=e.status,
                    code=e.code,
                    correlation_id=e.correlation_id,
                ) from None
        if tok.refresh_token and tok.refresh_token != self._refresh:
            self._refresh = tok.refresh_token
            if self._on_refresh:
                self._on_refresh(tok.refresh_token)
        return tok
