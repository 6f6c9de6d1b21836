"""The analytics conversation details query over the org's numpy columns: real interval semantics,
conversation and segment filters, order/orderBy, paging limits."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from genesys_tui.emulator.org import ORG_NUMBER

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org

MAX_PAGE_SIZE = 100
MAX_RESULTS = 100_000
CONVERSATION_DIMENSIONS = {
    "conversationEnd",
    "conversationId",
    "conversationStart",
    "divisionId",
    "originatingDirection",
    "conversationInitiator",
    "customerParticipation",
    "externalTag",
    "mediaStatsMinConversationMos",
    "accessAttribute",
    "originatingSocialMediaPublic",
}
SEGMENT_DIMENSIONS = {
    "queueId",
    "userId",
    "mediaType",
    "wrapUpCode",
    "ani",
    "dnis",
    "direction",
    "purpose",
    "recording",
    "segmentType",
    "participantName",
    "segmentEnd",
    "sessionDnis",
    "conference",
    "disconnectType",
}


class QueryError(ValueError):
    pass


def parse_time(s: str) -> int:
    try:
        dt = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"Invalid interval: {s!r} is not an ISO-8601 date-time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def parse_interval(interval: Any) -> tuple[int, int]:
    if not isinstance(interval, str) or interval.count("/") != 1:
        raise QueryError("Invalid interval: expected 'start/end' in ISO-8601")
    a, b = (parse_time(x) for x in interval.split("/"))
    if b <= a:
        raise QueryError("Invalid interval: the end must be after the start")
    return a, b


class QueryEngine:
    def __init__(self, org: Org):
        self.org = org
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        q_index = {q.id: k for k, q in enumerate(org.queues)}
        u_index = {u.id: k for k, u in enumerate(org.agents)}
        w_index = {w[0]: k for k, w in enumerate(org.wrapups)}
        d_index = {d[0]: k for k, d in enumerate(org.divisions)}
        self._maps = {
            "queueId": q_index,
            "userId": u_index,
            "wrapUpCode": w_index,
            "divisionId": d_index,
        }
        self._derive()

    def _derive(self) -> None:
        """Columns derived from the org's, again whenever calls arrive or end."""
        org = self.org
        self.division = np.array([org.queues[q].division for q in org.queue])
        self.queue_dnis = np.array([q.dnis for q in org.queues], np.int64)[org.queue]
        self._version = org.version
        self._cache.clear()

    def run(self, body: Any) -> tuple[np.ndarray, int, int]:
        """Indices of the conversations for one page, totalHits, and the page size used."""
        if not isinstance(body, dict):
            raise QueryError("The request body must be a JSON object")
        paging = body.get("paging") or {}
        try:
            size = int(paging.get("pageSize", 25))
            number = int(paging.get("pageNumber", 1))
        except (TypeError, ValueError):
            raise QueryError("paging.pageSize and paging.pageNumber must be integers") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise QueryError(f"paging.pageSize must be between 1 and {MAX_PAGE_SIZE}")
        if number < 1:
            raise QueryError("paging.pageNumber must be at least 1")
        if size * number > MAX_RESULTS:
            raise QueryError("Pagination may not exceed 100000 results.")
        if self._version != self.org.version:
            self._derive()
        key = json.dumps(
            {
                k: body.get(k)
                for k in ("interval", "conversationFilters", "segmentFilters", "order", "orderBy")
            },
            sort_keys=True,
        )
        idx = self._cache.get(key)
        if idx is None:
            idx = self.matching(body)
            self._cache[key] = idx
            if len(self._cache) > 64:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        lo = (number - 1) * size
        return idx[lo : lo + size], int(idx.size), size

    def matching(self, body: dict[str, Any], *, start_of_day: bool = True) -> np.ndarray:
        """Indices of every conversation the query matches, in the requested order.
        start_of_day=False is an async job's matching: every conversation whose lifetime
        overlaps the interval (addendum 5)."""
        org = self.org
        if self._version != org.version:
            self._derive()
        a, b = parse_interval(body.get("interval"))
        start, end, live = org.start, org.end, org.live
        mask = (start < b) & (live | (end > a))  # activity in the interval
        if start_of_day:
            # "Results will only include conversations that started on a day touched by the
            # interval", and that had activity in it.
            day_lo, day_hi = a // 86_400_000, (b - 1) // 86_400_000
            day = start // 86_400_000
            mask &= (day >= day_lo) & (day <= day_hi)
        for f in body.get("conversationFilters") or []:
            mask &= self._filter(f, "conversation")
        for f in body.get("segmentFilters") or []:
            mask &= self._filter(f, "segment")
        idx = np.flatnonzero(mask)
        order = body.get("order", "asc")
        if order not in ("asc", "desc", "unordered"):
            raise QueryError(f"order must be asc, desc or unordered, got {order!r}")
        order_by = body.get("orderBy", "conversationStart")
        if order_by not in ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd"):
            raise QueryError(f"Invalid orderBy {order_by!r}")
        if order_by == "conversationEnd":
            keyv = np.where(live[idx], np.iinfo(np.int64).max, end[idx])
        else:
            keyv = start[idx]
        idx = idx[np.argsort(keyv, kind="stable")]
        return idx[::-1].copy() if order == "desc" else idx

    def _filter(self, f: Any, level: str) -> np.ndarray:
        if not isinstance(f, dict):
            raise QueryError("Each filter must be an object")
        kind = f.get("type", "and")
        if kind not in ("and", "or"):
            raise QueryError(f"Invalid filter type {kind!r}: and | or")
        parts = [self._predicate(p, level) for p in f.get("predicates") or []]
        parts += [self._filter(c, level) for c in f.get("clauses") or []]
        n = len(self.org.ids)
        if not parts:
            return np.ones(n, bool)
        out = parts[0].copy()
        for p in parts[1:]:
            out = (out & p) if kind == "and" else (out | p)
        return out

    def _predicate(self, p: Any, level: str) -> np.ndarray:
        org = self.org
        n = len(org.ids)
        if not isinstance(p, dict):
            raise QueryError("Each predicate must be an object")
        ptype = p.get("type", "dimension")
        if ptype != "dimension":
            raise QueryError(f"The emulator supports dimension predicates only, not {ptype!r}")
        dim = p.get("dimension")
        allowed = CONVERSATION_DIMENSIONS if level == "conversation" else SEGMENT_DIMENSIONS
        if dim not in allowed:
            raise QueryError(f"Invalid {level} dimension {dim!r}")
        op = p.get("operator", "matches")
        if op not in ("matches", "exists", "notExists"):
            raise QueryError(f"Invalid operator {op!r}")
        value = p.get("value")
        if dim == "conversationEnd":
            if op == "matches":
                raise QueryError("conversationEnd supports exists and notExists")
            return ~org.live if op == "exists" else org.live.copy()
        if op != "matches":
            exists = np.ones(n, bool)
            if dim == "userId":
                exists = org.agent >= 0
            elif dim == "wrapUpCode":
                exists = ~org.live & (org.agent >= 0)
            return exists if op == "exists" else ~exists
        if not isinstance(value, str):
            raise QueryError(f"predicate on {dim} needs a string value")
        if dim == "conversationId":
            k = org.find(value)
            out = np.zeros(n, bool)
            if k is not None:
                out[k] = True
            return out
        if dim in ("originatingDirection", "direction"):
            return (
                org.outbound.copy()
                if value == "outbound"
                else (~org.outbound if value == "inbound" else np.zeros(n, bool))
            )
        if dim == "mediaType":
            return np.full(n, value == "voice")
        if dim == "recording":
            return org.recorded.copy() if value == "true" else ~org.recorded
        if dim in ("ani", "dnis"):
            # Analytics keeps numbers as tel: URIs ("tel:+13175550100") and a dimension predicate
            # matches the value exactly: "+1317…" or "1317…" match nothing, as on a real org.
            m = re.fullmatch(r"tel:\+(\d{1,18})", value)
            num = int(m.group(1)) if m else -1
            if dim == "ani":
                return np.where(org.outbound, num == ORG_NUMBER, org.customer_number == num)
            return np.where(org.outbound, org.customer_number == num, self.queue_dnis == num)
        if dim == "purpose":
            if value in ("customer", "external"):
                return np.ones(n, bool)
            if value == "agent":
                return org.agent >= 0
            if value in ("ivr", "acd"):
                return ~org.outbound
            return np.zeros(n, bool)
        if dim in self._maps:
            k = self._maps[dim].get(value)
            if k is None:
                return np.zeros(n, bool)
            if dim == "queueId":
                return (org.queue == k) | (org.queue2 == k)
            if dim == "userId":
                return (org.agent == k) | (org.agent2 == k)
            if dim == "wrapUpCode":
                return (org.wrapup == k) & ~org.live & (org.agent >= 0)
            return self.division == k
        raise QueryError(f"The emulator cannot filter on {dim!r}")
