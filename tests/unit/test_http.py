"""Retries, token refresh, error mapping, where Authorization goes: the HTTP layer against a mock
transport (the emulator tests cover the same over real HTTP)."""

import asyncio

import httpx
import pytest

from genesys_tui.genesys import errors as E
from genesys_tui.genesys.auth import ClientCredentialsAuth
from genesys_tui.genesys.http import ApiClient, RetryPolicy
from genesys_tui.genesys.ratelimit import RateLimiter
from genesys_tui.genesys.regions import hosts_for

HOSTS = hosts_for("us_east_1")


class Recorder:
    def __init__(self):
        self.sleeps: list[float] = []
        self.now = 0.0

    async def sleep(self, s):
        self.sleeps.append(s)
        self.now += s

    def clock(self):
        return self.now


def make(handler, *, retry=None, token_handler=None):
    """An ApiClient whose API and login hosts are served by `handler` (and `token_handler`)."""
    calls = {"token": 0, "api": []}

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            calls["token"] += 1
            if token_handler:
                return token_handler(request, calls["token"])
            return httpx.Response(
                200, json={"access_token": f"tok-{calls['token']}", "expires_in": 3600}
            )
        calls["api"].append(request)
        return handler(request, len(calls["api"]))

    http = httpx.AsyncClient(transport=httpx.MockTransport(route))
    rec = Recorder()
    auth = ClientCredentialsAuth(HOSTS, "cid", "client-secret-value", http=http)
    api = ApiClient(
        HOSTS,
        auth,
        http=http,
        limiter=RateLimiter(10_000, clock=rec.clock, sleep=rec.sleep),
        retry=retry or RetryPolicy(base_delay=1, max_delay=8),
        sleep=rec.sleep,
        clock=rec.clock,
    )
    return api, calls, rec


def err(status, code="x", message="m", headers=None, **extra):
    return httpx.Response(
        status,
        json={"message": message, "code": code, "status": status, **extra},
        headers={"ININ-Correlation-Id": f"corr-{status}", **(headers or {})},
    )


async def test_429_waits_retry_after_then_succeeds():
    def h(req, n):
        return (
            err(429, headers={"Retry-After": "7"})
            if n < 3
            else httpx.Response(200, json={"ok": True})
        )

    api, calls, rec = make(h)
    assert await api.get_json("/api/v2/x") == {"ok": True}
    assert rec.sleeps == [7.0, 7.0] and len(calls["api"]) == 3


async def test_429_longer_than_180s_is_a_clear_error():
    api, calls, rec = make(lambda req, n: err(429, headers={"Retry-After": "3600"}))
    with pytest.raises(E.RateLimited, match="3600 s") as ei:
        await api.get_json("/api/v2/x")
    assert ei.value.correlation_id == "corr-429" and rec.sleeps == [] and len(calls["api"]) == 1


async def test_429_without_retry_after_uses_the_sdk_default():
    api, calls, rec = make(lambda req, n: err(429) if n == 1 else httpx.Response(200, json={}))
    await api.get_json("/api/v2/x")
    assert rec.sleeps == [3.0]


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_5xx_backoff_with_jitter(status):
    api, calls, rec = make(lambda req, n: err(status) if n < 4 else httpx.Response(200, json={}))
    await api.get_json("/api/v2/x")
    assert len(rec.sleeps) == 3
    for attempt, s in enumerate(rec.sleeps, 1):
        ceiling = min(8, 2 ** (attempt - 1))
        assert ceiling / 2 <= s <= ceiling


async def test_500_and_other_4xx_are_not_retried():
    for status, exc in (
        (500, E.ServerError),
        (400, E.BadRequest),
        (404, E.NotFound),
        (409, E.Conflict),
    ):
        api, calls, rec = make(lambda req, n, s=status: err(s))
        with pytest.raises(exc):
            await api.get_json("/api/v2/x")
        assert len(calls["api"]) == 1 and rec.sleeps == []


async def test_total_retry_time_is_capped():
    api, calls, rec = make(
        lambda req, n: err(503),
        retry=RetryPolicy(base_delay=10, max_delay=10, max_total_seconds=35, max_attempts=100),
    )
    with pytest.raises(E.ServerError):
        await api.get_json("/api/v2/x")
    # it stopped because the next wait would pass the cap, not because attempts ran out
    assert sum(rec.sleeps) <= 35 < sum(rec.sleeps) + 10
    assert len(calls["api"]) == len(rec.sleeps) + 1 < 100


async def test_post_is_not_retried_on_5xx_but_is_on_429():
    api, calls, rec = make(lambda req, n: err(503))
    with pytest.raises(E.ServerError):
        await api.request("POST", "/api/v2/conversations/calls/c/participants/p/barge")
    assert len(calls["api"]) == 1  # the barge may have happened: never send it twice

    api, calls, rec = make(
        lambda req, n: err(429, headers={"Retry-After": "1"}) if n == 1 else httpx.Response(201)
    )
    resp = await api.request("POST", "/api/v2/conversations/calls/c/participants/p/barge")
    assert resp.status_code == 201 and len(calls["api"]) == 2


async def test_connection_errors_retry_for_reads_and_unsent_posts_only():
    def flaky(req, n):
        if n == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={})

    api, calls, rec = make(flaky)
    await api.request("POST", "/api/v2/x")  # never reached the server: safe to resend
    assert len(calls["api"]) == 2

    def cut(req, n):
        raise httpx.ReadError("connection reset")

    api, calls, rec = make(cut)
    with pytest.raises(E.NetworkError):
        await api.request("POST", "/api/v2/x")
    assert len(calls["api"]) == 1
    api, calls, rec = make(cut, retry=RetryPolicy(max_attempts=3, base_delay=0.1))
    with pytest.raises(E.NetworkError):
        await api.get_json("/api/v2/x")
    assert len(calls["api"]) == 3


async def test_a_slow_answer_is_not_called_a_network_failure():
    """Issue 33's finding: a server that took the request and did not answer in time was
    reported as "ReadTimeout ... Check the network connection and the region"."""
    from genesys_tui.core.errors import user_message

    def slow(req, n):
        raise httpx.ReadTimeout("no answer")

    api, calls, rec = make(slow, retry=RetryPolicy(max_attempts=3, base_delay=1, max_delay=2))
    with pytest.raises(E.SlowAnswer) as got:  # a query: idempotent, asked again, then said
        await api.post_json("/api/v2/analytics/conversations/details/query", {}, idempotent=True)
    assert len(calls["api"]) == 3
    said = user_message(got.value)
    assert "gave no answer in 5 s (3 times" in said and "slow to answer" in said
    assert "network connection" not in said
    api, calls, rec = make(slow)
    with pytest.raises(E.SlowAnswer, match="not retried: it may have been carried out"):
        await api.request("POST", "/api/v2/conversations/x/participants/y/replace")
    assert len(calls["api"]) == 1  # an action: never sent twice


async def test_401_refreshes_the_token_once_and_retries_once():
    seen = []

    def h(req, n):
        seen.append(req.headers["Authorization"])
        return err(401, "bad.credentials") if n == 1 else httpx.Response(200, json={})

    api, calls, rec = make(h)
    await api.get_json("/api/v2/x")
    assert seen == ["Bearer tok-1", "Bearer tok-2"] and calls["token"] == 2

    api, calls, rec = make(lambda req, n: err(401, "bad.credentials"))
    with pytest.raises(E.AuthenticationError):
        await api.get_json("/api/v2/x")
    assert len(calls["api"]) == 2 and calls["token"] == 2


async def test_50_concurrent_requests_share_one_token_request():
    async def slow_token(request, n):
        return httpx.Response(200, json={"access_token": "only-one", "expires_in": 3600})

    api, calls, rec = make(
        lambda req, n: httpx.Response(200, json={}),
        token_handler=lambda req, n: httpx.Response(
            200, json={"access_token": f"t{n}", "expires_in": 3600}
        ),
    )
    await asyncio.gather(*(api.get_json(f"/api/v2/x/{i}") for i in range(50)))
    assert calls["token"] == 1
    assert {r.headers["Authorization"] for r in calls["api"]} == {"Bearer t1"}


async def test_concurrent_401s_cause_a_single_refresh():
    def h(req, n):
        return (
            err(401)
            if req.headers["Authorization"] == "Bearer t1"
            else httpx.Response(200, json={})
        )

    api, calls, rec = make(
        h,
        token_handler=lambda req, n: httpx.Response(
            200, json={"access_token": f"t{n}", "expires_in": 3600}
        ),
    )
    await asyncio.gather(*(api.get_json("/api/v2/x") for _ in range(20)))
    assert calls["token"] == 2


async def test_token_refreshed_before_expiry():
    clock = {"t": 0.0}
    api, calls, rec = make(
        lambda req, n: httpx.Response(200, json={}),
        token_handler=lambda req, n: httpx.Response(
            200, json={"access_token": f"t{n}", "expires_in": 300}
        ),
    )
    api.auth._clock = lambda: clock["t"]
    await api.get_json("/api/v2/x")
    clock["t"] = 260  # within the refresh margin (10% of 300 s)
    await api.get_json("/api/v2/x")
    clock["t"] = 275
    await api.get_json("/api/v2/x")
    assert calls["token"] == 2


async def test_token_request_uses_basic_auth_and_bad_secret_is_authentication_error():
    def tok(req, n):
        assert req.headers["Authorization"].startswith("Basic ")
        assert req.content == b"grant_type=client_credentials"
        return httpx.Response(
            401, json={"error": "invalid_client", "description": "client not found"}
        )

    api, calls, rec = make(lambda req, n: httpx.Response(200), token_handler=tok)
    with pytest.raises(E.AuthenticationError, match="invalid_client"):
        await api.get_json("/api/v2/x")
    assert calls["api"] == []


async def test_missing_permissions_are_named():
    body = {
        "message": "Unable to perform the requested action. You are missing the following permission(s): "
        "[recording:recording:view, analytics:conversationDetail:view]",
        "messageParams": {},
    }
    api, calls, rec = make(lambda req, n: err(403, "missing.permissions", body["message"]))
    with pytest.raises(E.PermissionDenied) as ei:
        await api.get_json("/api/v2/x")
    assert ei.value.permissions == ["recording:recording:view", "analytics:conversationDetail:view"]
    assert "recording:recording:view" in str(ei.value) and "corr-403" in str(ei.value)


async def test_user_context_error_is_typed():
    api, calls, rec = make(
        lambda req, n: err(
            400,
            "bad.request",
            "This request requires a user context. "
            "Client credentials cannot be used for requests to this resource.",
        )
    )
    with pytest.raises(E.UserContextRequired, match="login --user"):
        await api.request("POST", "/api/v2/conversations/c/barge")


async def test_malformed_json_is_a_clear_error():
    api, calls, rec = make(lambda req, n: httpx.Response(200, content=b"{not json"))
    with pytest.raises(E.ServerError, match="malformed JSON"):
        await api.get_json("/api/v2/x")


async def test_authorization_only_goes_to_the_api_host():
    seen = {}

    def route(request):
        seen[request.url.host] = request.headers.get("Authorization")
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        if request.url.host == "api.mypurecloud.com":
            return httpx.Response(200, json={})
        return httpx.Response(200, content=b"audio")

    http = httpx.AsyncClient(transport=httpx.MockTransport(route))
    api = ApiClient(
        HOSTS, ClientCredentialsAuth(HOSTS, "cid", "secret-value", http=http), http=http
    )
    await api.get_json("/api/v2/x")
    async with api.presigned("https://bucket.s3.amazonaws.com/rec.wav?X-Amz-Signature=abc") as r:
        await r.aread()
    assert seen["api.mypurecloud.com"] == "Bearer tok"
    assert seen["bucket.s3.amazonaws.com"] is None
    with pytest.raises(ValueError):
        api.url("https://elsewhere.example/api/v2/x")


async def test_rate_limit_headers_feed_the_limiter():
    def h(req, n):
        return httpx.Response(
            200,
            json={},
            headers={
                "inin-ratelimit-allowed": "300",
                "inin-ratelimit-count": "299",
                "inin-ratelimit-reset": "12",
            },
        )

    api, calls, rec = make(h)
    api.limiter = RateLimiter(300, clock=rec.clock, sleep=rec.sleep)
    await api.get_json("/api/v2/x")
    await api.get_json("/api/v2/x")
    assert rec.sleeps and rec.sleeps[0] >= 12
