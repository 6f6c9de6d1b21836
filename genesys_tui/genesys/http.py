"""The HTTP layer: one pooled httpx.AsyncClient, Authorization only to the API origin, retries the
way Genesys's own SDKs do them, client-side rate limiting, typed errors."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from genesys_tui import __version__
from genesys_tui.core.redact import redact_url
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.auth import TokenProvider
from genesys_tui.genesys.ratelimit import RateLimiter
from genesys_tui.genesys.regions import Hosts

log = logging.getLogger("genesys_tui.http")

USER_AGENT = f"genesys-tui/{__version__} (python-httpx/{httpx.__version__})"
RETRYABLE_5XX = (502, 503, 504)
# Errors raised before the request reached the server: safe to retry even for a POST.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    max_total_seconds: float = 120.0
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 180.0  # the SDKs give up on a 429 asking for longer
    default_retry_after: float = 3.0  # the SDKs' wait when a 429 has no Retry-After

    def backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter (attempt 1 is the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


@functools.cache
def tls_context():
    """One verifying TLS context for every client: httpx's default (certifi, or SSL_CERT_FILE),
    built once; building it loads the whole CA bundle, 20-40 ms a client."""
    return httpx.create_ssl_context()


def new_http_client(
    timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
        follow_redirects=False,
        verify=tls_context(),
    )


class ApiClient:
    """Calls to https://api.<domain>/api/v2/... with the bearer token, retries and rate limiting."""

    def __init__(
        self,
        hosts: Hosts,
        auth: TokenProvider,
        *,
        http: httpx.AsyncClient,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.hosts = hosts
        self.auth = auth
        self.http = http
        self.limiter = limiter or RateLimiter()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self.calls = 0  # API requests sent, retries included (bench: calls per recording)
        self.last_correlation_id: str | None = None

    def url(self, path: str) -> str:
        if not path.startswith("/api/v2/"):
            raise ValueError(f"not an API path: {path}")
        return self.hosts.api_base + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one API request, retrying what is safe to retry.

        idempotent=False (the default for POST/PATCH) means: a 5xx or a connection lost after
        sending is not retried, because the server may already have acted (a barge must never be
        dispatched twice). A 429 is retried either way: the server refused it without acting.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        url = self.url(path)
        params = {k: v for k, v in (params or {}).items() if v is not None}
        started = self._clock()
        attempt = 0
        reauthed = False
        while True:
            attempt += 1
            await self.limiter.acquire()
            token = await self.auth.token()
            sent = {**(headers or {}), "Authorization": f"Bearer {token}"}
            sent["Accept"] = "application/json"
            self.calls += 1
            try:
                resp = await self.http.request(
                    method, url, params=params or None, json=json, headers=sent
                )
            except httpx.TransportError as e:
                delay = self._after_transport_error(e, method, path, attempt, started, idempotent)
                log.warning(
                    "%s %s: %s; retry %d in %.1fs", method, path, type(e).__name__, attempt, delay
                )
                await self._sleep(delay)
                continue
            self.limiter.observe(resp.headers)
            cid = resp.headers.get("ININ-Correlation-Id")
            self.last_correlation_id = cid
            status = resp.status_code
            log.debug("%s %s -> %d (%s)", method, path, status, cid)
            if status in ok:
                return resp
            if status == 401 and not reauthed:
                # Expired or revoked: get a fresh token once and try again.
                reauthed = True
                self.auth.invalidate(token)
                log.info("%s %s: 401, refreshing the token", method, path)
                continue
            delay = self._after_refusal(resp, attempt, started, idempotent)
            log.warning("%s %s: %d, retry %d in %.1fs", method, path, status, attempt, delay)
            await self._sleep(delay)

    def _after_transport_error(
        self,
        e: httpx.TransportError,
        method: str,
        path: str,
        attempt: int,
        started: float,
        idempotent: bool,
    ) -> float:
        """How long to wait before sending again after the connection failed; NetworkError when
        it must not be sent again (it may have arrived: not idempotent) or retries are spent."""
        delay = self.retry.backoff(attempt)
        retryable = isinstance(e, NOT_SENT) or idempotent
        if retryable and self._may_retry(attempt, started, delay):
            return delay
        if isinstance(e, httpx.ReadTimeout):  # sent, connected, unanswered: slow, not broken
            wait = self.http.timeout.read
            each = f"{wait:.0f} s" if wait else "a while"
            tries = (
                f"{attempt} times, {self._clock() - started:.0f} s in all" if attempt > 1 else ""
            )
            raise E.SlowAnswer(
                f"{method} {path}: {self.hosts.api_host} gave no answer in {each}"
                + (f" ({tries})" if tries else "")
                + (" and it is not retried: it may have been carried out" if not idempotent else "")
                + "."
            ) from None
        raise E.NetworkError(
            f"{method} {path} failed: {type(e).__name__} talking to {self.hosts.api_host}."
        ) from None

    def _after_refusal(
        self, resp: httpx.Response, attempt: int, started: float, idempotent: bool
    ) -> float:
        """How long to wait before sending again after an error status; the error when it is not
        to be retried. A 429 always is (the server did not act), within max_retry_after; a 5xx
        only when idempotent."""
        status = resp.status_code
        if status == 429:
            wait = _retry_after(resp, self.retry.default_retry_after)
            if wait > self.retry.max_retry_after:
                raise self._error(
                    resp,
                    f"Rate limited: Genesys asks to wait {wait:.0f} s, longer than "
                    f"the {self.retry.max_retry_after:.0f} s limit.",
                )
            self.limiter.penalize(wait)
            if self._may_retry(attempt, started, wait):
                return wait
            raise self._error(resp, "Rate limited and out of retries.")
        if status in RETRYABLE_5XX and idempotent:
            retry_after = min(_retry_after(resp, 0.0), self.retry.max_delay)
            delay = max(self.retry.backoff(attempt), retry_after)
            if self._may_retry(attempt, started, delay):
                return delay
        raise self._error(resp)

    def _may_retry(self, attempt: int, started: float, delay: float) -> bool:
        if attempt >= self.retry.max_attempts:
            return False
        return (self._clock() - started) + delay <= self.retry.max_total_seconds

    def _error(self, resp: httpx.Response, message: str | None = None) -> E.GenesysError:
        return error_from_response(resp, message)

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        resp = await self.request("GET", path, params=params, ok=(200,))
        return decode_json(resp)

    async def post_json(
        self,
        path: str,
        body: Any,
        *,
        idempotent: bool = False,
        ok: tuple[int, ...] = (200, 201, 202),
        headers: dict[str, str] | None = None,
    ) -> Any:
        resp = await self.request(
            "POST", path, json=body, ok=ok, idempotent=idempotent, headers=headers
        )
        return decode_json(resp) if resp.content else None

    @asynccontextmanager
    async def presigned(
        self, url: str, headers: dict[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Stream a presigned media/transcript URL. Never carries our Authorization header: the
        URL's own signature is the credential."""
        if self.hosts.owns(url) and "/api/v2/" in url:
            raise ValueError("presigned() is for media URLs, not API calls")
        try:
            async with self.http.stream("GET", url, headers=headers or {}) as resp:
                yield resp
        except httpx.TransportError as e:
            raise E.NetworkError(
                f"download from {redact_url(url).split('?')[0]} failed: {type(e).__name__}"
            ) from None


def decode_json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        raise E.ServerError(
            f"the API sent malformed JSON ({resp.status_code})",
            status=resp.status_code,
            correlation_id=resp.headers.get("ININ-Correlation-Id"),
        ) from None


def _retry_after(resp: httpx.Response, default: float) -> float:
    value = resp.headers.get("Retry-After")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


def error_from_response(resp: httpx.Response, message: str | None = None) -> E.GenesysError:
    """Map an error response (the normalized ErrorBody) to a typed error."""
    try:
        body = resp.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    status = resp.status_code
    code = body.get("code")
    cid = resp.headers.get("ININ-Correlation-Id") or body.get("contextId")
    api_msg = str(body.get("message") or resp.reason_phrase or "")
    req = resp.request
    what = f"{req.method} {req.url.path}" if req is not None else "request"
    kw: dict[str, Any] = {"status": status, "code": code, "correlation_id": cid, "body": body}
    if status == 401:
        return E.AuthenticationError(message or f"{what}: not authenticated ({api_msg}).", **kw)
    if status == 403:
        perms = E.missing_permissions(body)
        return E.PermissionDenied(message or f"{what}: permission denied ({api_msg}).", perms, **kw)
    if status == 404:
        return E.NotFound(message or f"{what}: not found.", **kw)
    if status == 409:
        return E.Conflict(message or f"{what}: conflict ({api_msg}).", **kw)
    if status == 429:
        return E.RateLimited(
            message or f"{what}: rate limited ({api_msg}).",
            retry_after=_retry_after(resp, 0.0),
            **kw,
        )
    if status == 400 and "user context" in api_msg.lower():
        return E.UserContextRequired(message or f"{what}: {api_msg}", **kw)
    if 400 <= status < 500:
        return E.BadRequest(message or f"{what}: {api_msg or 'bad request'} ({status}).", **kw)
    return E.ServerError(message or f"{what}: server error {status} ({api_msg}).", **kw)


def correlation_id() -> str:
    return str(uuid.uuid4())
