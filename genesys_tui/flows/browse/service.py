"""The Browse flow's one entry point for the CLI (`conversations`, `recordings`) and the TUI (the
Browse screen): conversations over an interval, filters given by name or ID, one conversation's
detail, and a conversation found by its ID. No Textual, no Rich."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime

from genesys_tui.flows.browse.listing import THRESHOLD, Listing, ListingProgress
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import Conversation, Recording
from genesys_tui.genesys.summaries import ConversationSummary, ParticipantSummary

PAGE = 100  # conversations handed over at a time: the list grows while the user looks


class BrowseService:
    def __init__(self, client: GenesysClient, *, job_threshold: int = THRESHOLD) -> None:
        self.client = client
        self.listing = Listing(client, job_threshold)

    async def resolve_filter(
        self,
        *,
        queues: Iterable[str] = (),
        agents: Iterable[str] = (),
        wrapups: Iterable[str] = (),
        **rest,
    ) -> ConversationFilter:
        """A filter from names or IDs (queues, agents, wrap-up codes) as a person types them;
        `rest` are ConversationFilter's other fields. A name that matches nothing is an error."""
        d = self.client.directory
        return ConversationFilter(
            queue_ids=tuple([await d.resolve("queue", q) for q in queues]),
            user_ids=tuple([await d.resolve("user", u) for u in agents]),
            wrapup_codes=tuple([await d.resolve("wrapup", w) for w in wrapups]),
            **rest,
        )

    async def pages(
        self,
        start: datetime,
        end: datetime,
        flt: ConversationFilter | None = None,
        *,
        order: str = "desc",
        path: str = "auto",
        progress: Callable[[ListingProgress], None] | None = None,
        page: int = PAGE,
    ) -> AsyncIterator[list[ConversationSummary]]:
        """Conversations that started in [start, end), each once, `page` at a time, by the
        details query or (a big interval) a details job: flows/browse/listing.py."""
        batch: list[ConversationSummary] = []
        count, last = 0, time.monotonic()
        async for s in self.listing.conversations(
            start, end, flt, order=order, path=path, progress=progress
        ):
            batch.append(s)
            # Past the first pages, batches grow with the list (a twentieth of it, at most
            # 10,000): a sorted list re-sorts once a batch, not once every 100 rows. Rows that
            # come slowly are still handed over twice a second.
            size = page if page == 1 else max(page, min(count // 20, 10_000))
            if len(batch) >= size or (len(batch) >= page and time.monotonic() - last > 0.5):
                count += len(batch)
                last = time.monotonic()
                yield batch
                batch = []
        if batch:
            yield batch

    async def detail(self, conversation_id: str) -> tuple[Conversation, list[Recording]]:
        """A conversation and its recordings with their annotations (formatId=NONE: nothing is
        transcoded just to show a selection, and recordingmetadata has no system annotations)."""
        conv, recs = await asyncio.gather(
            self.client.conversations.get(conversation_id),
            self.client.recordings.list(conversation_id, "NONE", max_wait_ms=0),
        )
        return conv, recs

    async def find(self, conversation_id: str) -> ConversationSummary:
        """A conversation's row by its ID, to list, sort and queue it like the others: analytics'
        row, or (analytics does not have it yet: a live or very recent call) one made from the
        conversation itself. NotFound when the conversation does not exist."""
        conv = await self.client.conversations.get(conversation_id)  # a wrong ID says so
        found = await self.client.analytics.summaries_by_id([conversation_id])
        return found.get(conversation_id) or summary_of(conv)

    async def recordings(
        self, conversation_id: str, format_id: str, max_wait_ms: int | None = None
    ) -> list[Recording]:
        kw = {} if max_wait_ms is None else {"max_wait_ms": max_wait_ms}
        return await self.client.recordings.list(conversation_id, format_id, **kw)


def summary_of(conv: Conversation) -> ConversationSummary:
    """A list row from `GET /api/v2/conversations/{id}`: the customer's (or external party's)
    numbers and direction, the queues and agents on it, and whether a call leg records."""
    queues, users, parts = [], [], []
    ani = dnis = direction = None
    recording = False
    for p in conv.participants:
        parts.append(ParticipantSummary(p.id or "", p.purpose or "", p.name, p.user_id))
        if p.queue_id and p.queue_id not in queues:
            queues.append(p.queue_id)
        if p.user_id and p.purpose in ("agent", "user") and p.user_id not in users:
            users.append(p.user_id)
        recording = recording or any(c.recording for c in p.calls)
        if p.purpose in ("customer", "external") and ani is None:
            ani, dnis = p.ani, p.dnis
            direction = next((c.direction for c in p.calls if c.direction), None)
    return ConversationSummary(
        conversation_id=conv.id or "",
        start=conv.start_time or datetime.now(UTC),
        end=conv.end_time,
        direction=direction,
        media_types=("voice",) if any(p.calls for p in conv.participants) else (),
        queue_ids=tuple(queues),
        user_ids=tuple(users),
        ani=ani,
        dnis=dnis,
        wrapup_codes=tuple(p.wrapup.code for p in conv.participants if p.wrapup and p.wrapup.code),
        has_recording=recording,
        participants=tuple(parts),
    )
