"""Transcript search (reference 5.1, addendum 2): `POST /api/v2/speechandtextanalytics/transcripts/
search` for the conversations whose transcript says a phrase, within a start-time range. Content
is searchable for 60 days; paging stops at the first 1,000 results. Results say which
conversation, not where in it: the transcript tells that."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from genesys_tui.genesys.http import ApiClient

PATH = "/api/v2/speechandtextanalytics/transcripts/search"
PAGE_SIZE = 100
MAX_RESULTS = 1000
CONTENT_DAYS = 60
MIN_SPLIT = timedelta(seconds=2)  # the criteria are to the second
FORMAT = "yyyy-MM-dd'T'HH:mm:ss"


def search_body(text: str, start: datetime, end: datetime, page: int) -> dict:
    return {
        "types": ["transcripts"],
        "pageSize": PAGE_SIZE,
        "pageNumber": page,
        "sortOrder": "DESC",
        "returnFields": ["conversationId", "communicationId", "conversationStartTime"],
        "query": [
            {
                "type": "DATE_RANGE",
                "fields": ["conversationStartTime"],
                "startValue": f"{start:%Y-%m-%dT%H:%M:%S}",
                "endValue": f"{end:%Y-%m-%dT%H:%M:%S}",
                "dateFormat": FORMAT,
            },
            {"type": "EXACT", "fields": ["mediaType"], "value": "call"},
            {"type": "EXACT_PHRASE", "fields": ["transcript.content"], "value": text},
        ],
    }


def content_kept_since(now: datetime) -> datetime:
    return now - timedelta(days=CONTENT_DAYS)


class TranscriptSearch:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def conversations(self, text: str, start: datetime, end: datetime) -> AsyncIterator[str]:
        """Conversation ids whose transcript has `text`, newest first, each once. Genesys pages
        only through the first 1,000 results: a range with more is split in two until each
        half has fewer (what practitioners do), so none is left out silently."""
        seen: set[str] = set()
        async for cid in self._range(text, start, end, seen):
            yield cid

    async def _range(
        self, text: str, start: datetime, end: datetime, seen: set[str]
    ) -> AsyncIterator[str]:
        page = 1
        while True:
            data = await self.api.post_json(
                PATH, search_body(text, start, end, page), idempotent=True, ok=(200,)
            )
            total = data.get("total") if isinstance(data, dict) else None
            split = page == 1 and isinstance(total, int) and total > MAX_RESULTS
            if split and end - start >= MIN_SPLIT:
                mid = (start + (end - start) / 2).replace(microsecond=0)
                async for cid in self._range(text, mid, end, seen):  # newest first
                    yield cid
                async for cid in self._range(text, start, mid, seen):
                    yield cid
                return
            rows = data.get("results") if isinstance(data, dict) else None
            for r in rows if isinstance(rows, list) else []:
                cid = r.get("conversationId") if isinstance(r, dict) else None
                if isinstance(cid, str) and cid not in seen:
                    seen.add(cid)
                    yield cid
            if not isinstance(rows, list) or len(rows) < PAGE_SIZE:
                return
            if (page + 1) * PAGE_SIZE > MAX_RESULTS:
                return  # a second's calls past 1,000: as far as Genesys pages
            page += 1
