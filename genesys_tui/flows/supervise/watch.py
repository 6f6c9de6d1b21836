"""Live supervision in one place, for the TUI and `supervise watch` alike: the board (pushed calls),
the words of the calls that need them (the one in focus, and every live call when an alert rule
reads words, up to the room a channel leaves), and the alerts, checked on every change and once
a second for the rules that are about time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.flows.supervise.alert_log import AlertLog
from genesys_tui.flows.supervise.alerts import Alert, AlertEngine
from genesys_tui.flows.supervise.board import ROOM_FOR_CALLS, Change, ChangeKind, LiveBoard
from genesys_tui.flows.supervise.live import LiveCall
from genesys_tui.flows.supervise.words import LiveWords, sentiment_topic, transcription_topic
from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.notifications import CONTROL, Subscription

log = logging.getLogger("genesys_tui.supervise")
TICK = 1.0
COALESCE = 10.0  # seconds: topic changes for arriving and ending calls are sent together


class EventKind(StrEnum):
    CHANGE, ALERT, CLEARED, WORDS = "change", "alert", "cleared", "words"


@dataclass(frozen=True)
class WatchEvent:
    """A change of the list (change), an alert raised or cleared (alert, cleared), or words."""

    kind: EventKind
    change: Change | None = None
    alert: Alert | None = None
    conversation_id: str = ""
    found: bool = False  # an alert already holding when the list was read (not as it happened)


def label(call: LiveCall) -> str:
    """Who is on the call, for a list of alerts: the customer, then the agents."""
    agents = ", ".join(a.name for a in call.agents if a.name)
    return f"{call.customer or '-'} · {agents or 'no agent yet'}"


class LiveWatch:
    def __init__(
        self,
        client: GenesysClient,
        settings: SuperviseSettings,
        names: dict[str, str],
        *,
        on_event: Callable[[WatchEvent], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        log: AlertLog | None = None,
    ) -> None:
        self.on_event = on_event or (lambda e: None)
        self.log = log  # every alert raised, kept per org: each is told once, whatever the run
        self.board = LiveBoard(client, settings, names, on_change=self._changed, clock=clock)
        self.client = client
        self.alerts = AlertEngine(settings.alerts)
        self.words: dict[str, LiveWords] = {}
        self.focus: str | None = None
        self.words_refused: list[str] = []  # the permissions a transcript topic lacked
        self._sub: Subscription | None = None
        self._listener: asyncio.Task | None = None
        self._topics_dirty = asyncio.Event()
        self._focus_moved = False

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.board.clock

    def set_focus(self, conversation_id: str | None) -> None:
        """The call whose words are shown (the selected or monitored one): subscribed at once."""
        if conversation_id != self.focus:
            self.focus = conversation_id
            self._focus_moved = True
            self._topics_dirty.set()

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self.board.run(), name="board"),
            asyncio.create_task(self._words(), name="words"),
            asyncio.create_task(self._tick(), name="alerts"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                t.result()  # the board's failure is the watch's
        finally:
            if self._listener is not None:
                tasks.append(self._listener)
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            if self._sub is not None:
                with contextlib.suppress(Exception):
                    await self._sub.close()

    # --- the list and its alerts ---------------------------------------------------------------

    def _changed(self, change: Change) -> None:
        self.on_event(
            WatchEvent(EventKind.CHANGE, change=change, conversation_id=change.conversation_id)
        )
        if change.kind == ChangeKind.ENDED:
            for a in self.alerts.of(change.conversation_id):
                if self.log is not None:
                    self.log.cleared(a, self.clock())
                self.on_event(
                    WatchEvent(EventKind.CLEARED, alert=a, conversation_id=a.conversation_id)
                )
            self.alerts.ended(change.conversation_id)
            self.words.pop(change.conversation_id, None)
            self._topics_dirty.set()
        elif change.call is not None:
            if change.kind == ChangeKind.NEW:
                self._topics_dirty.set()
            self._check(change.call)

    def _check(self, call: LiveCall) -> None:
        cid = call.conversation_id
        words = self.words.get(cid)
        if words is not None and words.agent_since is None:  # what the agent side says after
            words.agent_since = min(  # the agent answered is the agent's, before it the IVR's
                (a.since for a in call.agents if a.since and a.state == S.CONNECTED), default=None
            )
        now = self.clock()
        raised, cleared = self.alerts.evaluate(call, now, words)
        found = self.board.in_full_read
        for a in raised:
            if self.log is not None and not self.log.raised(a, label(call)):
                continue  # told before (an earlier run, or another window): once
            self.on_event(WatchEvent(EventKind.ALERT, alert=a, conversation_id=cid, found=found))
        for a in cleared:
            if self.log is not None:
                self.log.cleared(a, now)
            self.on_event(WatchEvent(EventKind.CLEARED, alert=a, conversation_id=cid))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            for call in list(self.board.calls.values()):
                self._check(call)

    # --- words ---------------------------------------------------------------------------------

    def wanted_calls(self) -> list[str]:
        calls = [c.conversation_id for c in self.board.ordered()]
        wanted = calls if self.alerts.needs_words else []
        if self.focus and self.focus not in wanted:
            wanted = [self.focus, *wanted]
        return wanted[: ROOM_FOR_CALLS // 2]  # two topics a call

    async def _words(self) -> None:
        hub = self.client.notifications
        while True:
            await self._topics_dirty.wait()
            if not self._focus_moved:  # calls come and go: one subscription change for many
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_focus(), COALESCE)
            self._topics_dirty.clear()
            self._focus_moved = False
            calls = self.wanted_calls()
            topics = {t for c in calls for t in (transcription_topic(c), sentiment_topic(c))}
            try:
                if self._sub is None:
                    if not topics:
                        continue
                    self._sub = await hub.watch(topics)
                    self._listener = asyncio.create_task(self._listen(self._sub))
                else:
                    await self._sub.change(topics)
            except E.GenesysError as e:
                log.info("live words unavailable: %s", e)
                continue
            refused = self._sub.rejected
            self.words_refused = sorted({p for ps in refused.values() for p in ps})
            for cid in calls:
                self.words.setdefault(cid, LiveWords(cid))

    async def _wait_focus(self) -> None:
        while not self._focus_moved:
            await asyncio.sleep(0.1)

    async def _listen(self, sub: Subscription) -> None:
        while not sub.closed:
            event = await sub.get()
            if event.topic in CONTROL:
                continue  # words missed while down are gone; taken ones come back with the board's
            cid = event.body.get("conversationId")
            words = self.words.get(cid) if isinstance(cid, str) else None
            if words is None:
                continue
            added = words.apply(event.topic, event.body)
            call = self.board.calls.get(cid)
            if call is not None:
                self._check(call)
            if added or event.topic.endswith(".sentiment"):
                self.on_event(WatchEvent(EventKind.WORDS, conversation_id=cid))
