"""Conversation search: POST /api/v2/analytics/conversations/details/query, page by page, long
intervals split, de-duplicated by conversationId, and the 100,000-result cap handled by narrowing
the interval."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import iso
from genesys_tui.genesys.summaries import ConversationSummary

log = logging.getLogger("genesys_tui.analytics")

PATH = "/api/v2/analytics/conversations/details/query"
MAX_PAGE_SIZE = 100
MULTI_GET_LIMIT = 100  # ids per GET …/details?id= (the docs name no maximum; UNCONFIRMED)
MAX_RESULTS = 100_000  # "Pagination may not exceed 100000 results."
MAX_CHUNK = timedelta(days=7)
MIN_SPLIT = timedelta(minutes=1)


@dataclass(frozen=True)
class ConversationFilter:
    """What the browser and `conversations`/`fetch` filter on. Several values of one field are
    OR-ed; different fields are AND-ed."""

    queue_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    direction: str | None = None  # one of DIRECTIONS
    media_types: tuple[str, ...] = ()  # voice, chat, ...
    ani: str | None = None
    dnis: str | None = None
    wrapup_codes: tuple[str, ...] = ()
    has_recording: bool | None = None
    ended: bool | None = None  # True: conversationEnd exists; False: live calls only

    def conversation_filters(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.direction:
            out.append(_group("dimension", "originatingDirection", [self.direction]))
        if self.ended is not None:
            op = "exists" if self.ended else "notExists"
            out.append(
                {
                    "type": "and",
                    "predicates": [
                        {"type": "dimension", "dimension": "conversationEnd", "operator": op}
                    ],
                }
            )
        return out

    def segment_filters(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for dim, values in (
            ("queueId", self.queue_ids),
            ("userId", self.user_ids),
            ("mediaType", self.media_types),
            ("wrapUpCode", self.wrapup_codes),
            ("ani", (phone_value(self.ani),) if self.ani else ()),
            ("dnis", (phone_value(self.dnis),) if self.dnis else ()),
        ):
            if values:
                out.append(_group("dimension", dim, list(values)))
        if self.has_recording is not None:
            out.append(
                _group("dimension", "recording", ["true" if self.has_recording else "false"])
            )
        return out


def phone_value(text: str) -> str:
    """A number as analytics stores it, whatever the user typed: `+1 (317) 555-0100`, `13175550100`
    and `tel:+13175550100` all become `tel:+13175550100` (an exact-match dimension: the form
    matters). Give the whole international number; a sip: address is left as it is."""
    t = text.strip()
    if t.lower().startswith("sip:"):
        return t
    digits = re.sub(r"\D", "", t.removeprefix("tel:"))
    return f"tel:+{digits}" if digits else t


def _group(ptype: str, dimension: str, values: list[str]) -> dict[str, Any]:
    return {
        "type": "or",
        "predicates": [
            {"type": ptype, "dimension": dimension, "operator": "matches", "value": v}
            for v in values
        ],
    }


def interval_string(start: datetime, end: datetime) -> str:
    return f"{iso(start)}/{iso(end)}"


def build_query(
    start: datetime,
    end: datetime,
    flt: ConversationFilter | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    page_number: int = 1,
    order: str = "asc",
    order_by: str = "conversationStart",
) -> dict[str, Any]:
    flt = flt or ConversationFilter()
    body: dict[str, Any] = {
        "interval": interval_string(start, end),
        "order": order,
        "orderBy": order_by,
        "paging": {"pageSize": page_size, "pageNumber": page_number},
    }
    if cf := flt.conversation_filters():
        body["conversationFilters"] = cf
    if sf := flt.segment_filters():
        body["segmentFilters"] = sf
    return body


def split_interval(
    start: datetime, end: datetime, size: timedelta = MAX_CHUNK
) -> list[tuple[datetime, datetime]]:
    chunks = []
    cur = start
    while cur < end:
        nxt = min(cur + size, end)
        chunks.append((cur, nxt))
        cur = nxt
    return chunks


@dataclass
class SearchProgress:
    pages: int = 0
    conversations: int = 0
    total_hits: int = 0  # approximate, summed over chunks seen so far


class Analytics:
    def __init__(self, api: ApiClient):
        self.api = api

    async def query_page(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None = None,
        *,
        page_size: int = MAX_PAGE_SIZE,
        page_number: int = 1,
        order: str = "asc",
    ) -> dict[str, Any]:
        body = build_query(
            start, end, flt, page_size=page_size, page_number=page_number, order=order
        )
        # A details query changes nothing, so retrying it on 5xx is safe.
        return await self.api.post_json(PATH, body, idempotent=True, ok=(200,))

    async def by_ids(self, conversation_ids: list[str]) -> list[dict[str, Any]]:
        """`GET …/details?id=a,b,…`, 100 ids a request: the conversations found (unknown ids are
        left out), as analytics documents."""
        out: list[dict[str, Any]] = []
        ids = list(dict.fromkeys(safe_id(c, "conversation id") for c in conversation_ids))
        for k in range(0, len(ids), MULTI_GET_LIMIT):
            data = await self.api.get_json(
                "/api/v2/analytics/conversations/details",
                {"id": ",".join(ids[k : k + MULTI_GET_LIMIT])},
            )
            rows = data.get("conversations") if isinstance(data, dict) else None
            out.extend(r for r in rows or [] if isinstance(r, dict))
        return out

    async def summaries_by_id(self, conversation_ids: list[str]) -> dict[str, ConversationSummary]:
        out = {}
        for row in await self.by_ids(conversation_ids):
            try:
                s = ConversationSummary.from_api(row)
            except (ValueError, KeyError, TypeError) as e:
                log.warning("skipping malformed conversation %s: %s", row.get("conversationId"), e)
                continue
            out[s.conversation_id] = s
        return out

    async def recorded_sessions(self, conversation_id: str) -> list[str]:
        """The customer's (or external party's) sessions that were recorded: where a transcript is
        kept when a recording stub carries no sessionId (archived, still transcoding)."""
        out: list[str] = []
        for conv in await self.by_ids([conversation_id]):
            for p in conv.get("participants") or []:
                if not isinstance(p, dict) or p.get("purpose") not in ("customer", "external"):
                    continue
                for s in p.get("sessions") or []:
                    sid = s.get("sessionId") if isinstance(s, dict) else None
                    if s.get("recording") and isinstance(sid, str) and sid not in out:
                        out.append(sid)
        return out

    async def iter_conversations(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None = None,
        *,
        order: str = "asc",
        page_size: int = MAX_PAGE_SIZE,
        strict: bool = True,
        progress: Callable[[SearchProgress], None] | None = None,
    ) -> AsyncIterator[ConversationSummary]:
        """Every conversation that started in [start, end), each once.

        The API's interval matches conversations with activity in the interval that started on a
        day the interval touches, so with strict=True (the default) results are trimmed to those
        that *started* in the interval: what a person browsing "yesterday" expects, and what makes
        chunk boundaries exact.
        """
        if end <= start:
            raise ValueError("the interval's end must be after its start")
        # A conversation seen already (pages shift while new ones arrive). Trimmed to the
        # interval, each one belongs to a single chunk: the set is the chunk's, and memory stays
        # flat however many are listed. Untrimmed, one set for all.
        seen: set[str] | None = None if strict else set()
        state = SearchProgress()
        chunks = split_interval(start, end)
        if order == "desc":
            chunks.reverse()
        for a, b in chunks:
            async for summary in self._chunk(
                a,
                b,
                flt,
                order,
                page_size,
                strict,
                set() if seen is None else seen,
                state,
                progress,
            ):
                yield summary

    async def _chunk(
        self,
        a: datetime,
        b: datetime,
        flt: ConversationFilter | None,
        order: str,
        page_size: int,
        strict: bool,
        seen: set[str],
        state: SearchProgress,
        progress: Callable[[SearchProgress], None] | None,
    ) -> AsyncIterator[ConversationSummary]:
        page = 1
        while True:
            data = await self.query_page(
                a, b, flt, page_size=page_size, page_number=page, order=order
            )
            state.pages += 1
            total = int(data.get("totalHits") or 0)
            if page == 1:
                state.total_hits += total
                if total > MAX_RESULTS and (b - a) > MIN_SPLIT:
                    # Too many to page through: narrow the interval and try each half.
                    state.total_hits -= total
                    mid = a + (b - a) / 2
                    halves = [(a, mid), (mid, b)]
                    if order == "desc":
                        halves.reverse()
                    log.info("interval %s has %d hits: splitting", interval_string(a, b), total)
                    for x, y in halves:
                        async for s in self._chunk(
                            x, y, flt, order, page_size, strict, seen, state, progress
                        ):
                            yield s
                    return
            rows = data.get("conversations") or []
            for row in rows:
                cid = row.get("conversationId")
                if not cid or cid in seen:
                    continue
                try:
                    summary = ConversationSummary.from_api(row)
                except (ValueError, KeyError, TypeError) as e:
                    log.warning("skipping malformed conversation %s: %s", cid, e)
                    continue
                if strict and not (a <= summary.start < b):
                    continue
                seen.add(cid)
                state.conversations += 1
                yield summary
            if progress:
                progress(state)
            # totalHits is approximate, so page until a short page rather than trusting it.
            if len(rows) < page_size or page * page_size >= MAX_RESULTS:
                return
            page += 1
