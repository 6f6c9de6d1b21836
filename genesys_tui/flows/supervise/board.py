"""The live-call board: what Supervise and `supervise watch` show, kept from Genesys's pushed
snapshots (one `v2.routing.queues.{id}.conversations.calls` topic per watched queue) instead of
polling. A full read (the details query, then each call) happens at the start and after every
RESYNC (the socket was down: what changed meanwhile was not pushed); in between, each pushed
snapshot replaces its call. When the queue topics are refused (a missing permission, also one taken
away while it runs), the socket cannot be opened, or another session of the same client and user
takes the topics, the board polls instead, within a request budget, and says why; in the last case
`r` takes them back (never on its own: two sessions would take them from each other for ever)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.core.ids import looks_like_uuid
from genesys_tui.flows.supervise.live import LiveCall, live_calls, summarize
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import CallConversation
from genesys_tui.genesys.notifications import CONTROL, MAX_TOPICS, RESYNC, TAKEN, Event

log = logging.getLogger("genesys_tui.supervise")

QUEUE_TOPIC = "v2.routing.queues.{}.conversations.calls"
ROOM_FOR_CALLS = 100  # topics kept free on the channel for live transcripts and sentiment
TAKEN_WHY = "another session of this client and user took the live updates"


class Mode(StrEnum):
    """How the board is kept: starting, pushed by Genesys, or polled within a budget."""

    STARTING, PUSH, POLL = "starting", "push", "poll"


class ChangeKind(StrEnum):
    NEW, CHANGED, ENDED, RESYNC = "new", "changed", "ended", "resync"


@dataclass(frozen=True)
class Change:
    """What the board saw: a call that started, changed or ended (call is None when ended)."""

    kind: ChangeKind
    conversation_id: str
    call: LiveCall | None


def wall_clock() -> datetime:
    """The board's clock unless it is given one: the machine's."""
    return datetime.now(UTC)


class LiveBoard:
    def __init__(
        self,
        client: GenesysClient,
        settings: SuperviseSettings,
        names: dict[str, str],
        *,
        on_change: Callable[[Change], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        poll_budget_per_minute: int | None = None,
    ) -> None:
        self.client, self.settings, self.names = client, settings, names
        self.on_change = on_change or (lambda change: None)
        self.clock = clock or wall_clock
        self.budget = max(2, poll_budget_per_minute or settings.poll_budget_per_minute)
        self.calls: dict[str, LiveCall] = {}
        self.mode = Mode.STARTING
        self.why = ""  # why it polls
        self.updated: datetime | None = None
        self.pushed = 0  # snapshots applied
        self.queues: list[str] = []
        self.reading = False  # a full read under way
        self.in_full_read = False
        self.every = settings.refresh_seconds  # when polling: the interval, stretched to budget
        self._wake = asyncio.Event()

    # --- what callers use ----------------------------------------------------------------------

    def ordered(self) -> list[LiveCall]:
        """Newest first, as the details query lists them."""
        far = datetime.min.replace(tzinfo=UTC)
        return sorted(self.calls.values(), key=lambda c: c.start or far, reverse=True)

    @property
    def trouble(self) -> str | None:
        """Why pushes may be late: the notification socket keeps closing (or None)."""
        return getattr(self.client.notifications, "trouble", None)

    def resync(self) -> None:
        """Read everything again now (`r`); topics another session took are taken back."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: push when it can, poll when it must."""
        self.queues = await self._watched_queues()
        sub = None
        if self.queues:
            try:
                sub = await self.client.notifications.watch(
                    {QUEUE_TOPIC.format(q) for q in self.queues}
                )
            except E.GenesysError as e:
                self.why = f"notifications unavailable ({e})"
        else:
            self.why = "no queue could be listed to watch"
        try:
            while True:
                if sub is not None and not sub.rejected and not sub.taken:
                    self.mode, self.why = Mode.PUSH, ""
                    await self._push(sub)  # until the topics are refused or taken
                if sub is not None and sub.taken:
                    self.why = TAKEN_WHY
                elif sub is not None and sub.rejected:
                    missing = sorted({p for ps in sub.rejected.values() for p in ps})
                    self.why = f"queue topics refused (missing {', '.join(missing)})"
                self.mode = Mode.POLL
                await self._poll(sub)  # until `r` when taken; for good otherwise
                with contextlib.suppress(E.GenesysError):
                    await self.client.notifications.retake()
        finally:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.close()

    # --- push ----------------------------------------------------------------------------------

    async def _push(self, sub) -> None:
        await self._read_all()
        waker = asyncio.create_task(self._wake.wait())
        nxt = asyncio.create_task(sub.get())
        try:
            while True:
                done, _ = await asyncio.wait({nxt, waker}, return_when=asyncio.FIRST_COMPLETED)
                if waker in done:
                    self._wake.clear()
                    waker = asyncio.create_task(self._wake.wait())
                    await self._read_all()
                if nxt in done:
                    event: Event = nxt.result()
                    nxt = asyncio.create_task(sub.get())
                    if event.topic == TAKEN:
                        return
                    if event.topic == RESYNC:
                        self.on_change(Change(ChangeKind.RESYNC, "", None))
                        await self._read_all()
                        if sub.rejected:  # a permission was taken away meanwhile
                            return
                    else:
                        self.apply(event.body)
        finally:
            for t in (waker, nxt):
                t.cancel()

    def apply(self, body: dict) -> None:
        """One pushed snapshot: the call as it is now (or gone)."""
        try:
            call = from_api(CallConversation, body)
        except (ValueError, TypeError, KeyError) as e:
            log.warning("a call snapshot that does not parse was skipped: %s", e)
            return
        if not looks_like_uuid(call.id or ""):  # it becomes a topic, a URL, a line on screen
            log.warning("a call snapshot with an id that is not one was skipped: %.60r", call.id)
            return
        self.pushed += 1
        self.updated = self.clock()
        self.apply_call(call)

    def apply_call(self, call: CallConversation) -> None:
        """The call as it is now: pushed, or as a supervisor's action left it (the outcome's
        participants show at once; the next push or read replaces them again)."""
        cid = call.id or ""
        known = self.calls.get(cid)
        start = known.start if known else _started(call)
        live = summarize(call, start, self.names, self.settings)
        if live is None:
            if self.calls.pop(cid, None) is not None:
                self.on_change(Change(ChangeKind.ENDED, cid, None))
            return
        self.calls[cid] = live
        self.on_change(Change(ChangeKind.CHANGED if known else ChangeKind.NEW, cid, live))

    # --- poll ----------------------------------------------------------------------------------

    async def _poll(self, sub) -> None:
        """The details query and a GET per call, every refresh_seconds, but never more than the
        budget a minute: past it, the interval stretches. Pushed snapshots (of the topics that
        were permitted) still apply in between. When another session took the topics, `r`
        ends it (the caller takes them back)."""
        while True:
            began = time.monotonic()
            calls = await self._read_all()
            cost = 1 + len(calls)  # the query, then one read a call
            every = self.every = max(self.settings.refresh_seconds, 60.0 * cost / self.budget)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._between(sub), every - (time.monotonic() - began))
            asked = self._wake.is_set()
            self._wake.clear()
            if asked and sub is not None and sub.taken:
                return

    async def _between(self, sub) -> None:
        if sub is None:
            await self._wake.wait()
            return
        waker = asyncio.create_task(self._wake.wait())
        try:
            while not waker.done():
                nxt = asyncio.create_task(sub.get())
                done, _ = await asyncio.wait({nxt, waker}, return_when=asyncio.FIRST_COMPLETED)
                if nxt in done and nxt.result().topic not in CONTROL:
                    self.apply(nxt.result().body)
                elif nxt not in done:
                    nxt.cancel()
        finally:
            waker.cancel()

    # --- reads ---------------------------------------------------------------------------------

    async def _read_all(self) -> list[LiveCall]:
        self.reading = True
        try:
            calls = await live_calls(self.client, self.settings, self.names, now=self.clock())
        finally:
            self.reading = False
        before = self.calls
        self.calls = {c.conversation_id: c for c in calls}
        self.updated = self.clock()
        self.in_full_read = True  # what changes now was found by reading, not as it happened
        try:
            for cid in before.keys() - self.calls.keys():
                self.on_change(Change(ChangeKind.ENDED, cid, None))
            for cid, c in self.calls.items():
                self.on_change(
                    Change(ChangeKind.CHANGED if cid in before else ChangeKind.NEW, cid, c)
                )
        finally:
            self.in_full_read = False
        return calls

    async def _watched_queues(self) -> list[str]:
        """supervise.watch_queues (ids or names) when it names any, else every queue the client
        can list; at most what a channel takes, less room for transcripts."""
        wanted = set(self.settings.watch_queues)
        try:
            queues = await self.client.directory.queues()
        except E.GenesysError as e:  # the ids configured can still be watched
            log.info("queues not listed: %s", e)
            return sorted(q for q in wanted if looks_like_uuid(q))[: MAX_TOPICS - ROOM_FOR_CALLS]
        ids = [
            qid
            for qid, q in queues.items()
            if not wanted or qid in wanted or (q.name or "") in wanted
        ]
        return sorted(ids)[: MAX_TOPICS - ROOM_FOR_CALLS]


def _started(call: CallConversation) -> datetime | None:
    times = [p.start_time for p in call.participants if p.start_time]
    return min(times) if times else None
