"""Async analytics conversation-detail jobs (reference 3.2, addendum 5): the way through an
interval with more conversations than the synchronous query will page (100,000). Submit an
AsyncConversationQuery, wait until the job is FULFILLED, then read its results a page at a time by
cursor. Jobs see only what the data lake holds: nothing after its dataAvailabilityDate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys import states as S
from genesys_tui.genesys.analytics import ConversationFilter, interval_string
from genesys_tui.genesys.errors import GenesysError
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import parse_time
from genesys_tui.genesys.pacing import pacing
from genesys_tui.genesys.summaries import ConversationSummary

log = logging.getLogger("genesys_tui.analytics")

JOBS = "/api/v2/analytics/conversations/details/jobs"
PAGE_SIZE = 1000  # the results' maximum is UNCONFIRMED (addendum 5); the emulator takes 1,000
OVER = (S.FAILED, S.CANCELLED, S.EXPIRED)


class DetailsJobError(GenesysError):
    pass


def async_query(
    start: datetime, end: datetime, flt: ConversationFilter | None, order: str = "asc"
) -> dict[str, Any]:
    """An AsyncConversationQuery: the synchronous query's filters, no paging, and the job's own
    interval matching (every conversation whose lifetime overlaps the interval)."""
    flt = flt or ConversationFilter()
    body: dict[str, Any] = {
        "interval": interval_string(start, end),
        "order": order,
        "orderBy": "conversationStart",
        "startOfDayIntervalMatching": False,
    }
    if cf := flt.conversation_filters():
        body["conversationFilters"] = cf
    if sf := flt.segment_filters():
        body["segmentFilters"] = sf
    return body


class DetailsJobs:
    def __init__(
        self,
        api: ApiClient,
        *,
        poll_seconds: float | None = None,
        max_poll_seconds: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api = api
        self.poll = pacing().details_job if poll_seconds is None else poll_seconds
        self.max_poll, self._sleep = max_poll_seconds, sleep

    async def availability(self) -> datetime | None:
        """Before when the data lake is sure to hold every conversation."""
        data = await self.api.get_json(JOBS + "/availability")
        return parse_time(data.get("dataAvailabilityDate")) if isinstance(data, dict) else None

    async def submit(self, query: dict[str, Any]) -> str:
        data = await self.api.post_json(JOBS, query, ok=(200, 202))
        job_id = data.get("jobId") if isinstance(data, dict) else None
        if not isinstance(job_id, str):
            raise DetailsJobError("Genesys accepted the details job but gave no jobId.")
        return safe_id(job_id, "job id")

    async def status(self, job_id: str) -> dict[str, Any]:
        data = await self.api.get_json(f"{JOBS}/{safe_id(job_id, 'job id')}")
        return data if isinstance(data, dict) else {}

    async def wait(
        self, job_id: str, progress: Callable[[str], None] | None = None
    ) -> dict[str, Any]:
        """Poll until the job is FULFILLED (waiting longer between polls, up to max_poll)."""
        delay = self.poll
        while True:
            st = await self.status(job_id)
            state = str(st.get("state") or "")
            if progress:
                progress(state)
            if state == S.FULFILLED:
                return st
            if state in OVER or not state:
                why = st.get("errorMessage") or "no reason given"
                raise DetailsJobError(f"The analytics details job {job_id} is {state}: {why}.")
            await self._sleep(delay)
            delay = min(self.max_poll, delay * 1.5)

    async def pages(self, job_id: str) -> AsyncIterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            data = await self.api.get_json(
                f"{JOBS}/{safe_id(job_id, 'job id')}/results",
                {"pageSize": PAGE_SIZE, "cursor": cursor},
            )
            if not isinstance(data, dict):
                raise DetailsJobError(f"The results of details job {job_id} are not an object.")
            yield data
            nxt = data.get("cursor")
            if not nxt or not isinstance(nxt, str) or nxt == cursor:
                return
            cursor = nxt

    async def cancel(self, job_id: str) -> None:
        await self.api.request("DELETE", f"{JOBS}/{safe_id(job_id, 'job id')}")

    async def iter_conversations(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None = None,
        *,
        order: str = "asc",
        progress: Callable[[str], None] | None = None,
        page_read: Callable[[], None] | None = None,
    ) -> AsyncIterator[ConversationSummary]:
        """Every conversation that started in [start, end) and is in the data lake, in start
        order (`order`: asc or desc), each once. The job is deleted when the results are read
        (or abandoned)."""
        if end <= start:
            raise ValueError("the interval's end must be after its start")
        job_id = await self.submit(async_query(start, end, flt, order))
        try:
            await self.wait(job_id, progress)
            async for page in self.pages(job_id):
                if page_read:
                    page_read()
                for row in page.get("conversations") or []:
                    if not isinstance(row, dict):
                        continue
                    try:
                        s = ConversationSummary.from_api(row)
                    except (ValueError, KeyError, TypeError) as e:
                        log.warning(
                            "skipping malformed conversation %s: %s", row.get("conversationId"), e
                        )
                        continue
                    if start <= s.start < end:  # the job matched on overlap
                        yield s
        finally:
            try:
                await self.cancel(job_id)
            except GenesysError as e:  # the results are read; a leftover job expires by itself
                log.info("could not delete details job %s: %s", job_id, e)
