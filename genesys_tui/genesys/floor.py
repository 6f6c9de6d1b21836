"""The floor's real-time reads (analytics observations, the day's aggregates) and the pushed
messages that keep them, parsed into plain values. Models from the official SDK (257.1.0):
QueueObservationQuery / UserObservationQuery (filter, metrics, detailMetrics) answered with
results[{group, data[ObservationMetricData: metric, qualifier, stats, observations]}];
the conversations aggregates query; StatEventQueueTopicStatsNotification on
`v2.analytics.queues.{id}.observations`; UserRoutingStatusUserRoutingStatus on
`v2.users.{id}.routingStatus`; PresenceEventUserPresence on `v2.users.{id}.presence`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import parse_time

A = "/api/v2/analytics"
MAX_IDS = 100  # ids one query names
QUEUE_METRICS = ["oWaiting", "oInteracting", "oOnQueueUsers"]
USER_METRICS = ["oUserRoutingStatuses", "oUserPresences"]
DAY_METRICS = ["nOffered", "tAbandon", "oServiceLevel"]


@dataclass
class QueueNow:
    queue_id: str
    waiting: int = 0
    waiting_since: list[datetime] = field(
        default_factory=list
    )  # from a read's detail, oldest first
    interacting: int = 0
    on_queue: dict[str, int] = field(default_factory=dict)  # routing status -> members on queue
    offered: int | None = None  # today
    abandoned: int | None = None
    service_level: float | None = None  # 0..1

    def apply(self, metric: str, qualifier: str | None, stats: dict[str, Any]) -> None:
        count = _int(stats.get("count"))
        if metric == "oWaiting" and count is not None:
            self.waiting = count
            del self.waiting_since[count:]
        elif metric == "oInteracting" and count is not None:
            self.interacting = count
        elif metric == "oOnQueueUsers" and qualifier and count is not None:
            self.on_queue[str(qualifier)[:30]] = count
        elif metric == "nOffered" and count is not None:
            self.offered = count
        elif metric == "tAbandon" and count is not None:
            self.abandoned = count
        elif metric == "oServiceLevel":
            ratio = stats.get("ratio")
            if isinstance(ratio, int | float) and not isinstance(ratio, bool):
                self.service_level = max(0.0, min(1.0, float(ratio)))


@dataclass
class AgentNow:
    user_id: str
    status: str | None = None  # routing status
    status_since: datetime | None = None
    presence: str | None = None  # system presence
    presence_since: datetime | None = None


class FloorApi:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def queues(self, queue_ids: list[str]) -> dict[str, QueueNow]:
        """Each queue's observations now, with its waiting calls' times (detailMetrics)."""
        out: dict[str, QueueNow] = {}
        for chunk in _chunks(queue_ids):
            body = {
                "filter": _or("queueId", chunk),
                "metrics": QUEUE_METRICS,
                "detailMetrics": ["oWaiting"],
            }
            for group, data in _results(
                await self.api.post_json(A + "/queues/observations/query", body, idempotent=True)
            ):
                qid = str(group.get("queueId") or "")
                if not qid:
                    continue
                q = out.setdefault(qid, QueueNow(qid))
                for d in data:
                    q.apply(str(d.get("metric")), d.get("qualifier"), _dict(d.get("stats")))
                    if d.get("metric") == "oWaiting":
                        times = [
                            parse_time(o.get("observationDate"))
                            for o in _list(d.get("observations"))
                        ]
                        q.waiting_since = sorted(t for t in times if t is not None)
        return out

    async def day(self, queue_ids: list[str], interval: str) -> dict[str, dict[str, Any]]:
        """The day's offered, abandoned and service level by queue: metric -> stats."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(queue_ids):
            body = {
                "interval": interval,
                "groupBy": ["queueId"],
                "filter": _or("queueId", chunk),
                "metrics": DAY_METRICS,
            }
            data = await self.api.post_json(
                A + "/conversations/aggregates/query", body, idempotent=True
            )
            for group, rows in _results(data):
                qid = str(group.get("queueId") or "")
                for row in rows:
                    for m in _list(row.get("metrics")):
                        out.setdefault(qid, {})[str(m.get("metric"))] = _dict(m.get("stats"))
        return out

    async def agents(self, user_ids: list[str]) -> dict[str, AgentNow]:
        out: dict[str, AgentNow] = {}
        for chunk in _chunks(user_ids):
            body = {"filter": _or("userId", chunk), "metrics": USER_METRICS}
            for group, data in _results(
                await self.api.post_json(A + "/users/observations/query", body, idempotent=True)
            ):
                uid = str(group.get("userId") or "")
                if not uid:
                    continue
                a = out.setdefault(uid, AgentNow(uid))
                for d in data:
                    obs = _list(d.get("observations"))
                    since = parse_time(obs[0].get("observationDate")) if obs else None
                    q = str(d.get("qualifier") or "")[:30] or None
                    if d.get("metric") == "oUserRoutingStatuses":
                        a.status, a.status_since = q, since
                    elif d.get("metric") == "oUserPresences":
                        a.presence, a.presence_since = q, since
        return out


def apply_routing_status(a: AgentNow, body: dict[str, Any]) -> None:
    rs = _dict(body.get("routingStatus"))
    if isinstance(rs.get("status"), str):
        a.status = rs["status"][:30]
        a.status_since = parse_time(rs.get("startTime")) or a.status_since


def apply_presence(a: AgentNow, body: dict[str, Any]) -> None:
    pd = _dict(body.get("presenceDefinition"))
    if isinstance(pd.get("systemPresence"), str):
        a.presence = pd["systemPresence"][:30]
        a.presence_since = parse_time(body.get("modifiedDate")) or a.presence_since


def apply_queue_stats(q: QueueNow, body: dict[str, Any]) -> None:
    for row in _list(body.get("data")):
        for m in _list(_dict(row).get("metrics")):
            m = _dict(m)
            q.apply(str(m.get("metric")), m.get("qualifier"), _dict(m.get("stats")))


def _or(dimension: str, ids: list[str]) -> dict[str, Any]:
    return {"type": "or", "predicates": [{"dimension": dimension, "value": i} for i in ids]}


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[k : k + MAX_IDS] for k in range(0, len(ids), MAX_IDS)]


def _results(data: Any) -> list[tuple[dict, list[dict]]]:
    out = []
    for r in _list(_dict(data).get("results")):
        r = _dict(r)
        out.append((_dict(r.get("group")), [_dict(d) for d in _list(r.get("data"))]))
    return out


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return max(0, int(v))
