"""The floor: each watched queue (waiting now and for how long, interacting, its members on queue
by routing status, offered / abandoned / service level today) and each agent (routing status,
presence, the call they are on and for how long), for Supervise's floor view and `supervise
queues` / `supervise agents`.

Read once (genesys/floor.py: the queue and user observation queries, the day's aggregates), then
kept by Genesys's pushes: `v2.analytics.queues.{id}.observations`, `v2.users.{id}.routingStatus`,
`v2.users.{id}.presence`; read again after every RESYNC. Where a topic is refused (a permission)
or another session took them, that part is read again on a timer instead, stretched so the floor
never spends more than its budget of requests a minute, and `why` says so. The call an agent is on,
and the longest wait, come from the live board's pushed calls when there is one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from genesys_tui.core import fmt
from genesys_tui.core.config import SuperviseSettings
from genesys_tui.flows.supervise.board import LiveBoard, wall_clock
from genesys_tui.flows.supervise.live import LiveCall
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.floor import (
    AgentNow,
    FloorApi,
    QueueNow,
    apply_presence,
    apply_queue_stats,
    apply_routing_status,
)
from genesys_tui.genesys.notifications import RESYNC, TAKEN

log = logging.getLogger("genesys_tui.supervise")

QUEUE_TOPIC = "v2.analytics.queues.{}.observations"
ROUTING_TOPIC = "v2.users.{}.routingStatus"
PRESENCE_TOPIC = "v2.users.{}.presence"
MAX_AGENTS = 400  # two topics each: with the queues', the board's and live words', under 1,000
DAY_EVERY = 300.0  # seconds between reads of the day's counts when they are not pushed


class FloorMode(StrEnum):
    STARTING, PUSH, POLL = "starting", "push", "poll"


@dataclass(frozen=True)
class QueueRow:
    queue_id: str
    name: str
    waiting: int
    longest_s: float | None
    interacting: int
    on_queue: int
    available: int
    not_responding: int
    offered: int | None
    abandoned: int | None
    service_level: float | None


@dataclass(frozen=True)
class AgentRow:
    user_id: str
    name: str
    status: str
    status_s: float | None
    presence: str
    call: str  # the customer of the call they are on, or ""
    call_s: float | None  # for how long they have been on it


def queue_cells(r: QueueRow) -> tuple[str, ...]:
    """A queue row as text: the same in the floor view and `supervise queues`."""
    return (
        r.name,
        str(r.waiting),
        fmt.duration(r.longest_s) if r.longest_s is not None else "-",
        str(r.interacting),
        str(r.on_queue),
        str(r.available),
        str(r.not_responding),
        "-" if r.offered is None else str(r.offered),
        "-" if r.abandoned is None else str(r.abandoned),
        "-" if r.service_level is None else f"{r.service_level:.0%}",
    )


def agent_cells(r: AgentRow) -> tuple[str, ...]:
    """An agent row as text: the same in the floor view and `supervise agents`."""
    return (
        r.name,
        r.status,
        fmt.duration(r.status_s) if r.status_s is not None else "-",
        r.presence,
        r.call or "-",
        fmt.duration(r.call_s) if r.call_s is not None else "",
    )


def day_interval(now: datetime) -> str:
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    return f"{start.isoformat().replace('+00:00', 'Z')}/{end.isoformat().replace('+00:00', 'Z')}"


class Floor:
    def __init__(
        self,
        client: GenesysClient,
        settings: SuperviseSettings,
        names: dict[str, str],
        *,
        board: LiveBoard | None = None,
        clock: Callable[[], datetime] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.client, self.settings, self.names, self.board = client, settings, names, board
        self.api = FloorApi(client.api)
        self.clock = clock or wall_clock
        self.on_change = on_change or (lambda: None)
        self.queues: dict[str, QueueNow] = {}
        self.agents: dict[str, AgentNow] = {}
        self.queue_ids: list[str] = []
        self.user_ids: list[str] = []
        self.mode = FloorMode.STARTING
        self.why = ""  # why it is read on a timer
        self.refused: dict[str, list[str]] = {}  # a read Genesys refused -> the permissions
        self.failed: dict[str, str] = {}  # a read that failed otherwise -> why (tried again)
        self.every = settings.refresh_seconds
        self.requests = 0  # REST reads made (the budget's count)
        self.calls: list[LiveCall] = []  # the live calls, when there is no board (the CLI)
        self._wake = asyncio.Event()

    # --- reads ---------------------------------------------------------------------------------

    async def who(self) -> None:
        """The queues (the board's, or every queue) and the users to follow."""
        if self.board is not None and self.board.queues:
            self.queue_ids = list(self.board.queues)
        else:
            self.queue_ids = sorted((await self.client.directory.queues()).keys())
        users = await self.client.directory.users()
        self.user_ids = sorted(users)[:MAX_AGENTS]

    @property
    def unavailable(self) -> str:
        """What the floor cannot show, and the permissions it would take ("" when all is)."""
        what = {"queues": "queue observations", "day": "today's counts", "agents": "agents"}
        said = [
            f"{what[k]} refused (missing {', '.join(v)})" for k, v in sorted(self.refused.items())
        ]
        said += [f"{what[k]} could not be read ({v})" for k, v in sorted(self.failed.items())]
        return "; ".join(said)

    async def read(self, *, queues: bool = True, agents: bool = True, day: bool = True) -> None:
        """The parts asked for; one Genesys refuses (a permission) is noted in `refused` and not
        asked again, the others go on."""
        for part, wanted, fn in (
            ("queues", queues and self.queue_ids, self._read_queues),
            ("day", day and self.queue_ids, self._read_day),
            ("agents", agents and self.user_ids, self._read_agents),
        ):
            if not wanted or part in self.refused:
                continue
            try:
                await fn()
            except E.PermissionDenied as e:
                self.refused[part] = list(e.permissions) or [str(e)]
            except E.GenesysError as e:  # the rest goes on; the next read tries it again
                self.failed[part] = str(e)[:200]
            else:
                self.failed.pop(part, None)
            self.requests += 1
        self.on_change()

    async def _read_queues(self) -> None:
        for qid, q in (await self.api.queues(self.queue_ids)).items():
            old = self.queues.get(qid)
            if old is not None:  # the day's counts come by another read (or topic)
                q.offered, q.abandoned, q.service_level = (
                    old.offered,
                    old.abandoned,
                    old.service_level,
                )
            self.queues[qid] = q

    async def _read_day(self) -> None:
        counts = await self.api.day(self.queue_ids, day_interval(self.clock()))
        for qid, metrics in counts.items():
            q = self.queues.setdefault(qid, QueueNow(qid))
            for metric, stats in metrics.items():
                q.apply(metric, None, stats)

    async def _read_agents(self) -> None:
        self.agents = await self.api.agents(self.user_ids)

    # --- run -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read everything again now."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: pushed where Genesys allows, read on a timer where it does not."""
        await self.who()
        await self.read()
        topics = {QUEUE_TOPIC.format(q) for q in self.queue_ids}
        topics |= {t.format(u) for u in self.user_ids for t in (ROUTING_TOPIC, PRESENCE_TOPIC)}
        sub = None
        try:
            sub = await self.client.notifications.watch(topics)
        except E.GenesysError as e:
            self.why = f"notifications unavailable ({e})"
        try:
            while True:
                refused = sub.rejected if sub is not None else {}
                taken = sub.taken if sub is not None else set()
                if sub is not None and not refused and not taken:
                    self.mode, self.why = FloorMode.PUSH, ""
                    await self._push(sub)
                    continue
                if taken:
                    self.why = "another session of this client and user took the floor's updates"
                elif refused:
                    missing = sorted({p for ps in refused.values() for p in ps})
                    self.why = f"floor topics refused (missing {', '.join(missing)})"
                self.mode = FloorMode.POLL
                await self._poll(sub)
        finally:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.close()

    async def _push(self, sub) -> None:
        """Pushed events until the topics are taken or refused; the day's counts come with each
        queue's observations."""
        while True:
            waker = asyncio.create_task(self._wake.wait())
            nxt = asyncio.create_task(sub.get())
            try:
                done, _ = await asyncio.wait({nxt, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for t in (nxt, waker):
                    if not t.done():
                        t.cancel()
            if waker in done:
                self._wake.clear()
                await self.read()
            if nxt in done:
                event = nxt.result()
                if event.topic == TAKEN:
                    return
                if event.topic == RESYNC:
                    await self.read()
                    if sub.rejected:
                        return
                    continue
                self.apply(event.topic, event.body)

    def apply(self, topic: str, body: dict) -> None:
        """One pushed message of the floor's topics."""
        parts = topic.split(".")
        if len(parts) < 4:
            return
        if topic.startswith("v2.analytics.queues.") and topic.endswith(".observations"):
            qid = parts[3]
            if qid in self.queues or qid in self.queue_ids:
                apply_queue_stats(self.queues.setdefault(qid, QueueNow(qid)), body)
        elif topic.startswith("v2.users.") and parts[2] in self.user_ids:
            a = self.agents.setdefault(parts[2], AgentNow(parts[2]))
            if topic.endswith(".routingStatus"):
                apply_routing_status(a, body)
            elif topic.endswith(".presence"):
                apply_presence(a, body)
        self.on_change()

    async def _poll(self, sub) -> None:
        """Read again every refresh_seconds, stretched to the budget (two or three reads each
        time); topics that were permitted still apply in between. When another session took the
        topics, `refresh()` ends it (the caller takes them back)."""
        budget = max(2, self.settings.poll_budget_per_minute // 2)  # the other half: the board
        last_day = self.clock()
        while True:
            day = (self.clock() - last_day).total_seconds() >= DAY_EVERY
            await self.read(day=day)
            if day:
                last_day = self.clock()
            cost = max(1, 2 - ("queues" in self.refused) - ("agents" in self.refused))
            self.every = max(self.settings.refresh_seconds, 60.0 * cost / budget)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._between(sub), self.every)
            asked = self._wake.is_set()
            self._wake.clear()
            if asked and sub is not None and sub.taken:
                with contextlib.suppress(E.GenesysError):
                    await self.client.notifications.retake()
                return

    async def _between(self, sub) -> None:
        if sub is None:
            await self._wake.wait()
            return
        while not self._wake.is_set():
            waker = asyncio.create_task(self._wake.wait())
            nxt = asyncio.create_task(sub.get())
            done, _ = await asyncio.wait({nxt, waker}, return_when=asyncio.FIRST_COMPLETED)
            for t in (nxt, waker):
                if not t.done():
                    t.cancel()
            if nxt in done and nxt.result().topic not in (RESYNC, TAKEN):
                self.apply(nxt.result().topic, nxt.result().body)

    # --- rows ----------------------------------------------------------------------------------

    def live(self) -> list[LiveCall]:
        return list(self.board.calls.values()) if self.board is not None else self.calls

    def queue_rows(self) -> list[QueueRow]:
        now = self.clock()
        waiting_since = _waits(self.live())
        out = []
        for qid in self.queue_ids:
            q = self.queues.get(qid) or QueueNow(qid)
            name = self.names.get(qid, qid)
            since = waiting_since.get(name) or (q.waiting_since[0] if q.waiting_since else None)
            longest = (now - since).total_seconds() if since and q.waiting else None
            out.append(
                QueueRow(
                    qid,
                    name,
                    q.waiting,
                    max(0.0, longest) if longest is not None else None,
                    q.interacting,
                    sum(q.on_queue.values()),
                    q.on_queue.get("IDLE", 0),
                    q.on_queue.get("NOT_RESPONDING", 0),
                    q.offered,
                    q.abandoned,
                    q.service_level,
                )
            )
        return out

    def agent_rows(self) -> list[AgentRow]:
        now = self.clock()
        on_call = _on_calls(self.live(), now)
        out = []
        for uid in self.user_ids:
            a = self.agents.get(uid)
            if a is None or a.status is None:
                continue  # not an agent the floor knows (a supervisor, a user without queues)
            call = on_call.get(uid)
            out.append(
                AgentRow(
                    uid,
                    self.names.get(uid, uid),
                    a.status,
                    max(0.0, (now - a.status_since).total_seconds()) if a.status_since else None,
                    a.presence or "",
                    call[0].customer if call else "",
                    call[1] if call else None,
                )
            )
        order = {"INTERACTING": 0, "NOT_RESPONDING": 1, "IDLE": 2, "COMMUNICATING": 3}
        return sorted(out, key=lambda r: (order.get(r.status, 9), r.name))


def _waits(calls: list[LiveCall]) -> dict[str, datetime]:
    """Queue name -> when its longest-waiting call entered it, from the live calls."""
    out: dict[str, datetime] = {}
    for c in calls:
        if c.agents and any(a.state == "connected" for a in c.agents):
            continue
        for p in c.call.participants:
            live = p.purpose == "acd" and p.end_time is None and p.start_time and c.queue
            if live and (c.queue not in out or p.start_time < out[c.queue]):
                out[c.queue] = p.start_time
    return out


def _on_calls(calls: list[LiveCall], now: datetime) -> dict[str, tuple[LiveCall, float | None]]:
    """User id -> the live call they are on (as an agent) and for how long."""
    out: dict[str, tuple[LiveCall, float | None]] = {}
    for c in calls:
        for a in c.agents:
            if a.user_id and a.state in ("connected", "alerting"):
                out[a.user_id] = (c, a.in_state_for(now))
    return out
