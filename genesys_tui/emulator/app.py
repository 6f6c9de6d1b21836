"""The emulator's ASGI app: login and API paths on one host and port, like a tiny Genesys Cloud.

It is an independent implementation of the API contract (it never imports genesys_tui.genesys), so
tests against it catch a client that misreads the API."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route, WebSocketRoute

from genesys_tui.emulator import permissions
from genesys_tui.emulator.documents import error_body
from genesys_tui.emulator.errors import ApiError
from genesys_tui.emulator.faults import Faults
from genesys_tui.emulator.live_centre import LiveCentre
from genesys_tui.emulator.mediastore import MediaStore
from genesys_tui.emulator.notifications import Hub
from genesys_tui.emulator.org import Org
from genesys_tui.emulator.presign import Signer
from genesys_tui.emulator.query import QueryEngine
from genesys_tui.emulator.settings import EmulatorSettings
from genesys_tui.emulator.tokens import Token, TokenStore

log = logging.getLogger("genesys_tui.emulator")
Handler = Callable[["Emulator", Request, Token, str], Awaitable[Response]]


class Emulator:
    """State of one emulated org, and the Starlette app that serves it."""

    def __init__(self, settings: EmulatorSettings | None = None):
        self.s = settings or EmulatorSettings()
        self.org = Org(self.s)
        self.query = QueryEngine(self.org)
        # tokens live on the org's clock (a stepped one ends them when a test steps it on)
        self.tokens = TokenStore(
            self.s.token_ttl, self.s.refresh_ttl, clock=lambda: self.now_ms() / 1000
        )
        self.signer = Signer()
        self.faults = Faults(self.s.faults, self.s.seed)
        self.media = MediaStore(self.s.sample_rate, self.s.cache_dir, shared=self.s.shared_media)
        self.stats: Counter[str] = Counter()
        self.restores: dict[str, tuple[float, str]] = {}  # recording id -> (ready at, archiveDate)
        # Test control (POST /__emulator/hold): recording downloads past this many wait until
        # released, so a test can interrupt a client mid-run whatever the machine's speed.
        self.hold_media_after: int | None = None
        self.media_released: asyncio.Event | None = None
        self.delete_dates: dict[
            str, int | None
        ] = {}  # recording id -> deleteDate set (or removed) by a PUT
        self.batches: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.details_jobs: dict[str, dict[str, Any]] = {}  # async analytics detail jobs
        self.hub = Hub(self)  # notification channels and their sockets
        self.centre = LiveCentre(self)  # calls arriving and ending (settings.live_rate)
        self.exported: set[str] = set()  # recording ids an EXPORT job wrote (exports are one-time)
        self.secure_sessions: dict[str, list[dict[str, Any]]] = {}
        self.bookmarks: dict[str, dict[str, dict[str, Any]]] = {}  # "conv/rec" -> id -> annotation
        self.quality_forms: list[dict[str, Any]] | None = None  # made when first asked for
        self.search_index: Any = (
            None  # transcript search's index (search_index.py), made on first use
        )
        self.evaluations: dict[str, dict[str, Any]] = {}  # id -> Evaluation
        self.idempotency: dict[str, tuple[bytes, str]] = {}  # Idempotency-Key -> (body, id)
        # What the demo org's clients and supervisor may do (--deny-permission takes some away).
        self.granted = permissions.ALL_PERMISSIONS - set(self.s.deny_permissions)
        # A pinned clock (--now) runs from the anchor; otherwise the org's clock is the wall clock.
        self.clock_offset_ms = (
            int(self.s.anchor.timestamp() * 1000 - time.time() * 1000) if self.s.pin_clock else 0
        )
        self.stepped_ms = int(self.s.anchor.timestamp() * 1000)  # the clock when stepped_clock
        self.base_url = ""  # set by the server once the port is known; used in presigned URLs

        routes = [
            Route("/", self.home),
            Route("/oauth/token", self.oauth_token, methods=["POST"]),
            Route("/oauth/authorize", self.oauth_authorize, methods=["GET"]),
            Route("/s3/{path:path}", self.s3, methods=["GET", "HEAD"]),
            WebSocketRoute("/channels/{channelId}", self.hub.serve),
        ]
        for method, path, handler, name in api_routes():
            routes.append(Route(path, self.api(handler, name), methods=[method]))
        if self.s.control:
            from genesys_tui.emulator.control import control_routes

            routes += control_routes(self)
        routes.append(
            Route(
                "/api/v2/{rest:path}",
                self.api(_unknown, "unknown"),
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            )
        )
        self.app = Starlette(
            routes=routes,
            exception_handlers={HTTPException: self._http_error, ClientDisconnect: _gone},
            lifespan=self._lifespan,
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette):
        self.centre.start()
        yield
        await self.centre.stop()
        self.close()

    def close(self) -> None:
        self.media.close()

    # --- helpers -------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The synthetic org's clock, in epoch ms."""
        if self.s.stepped_clock:
            return self.stepped_ms
        return int(time.time() * 1000) + self.clock_offset_ms

    def advance(self, ms: int) -> int:
        """Step a stepped clock on by `ms` and move the live centre to the new time (run on the
        server's loop: the centre pushes to sockets)."""
        if not self.s.stepped_clock:
            raise ValueError("the clock is not stepped (stepped_clock)")
        self.stepped_ms += max(0, int(ms))
        self.centre.tick(self.stepped_ms)
        return self.stepped_ms

    def publish_call(self, d) -> None:
        """A live call changed: its snapshot to every queue topic it is in (addendum 1.4)."""
        from genesys_tui.emulator.documents import queue_call_event

        body = None
        for q in d.queue_ids:
            topic = f"v2.routing.queues.{q}.conversations.calls"
            if any(topic in ch.topics for ch in self.hub.channels.values()):
                body = body or queue_call_event(self.org, d)
                self.hub.publish(topic, body)

    def url(self, path_and_query: str) -> str:
        return f"{self.base_url}{path_and_query}"

    def presign(self, path: str, ttl: int, extra: dict[str, str] | None = None) -> str:
        return self.url(
            f"{path}?{self.signer.sign(path, ttl, extra, expired=self.faults.roll('expire'))}"
        )

    async def _http_error(self, request: Request, exc: HTTPException) -> Response:
        cid = str(uuid.uuid4())
        code = {404: "not.found", 405: "method.not.allowed"}.get(exc.status_code, "bad.request")
        return JSONResponse(
            error_body(exc.status_code, code, str(exc.detail), cid),
            exc.status_code,
            headers={"ININ-Correlation-Id": cid},
        )

    def api(self, handler: Handler, name: str) -> Callable[[Request], Awaitable[Response]]:
        """Auth, rate limit, fault injection and the headers every API response carries."""

        async def endpoint(request: Request) -> Response:
            cid = str(uuid.uuid4())
            limit = self.s.rate_limit_per_minute
            headers = {
                "ININ-Correlation-Id": cid,
                "inin-ratelimit-allowed": str(limit),
                "inin-ratelimit-count": "0",
                "inin-ratelimit-reset": "60",
            }
            self.stats["api"] += 1
            self.stats[name] += 1

            def fail(status: int, code: str, message: str, **extra: Any) -> Response:
                return JSONResponse(
                    error_body(status, code, message, cid, **extra), status, headers=headers
                )

            if self.faults.roll("slow"):
                await asyncio.sleep(self.s.slow_seconds)
            auth = request.headers.get("authorization", "")
            if not auth.lower().startswith("bearer "):
                return fail(
                    401,
                    "authentication.required",
                    "No authentication bearer token specified in authorization header.",
                )
            tok = self.tokens.lookup(auth[7:].strip())
            if tok is None:
                return fail(401, "bad.credentials", "Invalid login credentials.")
            lack = permissions.missing(self.granted, name)
            if lack is not None:
                fields = permissions.error_fields(*lack)
                return fail(403, fields.pop("code"), fields.pop("message"), **fields)
            allowed, count, reset = self.tokens.count(tok, limit)
            headers.update({"inin-ratelimit-count": str(count), "inin-ratelimit-reset": str(reset)})
            if not allowed:
                headers["Retry-After"] = str(reset)
                return fail(
                    429,
                    "too.many.requests.retry.after",
                    f"Rate limit exceeded the maximum. Retry the request in [{reset}] seconds",
                )
            fault = self.faults.api_fault(name)
            if fault == "revoke":
                self.tokens.revoke(tok.value)
                self.hub.token_revoked(tok.value)
                return fail(401, "bad.credentials", "Invalid login credentials.")
            if fault == "429":
                ra = self.s.fault_retry_after
                headers["Retry-After"] = str(ra)
                return fail(
                    429,
                    "too.many.requests.retry.after",
                    f"Rate limit exceeded the maximum. Retry the request in [{ra}] seconds",
                )
            if fault:
                status = int(fault)
                return fail(
                    status,
                    {
                        500: "internal.server.error",
                        502: "bad.gateway",
                        503: "service.unavailable",
                        504: "gateway.timeout",
                    }[status],
                    "The service is temporarily unavailable (injected fault).",
                )
            try:
                resp = await handler(self, request, tok, cid)
            except ApiError as e:
                return fail(e.status, e.code, e.message, **e.extra)
            if self.faults.roll("lost", name):  # done, but the caller never hears of it
                return fail(
                    502, "bad.gateway", "The service is temporarily unavailable (injected fault)."
                )
            resp.headers.update(headers)
            return resp

        return endpoint

    # --- login ---------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return PlainTextResponse(
            f"Genesys Cloud emulator for genesys-tui\norg: {self.org.name}\n"
            f"conversations: {len(self.org.ids)}\nAPI and login base URL: {self.base_url}\n"
        )

    async def oauth_token(self, request: Request) -> Response:
        def oauth_error(status: int, error: str, description: str) -> Response:
            return JSONResponse(
                {"error": error, "description": description, "error_description": description},
                status,
            )

        fault = self.faults.api_fault()
        if fault == "429":
            resp = oauth_error(429, "too_many_requests", "rate limited (injected fault)")
            resp.headers["Retry-After"] = str(self.s.fault_retry_after)
            return resp
        if fault and fault != "revoke":
            return oauth_error(
                int(fault), "server_error", "temporarily unavailable (injected fault)"
            )
        form = {
            k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
        }
        grant = form.get("grant_type")
        client_id, secret = _basic(request.headers.get("authorization", ""))
        client_id = client_id or str(form.get("client_id") or "")
        secret = secret or str(form.get("client_secret") or "")
        if grant == "client_credentials":
            if client_id != self.s.client_id or secret != self.s.client_secret:
                return oauth_error(401, "invalid_client", "client not found")
            tok = self.tokens.issue(client_id)
            return JSONResponse(
                {"access_token": tok.value, "token_type": "bearer", "expires_in": self.s.token_ttl}
            )
        # The code grants, as the official SDKs use them (PY-SDK api_client.py): get_pkce_token sends
        # client_id + code_verifier, no secret, and reads no refresh_token; get_code_authorization_token
        # and refresh_code_authorization_token authenticate with the client's secret (Basic) and read
        # refresh_token. OAuthClient.md: "Secrets are required for code authorization and client
        # credential grants". So: a PKCE client gets an access token only; a code client must show its
        # secret, gets a refresh token, and every refresh is single-use (rotated).
        if grant == "authorization_code":
            if client_id == self.s.code_client_id:
                if secret != self.s.code_client_secret:
                    return oauth_error(401, "invalid_client", "client authentication failed")
            elif client_id != self.s.pkce_client_id:
                return oauth_error(
                    400, "unauthorized_client", "the client is not authorized for this grant type"
                )
            code = self.tokens.redeem_code(
                str(form.get("code") or ""),
                client_id,
                str(form.get("redirect_uri") or ""),
                str(form.get("code_verifier") or ""),
            )
            if code is None or (client_id == self.s.pkce_client_id and not code.challenge):
                return oauth_error(
                    400,
                    "invalid_grant",
                    "authorization code is invalid, expired, or the verifier does not match",
                )
            refresh = (
                self.tokens.new_refresh(client_id, code.user_id)
                if client_id == self.s.code_client_id
                else None
            )
            return self._user_tokens(client_id, code.user_id, refresh)
        if grant == "refresh_token":
            if client_id != self.s.code_client_id or secret != self.s.code_client_secret:
                return oauth_error(401, "invalid_client", "client authentication failed")
            rotated = self.tokens.rotate_refresh(str(form.get("refresh_token") or ""), client_id)
            if rotated is None:
                return oauth_error(400, "invalid_grant", "refresh token is invalid or expired")
            user_id, new_rt = rotated
            return self._user_tokens(client_id, user_id, new_rt)
        return oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _user_tokens(self, client_id: str, user_id: str, refresh: str | None) -> Response:
        tok = self.tokens.issue(client_id, user_id)
        body = {"access_token": tok.value, "token_type": "bearer", "expires_in": self.s.token_ttl}
        if refresh:
            body["refresh_token"] = refresh
        return JSONResponse(body)

    async def oauth_authorize(self, request: Request) -> Response:
        q = request.query_params
        redirect = q.get("redirect_uri", "")
        client = q.get("client_id", "")
        problems = []
        if client not in (self.s.pkce_client_id, self.s.code_client_id):
            problems.append(
                "unknown client_id"
                if client != self.s.client_id
                else "the client is not authorized for the authorization code grant"
            )
        if q.get("response_type") != "code":
            problems.append("response_type must be code")
        # OAuthClient.registeredRedirectUri: "List of allowed callbacks for this client". An
        # unregistered redirect_uri is an error page; the browser is never sent there.
        if redirect not in self.s.redirect_uris:
            problems.append(f"redirect_uri {redirect!r} is not registered for this client")
        challenge = q.get("code_challenge", "")
        if client == self.s.pkce_client_id and not challenge:
            problems.append("a PKCE code_challenge is required")
        if challenge and q.get("code_challenge_method", "plain") not in ("S256", "plain"):
            problems.append("code_challenge_method must be S256 or plain")
        if problems:
            text = "; ".join(problems).replace("&", "&amp;").replace("<", "&lt;")
            return HTMLResponse(f"<h1>Sign-in error</h1><p>{text}</p>", 400)
        # The demo org approves at once, as its supervisor.
        code = self.tokens.new_code(
            client,
            redirect,
            challenge,
            q.get("code_challenge_method", "plain"),
            self.org.supervisors[0].id,
        )
        sep = "&" if "?" in redirect else "?"
        return RedirectResponse(
            f"{redirect}{sep}{urlencode({'code': code, 'state': q.get('state', '')})}", 302
        )

    # --- presigned storage ---------------------------------------------------------------------

    async def s3(self, request: Request) -> Response:
        from genesys_tui.emulator.s3 import serve

        return await serve(self, request)


def api_routes() -> list[tuple[str, str, Handler, str]]:
    """Every API operation the emulator serves: (method, path, handler, name)."""
    from genesys_tui.emulator import (  # here: they import this module's Emulator for types
        api_analytics_jobs,
        api_annotations,
        api_conversations,
        api_directory,
        api_floor,
        api_notifications,
        api_quality,
        api_recording_jobs,
        api_recordings,
        api_search,
    )

    return (
        api_analytics_jobs.ROUTES  # before /jobs/{jobId}: /jobs/availability is literal
        + api_floor.ROUTES
        + api_annotations.ROUTES
        + api_directory.ROUTES
        + api_notifications.ROUTES
        + api_search.ROUTES
        + api_quality.ROUTES
        + api_conversations.ROUTES
        + api_recordings.ROUTES
        + api_recording_jobs.ROUTES
    )


async def _unknown(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    raise ApiError(404, "not.found", f"No such resource: {request.method} {request.url.path}")


def _basic(header: str) -> tuple[str, str]:
    if not header.lower().startswith("basic "):
        return "", ""
    try:
        raw = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    cid, _, secret = raw.partition(":")
    return cid, secret


async def _gone(request: Request, exc: Exception) -> Response:
    """The client went away mid-request (an app quitting, a timeout): nobody reads the answer,
    and it is no error of ours to log."""
    return Response(status_code=499)
