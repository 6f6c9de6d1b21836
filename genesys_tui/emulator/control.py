"""The emulator's test-only control endpoints (settings.control): its state and counters, faults
to inject, notification sockets to close or expire, and the stepped clock. Never part of the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from genesys_tui.emulator.faults import KINDS, FaultSpecError

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator


def control_routes(emu: Emulator) -> list[Route]:
    def bound(fn):
        async def endpoint(request: Request) -> Response:  # a function: Starlette calls it with
            return await fn(emu, request)  # the request (a partial would be taken for ASGI)

        return endpoint

    return [
        Route("/__emulator/state", bound(control_state), methods=["GET"]),
        Route("/__emulator/faults", bound(control_faults), methods=["PUT"]),
        Route("/__emulator/notifications", bound(control_notifications), methods=["POST"]),
        Route("/__emulator/clock", bound(control_clock), methods=["POST"]),
        Route("/__emulator/hold", bound(control_hold), methods=["POST"]),
        Route("/__emulator/permissions", bound(control_permissions), methods=["POST"]),
        Route("/__emulator/tokens", bound(control_tokens), methods=["POST"]),
        Route("/__emulator/silence", bound(control_silence), methods=["POST"]),
    ]


async def control_silence(emu: Emulator, request: Request) -> Response:
    """Test hook: {"conversationId": C, "after_seconds": N, "seconds": S}: nobody speaks on the
    live call C from N seconds from now (org clock) for S seconds."""
    try:
        body = await request.json()
        start = emu.now_ms() + int(float(body.get("after_seconds", 0)) * 1000)
        n = emu.centre.silence(
            str(body["conversationId"]), start, int(float(body["seconds"]) * 1000)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return JSONResponse({"error": f"conversationId, seconds[, after_seconds]: {e}"}, 400)
    return JSONResponse({"dropped": n})


async def control_permissions(emu: Emulator, request: Request) -> Response:
    """Test hook: {"deny": [P...], "grant": [P...]} changes what the org's clients may do now;
    notification topics no longer allowed are dropped (v2.subscription.updated)."""
    body = await request.json()
    if not isinstance(body, dict):
        return JSONResponse({"error": "deny and/or grant"}, 400)
    emu.granted -= {str(p) for p in body.get("deny") or ()}
    emu.granted |= {str(p) for p in body.get("grant") or ()}
    return JSONResponse({"channels": emu.hub.permissions_changed()})


async def control_tokens(emu: Emulator, request: Request) -> Response:
    """Test hook: {"revoke": "all"} revokes every access token (an admin revoking a client's or a
    user's tokens); the channels they made are told (v2.system.token_revoked) and gone."""
    body = await request.json()
    if not isinstance(body, dict) or body.get("revoke") != "all":
        return JSONResponse({"error": 'revoke: "all"'}, 400)
    values = [v for v, t in emu.tokens.tokens.items() if not t.revoked]
    for v in values:
        emu.tokens.revoke(v)
    return JSONResponse(
        {"tokens": len(values), "channels": sum(emu.hub.token_revoked(v) for v in values)}
    )


async def control_state(emu: Emulator, request: Request) -> Response:
    return JSONResponse(
        {
            "faults": emu.faults.spec(),
            "injected": dict(emu.faults.injected),
            "stats": dict(emu.stats),
            "tokensIssued": emu.tokens.issued,
            "faultKinds": KINDS,
        }
    )


async def control_clock(emu: Emulator, request: Request) -> Response:
    """Test hook: {"seconds": S} steps a stepped clock on by S seconds (at most a day)."""
    try:
        body = await request.json()
        seconds = float(body["seconds"])
        if not 0 <= seconds <= 86_400:
            raise ValueError(seconds)
        now = emu.advance(round(seconds * 1000))
    except (ValueError, KeyError, TypeError) as e:
        return JSONResponse({"error": f"bad step: {e}"}, 400)
    return JSONResponse({"now": now})


async def control_notifications(emu: Emulator, request: Request) -> Response:
    """Test hooks: {"closing": SECONDS} sends socket_closing then closes every socket;
    {"expire": CHANNEL_ID} ends a channel now; {"drop": true} cuts every socket; {"push":
    {"topic": T, "body": {...}}} sends that event, whatever it holds, to the topic's sockets (a
    hostile or broken Genesys)."""
    body = await request.json()
    hub = emu.hub
    push = body.get("push") if isinstance(body, dict) else None
    if isinstance(push, dict) and isinstance(push.get("topic"), str):
        return JSONResponse({"sockets": hub.publish(push["topic"], push.get("body") or {})})
    if "closing" in body:
        return JSONResponse({"sockets": hub.socket_closing(float(body["closing"]))})
    if "expire" in body:
        ch = hub.channels.get(str(body["expire"]))
        if ch is not None:
            ch.expires_ms = emu.now_ms()
        return JSONResponse({"expired": ch is not None})
    if body.get("drop"):
        n = 0
        for ch in hub.channels.values():
            if ch.outbox is not None:
                ch.outbox.put_nowait(None)
                n += 1
        return JSONResponse({"sockets": n})
    return JSONResponse({"error": "closing, expire, drop or push"}, 400)


async def control_faults(emu: Emulator, request: Request) -> Response:
    try:
        body = await request.json()
        emu.faults.set(str(body.get("faults", "")))
    except (ValueError, FaultSpecError, AttributeError) as e:
        return JSONResponse({"error": str(e)}, 400)
    return JSONResponse({"faults": emu.faults.spec()})


async def control_hold(emu: Emulator, request: Request) -> Response:
    """Test hook: {"media_after": N} makes recording downloads past the Nth (counted from now)
    wait; {"release": true} lets every waiting and later one through."""
    try:
        body = await request.json()
        if body.get("release"):
            emu.hold_media_after = None
            if emu.media_released is not None:
                emu.media_released.set()
                emu.media_released = None
            return JSONResponse({"held": emu.stats["s3.held"]})
        n = int(body["media_after"])
        if n < 0:
            raise ValueError(n)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return JSONResponse({"error": f"media_after N, or release: {e}"}, 400)
    emu.hold_media_after = emu.stats["s3.media"] + n
    return JSONResponse({"after": emu.hold_media_after})
