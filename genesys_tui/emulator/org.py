"""The synthetic org, deterministic from a seed: directory (divisions, queues, users, wrap-up
codes) and conversations as numpy columns, so 100,000 summaries cost a few MB and a query filters
them in milliseconds. Full details (participants, phrases, recordings) are built on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from genesys_tui.emulator import corpus
from genesys_tui.emulator.ids import make_uuid, make_uuids
from genesys_tui.emulator.settings import EmulatorSettings

MIN = 60_000
ORG_NUMBER = 18005550100  # the org's outbound caller id; queue DNIS numbers follow it


@dataclass(frozen=True)
class Queue:
    id: str
    name: str
    division: int
    topic: str
    dnis: int


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str
    queues: tuple[int, ...]
    supervisor: bool = False


class Org:
    def __init__(self, s: EmulatorSettings):
        self.s = s
        self._spare: dict[str, np.ndarray] = {}  # append()'s column buffers, with room to grow
        seed = s.seed
        self.id = make_uuid(seed, "org")
        self.name = corpus.ORG_NAME
        self.divisions = [
            (make_uuid(seed, "division", i), n) for i, n in enumerate(corpus.DIVISIONS)
        ]
        # The corpus's queues; more when asked (a bigger floor), each like one of them.
        listed = list(corpus.QUEUES) + [
            (f"{corpus.QUEUES[k % len(corpus.QUEUES)][0]} {2 + k // len(corpus.QUEUES)}",)
            + tuple(corpus.QUEUES[k % len(corpus.QUEUES)][1:])
            for k in range(max(0, s.queues - len(corpus.QUEUES)))
        ]
        self.queues = [
            Queue(make_uuid(seed, "queue", i), n, d, t, ORG_NUMBER + 1 + i)
            for i, (n, d, t) in enumerate(listed)
        ]
        self.wrapups = [
            (make_uuid(seed, "wrapup", i), n) for i, n in enumerate(corpus.WRAPUP_CODES)
        ]
        rng = np.random.default_rng(seed)
        agents = []
        names = set()
        nq = len(self.queues)
        for i in range(s.agents):
            while True:
                name = f"{corpus.FIRST[rng.integers(len(corpus.FIRST))]} {corpus.LAST[rng.integers(len(corpus.LAST))]}"
                if name not in names:
                    names.add(name)
                    break
            qs = (i % nq,) if i % 3 else (i % nq, (i + 1) % nq)
            agents.append(User(make_uuid(seed, "user", i), name, _email(name), qs))
        self.agents = agents
        self.supervisors = [
            User(
                make_uuid(seed, "supervisor", 0),
                "Sam Supervisor",
                "sam.supervisor@acme.example",
                (),
                True,
            ),
            User(
                make_uuid(seed, "supervisor", 1), "Robin Lead", "robin.lead@acme.example", (), True
            ),
        ]
        self.users = self.agents + self.supervisors
        self.queue_agents = [[i for i, a in enumerate(agents) if q in a.queues] for q in range(nq)]
        self._columns(rng)
        self.index = {cid: i for i, cid in enumerate(self.ids)}
        self._pinned: dict[int, object] = {}
        self.version = 0  # bumped whenever a call arrives or ends (the query cache keys on it)

    # --- conversation columns ------------------------------------------------------------------

    def _columns(self, rng: np.random.Generator) -> None:
        s = self.s
        n = s.conversations
        nlive = min(s.live_calls, n)
        anchor = int(s.anchor.timestamp() * 1000)
        nq = len(self.queues)
        self.anchor_ms = anchor
        # When calls start: whole days back from the end of the anchor's day plus a time of day
        # thinned to business-hour density. Every draw is independent of the anchor, so a call
        # (its id, queue, agent, durations, phrases) is the same whenever the org is built; a
        # later anchor only shifts it in time, by whole days.
        hour_w = np.array(
            [2, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 13, 14, 13, 12, 10, 7, 5, 4, 3, 3, 2],
            float,
        )
        day_end = (anchor // 86_400_000 + 1) * 86_400_000
        tod = rng.integers(0, 86_400_000, 4 * n + 64)
        back = rng.integers(0, max(s.days, 1), tod.size)
        keep = rng.random(tod.size) < hour_w[tod // 3_600_000] / hour_w.max()
        start = (day_end - 86_400_000 * (back + 1) + tod)[keep][:n]
        while start.size < n:  # pragma: no cover - 4n candidates always suffice in practice
            start = np.concatenate([start, start[: n - start.size]])
        self.outbound = rng.random(n) < 0.2
        self.ivr_ms = np.where(self.outbound, 0, rng.integers(8_000, 35_000, n))
        self.wait_ms = np.where(
            self.outbound, rng.integers(6_000, 20_000, n), rng.integers(5_000, 150_000, n)
        )
        self.talk_ms = np.clip(rng.lognormal(np.log(240_000), 0.6, n), 45_000, 1_500_000).astype(
            np.int64
        )
        self.abandoned = ~self.outbound & (rng.random(n) < 0.05)
        self.talk_ms[self.abandoned] = 0
        talking = ~self.abandoned
        self.hold_ms = np.where(talking & (rng.random(n) < 0.3), rng.integers(20_000, 90_000, n), 0)
        self.hold_at = rng.uniform(0.35, 0.6, n)
        self.queue = rng.integers(0, nq, n)
        topics = np.array([q.topic for q in self.queues])
        pay_queue = np.isin(topics[self.queue], ["payments", "billing"])
        self.pause_ms = np.where(
            talking & pay_queue & (rng.random(n) < 0.35), rng.integers(15_000, 60_000, n), 0
        )
        self.pause_at = rng.uniform(0.65, 0.8, n)
        self.transfer = talking & ~self.outbound & (rng.random(n) < 0.08)
        self.transfer_at = rng.uniform(0.3, 0.5, n)
        self.transfer_gap = np.where(self.transfer, rng.integers(10_000, 25_000, n), 0)
        self.queue2 = np.where(
            self.transfer, (self.queue + 1 + rng.integers(0, nq - 1, n)) % nq, -1
        )
        agent_draw, agent2_draw = rng.random(n), rng.random(n)  # who answers: _assign_agents
        self.wrapup = rng.integers(0, len(self.wrapups), n)
        self.acw_ms = rng.integers(5_000, 60_000, n)
        total = (
            self.ivr_ms
            + self.wait_ms
            + self.talk_ms
            + self.hold_ms
            + self.pause_ms
            + self.transfer_gap
        )
        if s.duration_scale != 1.0:
            for name in ("ivr_ms", "wait_ms", "talk_ms", "hold_ms", "pause_ms", "transfer_gap"):
                scaled = (getattr(self, name) * s.duration_scale).astype(np.int64)
                setattr(self, name, np.where(getattr(self, name) > 0, np.maximum(scaled, 3000), 0))
            total = (
                self.ivr_ms
                + self.wait_ms
                + self.talk_ms
                + self.hold_ms
                + self.pause_ms
                + self.transfer_gap
            )
        # Agents by the calls' times before any move below (so the same whatever the anchor).
        self._assign_agents(start - day_end, total, agent_draw, agent2_draw, n - nlive)
        # Not over (with its wrap-up) 16 minutes before the anchor: the same time a day earlier,
        # so no finished call overlaps the live ones, which started at most 15 minutes ago.
        late = start > anchor - total - 16 * MIN
        while late.any():
            start = np.where(late, start - 86_400_000, start)
            late = start > anchor - total - 16 * MIN
        # Live calls: the last few, started minutes ago and still going.
        live = np.zeros(n, bool)
        if nlive:
            live[n - nlive :] = True
            start[n - nlive :] = anchor - rng.integers(2 * MIN, 15 * MIN, nlive)
            self.abandoned[n - nlive :] = False
            self.outbound[n - nlive :] = False
            self.talk_ms[n - nlive :] = np.maximum(self.talk_ms[n - nlive :], 45_000)
            self.transfer[n - nlive :] = False
            self.agent2[n - nlive :] = -1
            self.queue2[n - nlive :] = -1
            self.transfer_gap[n - nlive :] = 0
        self.live = live
        self.end = np.where(live, -1, start + total)
        # Sort finished calls by start so index order is time order (handy for paging tests and for humans).
        order = np.argsort(start, kind="stable")
        order = np.concatenate(
            [order[~live[order]], np.flatnonzero(live)]
        )  # live calls last, in a fixed order
        for name in (
            "outbound",
            "ivr_ms",
            "wait_ms",
            "talk_ms",
            "abandoned",
            "hold_ms",
            "hold_at",
            "queue",
            "pause_ms",
            "pause_at",
            "transfer",
            "transfer_at",
            "transfer_gap",
            "queue2",
            "agent",
            "agent2",
            "wrapup",
            "acw_ms",
            "live",
            "end",
        ):
            setattr(self, name, getattr(self, name)[order])
        self.start = start[order]
        self.key = order  # the generation index: what seeds a call's id and content
        rec_draw, arch_draw, tr_draw = (
            rng.random(n)[order],
            rng.random(n)[order],
            rng.random(n)[order],
        )
        self.recorded = ~self.abandoned & (rec_draw < 0.92)
        self.recorded[self.live] = True
        age_days = (day_end - self.start) / 86_400_000
        self.archived = (
            self.recorded & ~self.live & (age_days > s.days * 0.6) & (arch_draw < s.archive_rate)
        )
        self.transcribed = self.recorded & (tr_draw < 0.9)
        self.customer_number = (13170000000 + rng.integers(1_000_000, 9_999_999, n))[order]
        self.ids = make_uuids(s.seed, "conversation", self.key.tolist())
        # From the ids, not the generator, so adding it moved nothing else.
        draw = np.array([int(x[:8], 16) / 2**32 for x in self.ids]) if n else np.zeros(0)
        self.sensitive = self.recorded & ~self.live & (draw < s.sensitive_rate)

    def _assign_agents(self, t, total, draw, draw2, first_live: int) -> None:
        """An agent is on one call at a time: each call goes to the queue's agent picked by its
        draw, or the next one in the queue who is free when the call is answered (busy until
        the call and its wrap-up end). Live calls (from `first_live` on) each get an agent no
        other live call has. Only a queue busier than its agents ever doubles one up."""
        n = len(t)
        agent, agent2 = [-1] * n, [-1] * n
        busy = [-(2**62)] * len(self.agents)  # busy until (ms, like t)
        live_used: set[int] = set()
        pools = self.queue_agents
        # Plain lists: a million calls go through this loop, and numpy's scalars are slow.
        answered = (t + self.ivr_ms + self.wait_ms).tolist()
        until = (t + total + self.acw_ms).tolist()
        queue, queue2 = self.queue.tolist(), self.queue2.tolist()
        abandoned = self.abandoned.tolist()
        # Where in its queue's pool each call's draw points (the same int(r * size) as a loop's).
        sizes = np.array([len(p) for p in pools], np.int64)
        first1 = np.minimum((draw * sizes[self.queue]).astype(np.int64), sizes[self.queue] - 1)
        first2 = np.minimum((draw2 * sizes[self.queue2]).astype(np.int64), sizes[self.queue2] - 1)
        first1, first2 = first1.tolist(), first2.tolist()

        def pick(q: int, first: int, at: int, live: bool) -> int:
            pool = pools[q]
            size = len(pool)
            for j in range(size):
                a = pool[(first + j) % size]
                if (a not in live_used) if live else busy[a] <= at:
                    return a
            return pool[first]

        for i in np.argsort(t[:first_live], kind="stable").tolist():
            if not abandoned[i]:
                a = pools[queue[i]][first1[i]]
                if busy[a] > answered[i]:  # the one drawn is busy: the next free one
                    a = pick(queue[i], first1[i], answered[i], False)
                agent[i] = a
                if until[i] > busy[a]:
                    busy[a] = until[i]
            if queue2[i] >= 0:
                b = pick(queue2[i], first2[i], answered[i], False)
                agent2[i] = b
                busy[b] = max(busy[b], until[i])
        for i in range(first_live, n):  # the live calls: an agent each
            a = agent[i] = pick(queue[i], first1[i], answered[i], True)
            busy[a] = max(busy[a], until[i])
            live_used.add(a)
            if queue2[i] >= 0:
                b = pick(queue2[i], first2[i], answered[i], False)
                agent2[i] = b
                busy[b] = max(busy[b], until[i])
        self.agent = np.array(agent, np.int64)
        self.agent2 = np.array(agent2, np.int64)

    # --- lookups -------------------------------------------------------------------------------

    ROW_COLUMNS = (
        "outbound", "ivr_ms", "wait_ms", "talk_ms", "abandoned", "hold_ms", "hold_at", "queue",
        "pause_ms", "pause_at", "transfer", "transfer_at", "transfer_gap", "queue2", "agent",
        "agent2", "wrapup", "acw_ms", "live", "end", "start", "key", "recorded", "archived",
        "transcribed", "customer_number", "sensitive",
    )  # fmt: skip

    def append(self, row: dict) -> int:
        """A call that has just arrived (the live centre's): one more row in every column. Each
        column is a view of a buffer with room to spare, doubled when full, so an arrival costs
        the same in an org of a million calls as in one of a hundred (np.append copied every
        column every time)."""
        i = len(self.ids)
        spare = self._spare
        for name in self.ROW_COLUMNS:
            col = getattr(self, name)
            buf = spare.get(name)
            if buf is None or col.base is not buf or len(buf) <= i:
                buf = np.empty(max(16, 2 * (i + 1)), col.dtype)
                buf[:i] = col
                spare[name] = buf
            buf[i] = row[name]
            setattr(self, name, buf[: i + 1])
        cid = make_uuid(self.s.seed, "conversation", int(row["key"]))
        self.ids.append(cid)
        self.index[cid] = i
        self.version += 1
        return i

    def ended(self, i: int, end_ms: int) -> None:
        """A live call is over: it leaves the live calls, with its recordings from now on."""
        self.live[i] = False
        self.end[i] = end_ms
        self._pinned.pop(i, None)
        self.version += 1

    def find(self, conversation_id: str) -> int | None:
        return self.index.get(conversation_id)

    def user_by_id(self, user_id: str) -> User | None:
        return next((u for u in self.users if u.id == user_id), None)

    def ani(self, i: int) -> str:
        return f"tel:+{ORG_NUMBER}" if self.outbound[i] else f"tel:+{self.customer_number[i]}"

    def dnis(self, i: int) -> str:
        return (
            f"tel:+{self.customer_number[i]}"
            if self.outbound[i]
            else f"tel:+{self.queues[self.queue[i]].dnis}"
        )

    def detail(self, i: int):
        """The full call. Live calls are kept (supervisors change them); others are cached."""
        if self.live[i]:
            if i not in self._pinned:
                self._pinned[i] = _build(self, i)
            return self._pinned[i]
        return _cached_build(self, i)


def _build(org: Org, i: int):
    from genesys_tui.emulator.calls import build_call

    return build_call(org, i)


@lru_cache(maxsize=2048)
def _cached_build(org: Org, i: int):
    return _build(org, i)


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@acme.example"
