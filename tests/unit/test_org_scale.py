"""The emulator's org at scale (issue 33): the fast id and agent builders give exactly what the
plain ones gave, so that a bigger org costs seconds and nothing in a smaller one moves."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from genesys_tui.emulator.ids import make_uuid, make_uuids
from genesys_tui.emulator.org import Org
from genesys_tui.emulator.settings import EmulatorSettings


def test_make_uuids_equals_make_uuid():
    keys = [0, 1, 7, 99, 12345, 10**9, *range(200, 260)]
    assert make_uuids(11, "conversation", keys) == [make_uuid(11, "conversation", k) for k in keys]
    assert make_uuids(3, "x", []) == []


def reference_assign(self, t, total, draw, draw2, first_live: int) -> None:
    """The assignment as it was first written (numpy scalars, a list per pick)."""
    n = len(t)
    self.agent = np.full(n, -1, np.int64)
    self.agent2 = np.full(n, -1, np.int64)
    busy = np.zeros(len(self.agents), np.int64) - 2**62
    live_used: set[int] = set()

    def pick(q: int, r: float, at: int, live: bool) -> int:
        pool = self.queue_agents[q]
        first = min(int(r * len(pool)), len(pool) - 1)
        order = [pool[(first + j) % len(pool)] for j in range(len(pool))]
        for a in order:
            if (a not in live_used) if live else busy[a] <= at:
                return a
        return order[0]

    for i in np.argsort(t[:first_live], kind="stable").tolist() + list(range(first_live, n)):
        live = i >= first_live
        answered = int(t[i] + self.ivr_ms[i] + self.wait_ms[i])
        until = int(t[i] + total[i] + self.acw_ms[i])
        if live or not self.abandoned[i]:
            a = pick(int(self.queue[i]), float(draw[i]), answered, live)
            self.agent[i], busy[a] = a, max(busy[a], until)
            if live:
                live_used.add(a)
        if self.queue2[i] >= 0:
            b = pick(int(self.queue2[i]), float(draw2[i]), answered, False)
            self.agent2[i], busy[b] = b, max(busy[b], until)


def test_agents_are_assigned_as_before(monkeypatch):
    anchor = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)
    for kw in (
        dict(conversations=6000, days=5, agents=9, live_calls=40),  # busy: most draws taken
        dict(conversations=3000, days=20, agents=60, live_calls=6, seed=3),  # quiet
    ):
        s = EmulatorSettings(anchor=anchor, **kw)
        fast = Org(s)
        with monkeypatch.context() as m:
            m.setattr(Org, "_assign_agents", reference_assign)
            slow = Org(s)
        assert (fast.agent2 >= 0).any() and (fast.agent[fast.live] >= 0).all()
        assert np.array_equal(fast.agent, slow.agent), kw
        assert np.array_equal(fast.agent2, slow.agent2), kw
        assert fast.ids == slow.ids
