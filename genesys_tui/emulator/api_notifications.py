"""Emulated API: the Notifications REST operations (addendum 1.1). They need no permission; a
topic's own permission is checked when it is subscribed (notifications.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator.errors import ApiError, bad_request, not_found
from genesys_tui.emulator.notifications import MAX_TOPICS, TOPICS, Channel
from genesys_tui.emulator.request_helpers import json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

C = "/api/v2/notifications/channels"


def _owner(tok: Token) -> tuple[str, str | None]:
    return (tok.client_id, tok.user_id)


async def channel_create(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return JSONResponse(emu.hub.create(_owner(tok), tok.value).doc(emu))  # 200 (SW2018)


async def channel_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    hub = emu.hub
    mine = [ch for c in list(hub.channels) if (ch := hub.live(c)) and ch.owner == _owner(tok)]
    return JSONResponse({"entities": [ch.doc(emu) for ch in mine]})


def _mine(emu: Emulator, request: Request, tok: Token) -> Channel:
    ch = emu.hub.live(request.path_params["channelId"])
    if ch is None or ch.owner != _owner(tok):
        raise not_found(f"channel {request.path_params['channelId']}")
    return ch


async def channel_head(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    _mine(emu, request, tok)
    return Response(status_code=200)


async def subscriptions_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    ch = _mine(emu, request, tok)
    return JSONResponse({"entities": [_topic(t) for t in ch.topics]})


def _topic(t: str) -> dict[str, Any]:
    return {"id": t, "state": "Permitted"}


async def _subscribe(emu: Emulator, request: Request, tok: Token, replace: bool) -> Response:
    ch = _mine(emu, request, tok)
    body = await json_body(request)
    if not isinstance(body, list) or not all(
        isinstance(x, dict) and isinstance(x.get("id"), str) for x in body
    ):
        raise bad_request('The body must be a list of topics: [{"id": "v2...."}]')
    topics = [x["id"] for x in body]
    total = emu.hub.count(topics + ([] if replace else ch.topics))
    if total > MAX_TOPICS:
        raise bad_request(f"A channel can have at most {MAX_TOPICS} topics")
    ignore = request.query_params.get("ignoreErrors", "false").lower() == "true"
    docs = [emu.hub.topic_doc(t) for t in dict.fromkeys(topics)]
    rejected = [d for d in docs if d["state"] != "Permitted"]
    if rejected and not ignore:
        # The status and code of a refused subscription are UNCONFIRMED (addendum 8, item 2).
        first = rejected[0]
        raise ApiError(
            403 if first.get("missingPermissions") else 400,
            "missing.permissions" if first.get("missingPermissions") else "bad.request",
            f"Topic {first['id']}: {first.get('rejectionReason')}",
        )
    emu.hub.subscribe(ch, docs, replace=replace)
    return JSONResponse({"entities": docs})


async def subscriptions_post(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return await _subscribe(emu, request, tok, replace=False)


async def subscriptions_put(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return await _subscribe(emu, request, tok, replace=True)


async def subscriptions_delete(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    ch = _mine(emu, request, tok)
    emu.hub.set_topics(ch, [])
    ch.used = time.monotonic()
    return Response(status_code=204)


async def available_topics(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    names = {
        "queue.calls": "v2.routing.queues.{id}.conversations.calls",
        "transcription": "v2.conversations.{id}.transcription",
        "sentiment": "v2.speechandtextanalytics.conversation.{id}.sentiment",
        "customer.end": "v2.detail.events.conversation.{id}.customer.end",
        "queue.observations": "v2.analytics.queues.{id}.observations",
        "user.presence": "v2.users.{id}.presence",
        "user.routingStatus": "v2.users.{id}.routingStatus",
    }
    return JSONResponse(
        {
            "entities": [
                {
                    "id": names[kind],
                    "requiresPermissions": list(perms),
                    "visibility": "Public",
                    "transports": ["All"],
                    "topicParameters": ["id"],
                }
                for _, kind, perms in TOPICS
            ]
        }
    )


S = C + "/{channelId}/subscriptions"
ROUTES = [
    ("POST", C, channel_create, "notifications.channels.create"),
    ("GET", C, channel_list, "notifications.channels.list"),
    ("HEAD", C + "/{channelId}", channel_head, "notifications.channels.head"),
    ("GET", S, subscriptions_get, "notifications.subscriptions.get"),
    ("POST", S, subscriptions_post, "notifications.subscriptions.post"),
    ("PUT", S, subscriptions_put, "notifications.subscriptions.put"),
    ("DELETE", S, subscriptions_delete, "notifications.subscriptions.delete"),
    ("GET", "/api/v2/notifications/availabletopics", available_topics, "notifications.topics"),
]
