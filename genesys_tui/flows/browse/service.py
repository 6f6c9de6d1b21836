"""The Browse flow's one entry point for the CLI (`conversations`, `recordings`) and the TUI (the
Browse screen): conversations over an interval, filters given by name or ID, one conversation's
detail, and a conversation found by its ID. No Textual, no Rich."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime

from genesys_tui.genesys.analytics import ConversationFilter, SearchProgress
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import Conversation, Recording
from genesys_tui.genesys.summaries import ConversationSummary

PAGE = 100  # conversations handed over at a time: the list grows while the user looks


class BrowseService:
    def __init__(self, client: GenesysClient) -> None:
        self.client = client

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
        progress: Callable[[SearchProgress], None] | None = None,
        page: int = PAGE,
    ) -> AsyncIterator[list[ConversationSummary]]:
        """Conversations that started in [start, end), each once, `page` at a time."""
        batch: list[ConversationSummary] = []
        async for s in self.client.analytics.iter_conversations(
            start, end, flt, order=order, progress=progress
        ):
            batch.append(s)
            if len(batch) >= page:
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

    async def find(self, conversation_id: str) -> ConversationSummary | None:
        """A conversation's analytics row by its ID (to list, sort and queue it like the others);
        None when analytics does not have it yet. NotFound when the conversation does not exist."""
        await self.client.conversations.get(conversation_id)  # a wrong ID says so
        found = await self.client.analytics.summaries_by_id([conversation_id])
        return found.get(conversation_id)

    async def recordings(
        self, conversation_id: str, format_id: str, max_wait_ms: int | None = None
    ) -> list[Recording]:
        kw = {} if max_wait_ms is None else {"max_wait_ms": max_wait_ms}
        return await self.client.recordings.list(conversation_id, format_id, **kw)
