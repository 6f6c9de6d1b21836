"""Which way to list an interval's conversations, for `conversations` and Browse alike.

The synchronous details query pages 100 conversations a request; at the client's 300 requests a
minute that is 30,000 a minute at best. Genesys's advice for large sets is the async details job
(results by cursor, 1,000 a page). A job sees only the data lake, which holds conversations that
ended before its dataAvailabilityDate. So:

- the recent part, from a day before the lake's date (a conversation still going, or ended after
  the date, started less than a day before it) to the interval's end, is always asked of the
  query;
- the older part goes to a job when the query's first page there counts more than `threshold`
  conversations (its totalHits), and to the query otherwise.

The two parts are cut at one instant and each conversation is kept by its start, so they never
overlap and nothing is held to merge them: rows stream in the order asked for (newest first by
default, walking the interval from its end)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from genesys_tui.genesys.analytics import MAX_CHUNK as WEEK
from genesys_tui.genesys.analytics import ConversationFilter, SearchProgress
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.errors import GenesysError
from genesys_tui.genesys.modelbase import iso
from genesys_tui.genesys.summaries import ConversationSummary

log = logging.getLogger("genesys_tui.browse")

THRESHOLD = 5_000  # conversations in the query's first 7-day chunk above which a job lists them
LAKE_MARGIN = timedelta(days=1)  # the longest conversation the query is sure to catch (see above)
PATHS = ("auto", "query", "job")


@dataclass
class ListingProgress:
    """Where a listing is, in a line a person reads: which path, why, and how far."""

    path: str = "query"  # query | job
    why: str = ""
    pages: int = 0
    conversations: int = 0
    total_hits: int = 0  # the current part's, as Genesys counts it (approximate)
    job_state: str = ""

    def line(self) -> str:
        n = f"{self.conversations:,} conversation(s)"
        if self.path == "job":
            state = f", job {self.job_state}" if self.job_state else ""
            return f"details job ({self.why}){state}: {n}, {self.pages:,} page(s) of 1,000"
        why = f" ({self.why})" if self.why else ""
        return f"details query{why}: {n}, {self.pages:,} page(s) of 100"


class Listing:
    def __init__(self, client: GenesysClient, threshold: int = THRESHOLD) -> None:
        self.client, self.threshold = client, threshold

    async def conversations(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None = None,
        *,
        order: str = "desc",
        path: str = "auto",
        progress: Callable[[ListingProgress], None] | None = None,
    ) -> AsyncIterator[ConversationSummary]:
        """Every conversation that started in [start, end), each once, in start order."""
        if path not in PATHS:
            raise ValueError(f"unknown listing path {path!r}: {', '.join(PATHS)}")
        if end <= start:
            raise ValueError("the interval's end must be after its start")
        state = ListingProgress()
        cut = start if path == "query" else await self._cut(start, end, path, state)
        recent = (cut, end) if cut < end else None
        old = (start, cut) if start < cut else None
        parts = [recent, old] if order == "desc" else [old, recent]
        for part in parts:
            if part is None:
                continue
            if part is old and path != "query":
                rows = self._old(*part, flt, order, path, state, progress)
            else:
                if part is recent and path != "query" and cut > start:
                    state.why = f"from {iso(cut)}: not all in the data lake yet"
                elif part is recent and path != "query" and not state.why:
                    state.why = "the interval is not all in the data lake yet"
                rows = self._query(*part, flt, order, state, progress)
            async for s in rows:
                yield s

    async def _cut(self, start: datetime, end: datetime, path: str, state) -> datetime:
        """Where the job's part ends: a day before the lake's date, inside [start, end]."""
        try:
            lake = await self.client.details_jobs.availability()
        except GenesysError as e:
            if path == "job":
                raise
            log.info("no data lake date (%s): listing by query", e)
            state.why = "details jobs not available to this client"
            return start
        if lake is None:
            return start
        return min(max(start, lake - LAKE_MARGIN), end)

    async def _query(self, a, b, flt, order, state: ListingProgress, progress):
        state.path = "query"
        pages0, conv0 = state.pages, state.conversations

        def seen(p: SearchProgress) -> None:
            state.pages, state.conversations = pages0 + p.pages, conv0 + p.conversations
            state.total_hits = p.total_hits
            if progress:
                progress(state)

        async for s in self.client.analytics.iter_conversations(
            a, b, flt, order=order, progress=seen
        ):
            yield s

    async def _old(self, a, b, flt, order, path, state: ListingProgress, progress):
        if path == "auto":
            # The 7 days next to where the listing starts: its first query, in full.
            x, y = (max(a, b - WEEK), b) if order == "desc" else (a, min(b, a + WEEK))
            first = await self.client.analytics.query_page(x, y, flt, page_size=1, order=order)
            state.pages += 1
            hits = int(first.get("totalHits") or 0) if isinstance(first, dict) else 0
            if hits <= self.threshold:
                state.why = f"{hits:,} in the first 7 days, at most {self.threshold:,}"
                async for s in self._query(a, b, flt, order, state, progress):
                    yield s
                return
            state.why = f"{hits:,} in the first 7 days, over {self.threshold:,}"
        else:
            state.why = "asked for"
        state.path, state.total_hits = "job", 0

        def job_state(s: str) -> None:
            state.job_state = s
            if progress:
                progress(state)

        def page_read() -> None:
            state.pages += 1
            if progress:
                progress(state)

        # A call still going is not in the lake, however long ago it started (a stuck one can
        # linger for days): asked of the query (a few rows), and merged in by start.
        going: list[ConversationSummary] = []
        if (flt or ConversationFilter()).ended is not True:
            still = replace(flt or ConversationFilter(), ended=False)
            going = [s async for s in self.client.analytics.iter_conversations(a, b, still)]
            going.sort(key=lambda s: s.start, reverse=order == "desc")
        taken = {s.conversation_id for s in going}

        def first(x: ConversationSummary, y: ConversationSummary) -> bool:
            return x.start > y.start if order == "desc" else x.start < y.start

        k = 0
        async for s in self.client.details_jobs.iter_conversations(
            a, b, flt, order=order, progress=job_state, page_read=page_read
        ):
            while k < len(going) and first(going[k], s):
                state.conversations += 1
                yield going[k]
                k += 1
            if s.conversation_id in taken:  # it ended while the job ran: listed already
                continue
            state.conversations += 1
            yield s
        for s in going[k:]:
            state.conversations += 1
            yield s
