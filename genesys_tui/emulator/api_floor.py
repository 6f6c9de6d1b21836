"""Emulated API: the floor's real-time queries (floor.py holds the state and the sources).

- POST /api/v2/analytics/queues/observations/query: a QueueObservationQuery whose filter names
  the queues (queueId predicates, at most MAX_IDS), metrics from QUEUE_METRICS, detailMetrics
  oWaiting (each waiting call's conversationId and observationDate). One result per queue, group
  {queueId, mediaType: voice}; oOnQueueUsers and oUserRoutingStatuses by routing status in
  `qualifier`.
- POST /api/v2/analytics/users/observations/query: a UserObservationQuery on userId predicates,
  metrics oUserRoutingStatuses and oUserPresences: one result per user, the status (or system
  presence) in `qualifier`, count 1, and one observation saying since when.
- POST /api/v2/analytics/conversations/aggregates/query: nOffered, tAbandon and oServiceLevel by
  queueId (groupBy queueId only) over the interval asked, of what has happened by now.
A metric the emulator does not know is refused (400), as a wrong name would be."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator import floor
from genesys_tui.emulator.errors import bad_request
from genesys_tui.emulator.request_helpers import json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

MAX_IDS = 100  # ids a query names (UNCONFIRMED: the emulator's limit)
QUEUE_METRICS = ("oWaiting", "oInteracting", "oOnQueueUsers", "oUserRoutingStatuses")
USER_METRICS = ("oUserRoutingStatuses", "oUserPresences")
DAY_METRICS = ("nOffered", "tAbandon", "oServiceLevel")


def _ids(body: dict[str, Any], dimension: str) -> list[str]:
    """The ids an observation query's filter names (predicates, or one level of clauses)."""
    flt = body.get("filter")
    if not isinstance(flt, dict) or flt.get("type") not in ("and", "or"):
        raise bad_request("filter with type and/or is required")
    preds = list(flt.get("predicates") or [])
    for clause in flt.get("clauses") or []:
        if isinstance(clause, dict):
            preds += clause.get("predicates") or []
    ids = [
        str(p.get("value"))
        for p in preds
        if isinstance(p, dict) and p.get("dimension") == dimension and p.get("value")
    ]
    if not ids:
        raise bad_request(f"the filter must name at least one {dimension}")
    if len(ids) > MAX_IDS:
        raise bad_request(f"a query names at most {MAX_IDS} {dimension} values")
    return list(dict.fromkeys(ids))


def _metrics(body: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise bad_request("metrics is required")
    bad = [m for m in metrics if m not in known]
    if bad:
        raise bad_request(f"unknown metric(s) {bad}: known are {', '.join(known)}")
    return metrics


def queue_data(q: floor.QueueState, metrics: list[str], detail: bool) -> list:
    data: list[dict[str, Any]] = []
    for m in metrics:
        if m == "oWaiting":
            d: dict[str, Any] = {"metric": m, "stats": {"count": len(q.waiting)}}
            if detail:
                d["observations"] = [
                    {"observationDate": docs.iso_ms(at), "conversationId": cid}
                    for cid, at in q.waiting
                ]
            data.append(d)
        elif m == "oInteracting":
            data.append({"metric": m, "stats": {"count": q.interacting}})
        else:  # oOnQueueUsers: members on queue; oUserRoutingStatuses: every member
            for status in floor.STATUSES:
                if m == "oOnQueueUsers" and status == "OFF_QUEUE":
                    continue
                data.append(
                    {"metric": m, "qualifier": status, "stats": {"count": q.members.get(status, 0)}}
                )
    return data


def day_metrics(q: floor.QueueState) -> list[dict[str, Any]]:
    ratio = q.answered_in_sl / q.offered if q.offered else None
    return [
        {"metric": "nOffered", "stats": {"count": q.offered}},
        {"metric": "tAbandon", "stats": {"count": q.abandoned}},
        {
            "metric": "oServiceLevel",
            "stats": {
                "ratio": ratio,
                "numerator": q.answered_in_sl,
                "denominator": q.offered,
                "target": 0.8,
            },
        },
    ]


async def queues_observations(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a QueueObservationQuery")
    ids = _ids(body, "queueId")
    metrics = _metrics(body, QUEUE_METRICS)
    detail = "oWaiting" in (body.get("detailMetrics") or [])
    states = {q.queue_id: q for q in floor.queue_states(emu, emu.now_ms())}
    results = [
        {
            "group": {"queueId": qid, "mediaType": "voice"},
            "data": queue_data(states[qid], metrics, detail),
        }
        for qid in ids
        if qid in states
    ]
    return JSONResponse({"results": results})


async def users_observations(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a UserObservationQuery")
    ids = _ids(body, "userId")
    metrics = _metrics(body, USER_METRICS)
    states = {a.user_id: a for a in floor.agent_states(emu, emu.now_ms())}
    results = []
    for uid in ids:
        a = states.get(uid)
        if a is None:
            continue
        data = []
        for m in metrics:
            qualifier, since = (
                (a.status, a.status_since)
                if m == "oUserRoutingStatuses"
                else (a.presence, a.presence_since)
            )
            data.append(
                {
                    "metric": m,
                    "qualifier": qualifier,
                    "stats": {"count": 1},
                    "observations": [{"observationDate": docs.iso_ms(since), "userId": uid}],
                }
            )
        results.append({"group": {"userId": uid}, "data": data})
    return JSONResponse({"results": results})


async def conversations_aggregates(
    emu: Emulator, request: Request, tok: Token, cid: str
) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("interval"), str):
        raise bad_request("interval is required")
    metrics = _metrics(body, DAY_METRICS)
    if body.get("groupBy") != ["queueId"]:
        raise bad_request("the emulator answers groupBy [queueId] only")
    now = emu.now_ms()
    try:
        lo, hi = (
            int(datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp() * 1000)
            for x in str(body["interval"]).split("/")
        )
    except ValueError:
        raise bad_request(f"not an interval: {body['interval']!r}") from None
    interval = f"{docs.iso_ms(lo)}/{docs.iso_ms(hi)}"
    wanted = set(_ids(body, "queueId")) if body.get("filter") else None
    results = []
    for q in floor.queue_states(emu, now, since=lo, until=hi):
        if wanted is not None and q.queue_id not in wanted:
            continue
        data = [m for m in day_metrics(q) if m["metric"] in metrics]
        results.append(
            {
                "group": {"queueId": q.queue_id, "mediaType": "voice"},
                "data": [{"interval": interval, "metrics": data}],
            }
        )
    return JSONResponse({"results": results})


A = "/api/v2/analytics"
ROUTES = [
    (
        "POST",
        A + "/queues/observations/query",
        queues_observations,
        "analytics.queues.observations",
    ),
    ("POST", A + "/users/observations/query", users_observations, "analytics.users.observations"),
    (
        "POST",
        A + "/conversations/aggregates/query",
        conversations_aggregates,
        "analytics.conversations.aggregates",
    ),
]
