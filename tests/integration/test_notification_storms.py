"""A notification socket that keeps closing (accepted then closed at once, or told
`v2.system.socket_closing` as soon as it opens: the emulator's wsclose and wsclosing faults, over a
real WebSocket) is backed off and capped: the client counts its connections over ten minutes of a
stepped clock, never seconds of the wall clock; the storm is logged once a minute, said for a
status line, and costs the REST budget nothing per reconnect."""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest

from genesys_tui.emulator import EmulatorServer
from genesys_tui.genesys import notifications as N
from genesys_tui.genesys.notifications import Notifications
from tests.conftest import small_org
from tests.integration.test_notifications import client_for, queue_topic

MINUTES = 10


class SteppedTime:
    """The hub's clock and sleep: a sleep steps the clock on instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def storm(srv, caplog) -> tuple[int, int, Notifications, list[str]]:
    """Sockets and REST calls in MINUTES of stepped time (or until 600 sockets, whichever first),
    and the storm's log lines."""
    org = srv.emulator.org
    d = org.detail(int(np.flatnonzero(org.live)[1]))
    t = SteppedTime()
    async with client_for(srv) as client:
        hub = Notifications(client.api, sleep=t.sleep, clock=t.clock)
        sub = await hub.watch({queue_topic(d)})
        stats = srv.emulator.stats
        api_before = stats["api"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120  # a bound on a broken run, not a timing assertion
        while t.now < MINUTES * 60 and stats["notifications.sockets"] < 600:
            assert loop.time() < deadline, (t.now, stats["notifications.sockets"])
            await asyncio.sleep(0.005)
        sockets, rest = stats["notifications.sockets"], stats["api"] - api_before
        trouble = hub.trouble
        await sub.close()
        await hub.aclose()
    said = [r.getMessage() for r in caplog.records if "keeps closing" in r.getMessage()]
    assert trouble and "keeps closing" in trouble  # for the status line
    return sockets, rest, hub, said


@pytest.mark.paced  # about the reconnect budget: the real one, not the tests' lifted one
@pytest.mark.parametrize("fault", ["wsclose", "wsclosing"])
async def test_a_socket_that_keeps_closing_is_backed_off_and_capped(fault, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="genesys_tui.notifications")
    # heard here even when an earlier test's main() made the app's loggers stop propagating
    logger = logging.getLogger("genesys_tui.notifications")
    logger.addHandler(caplog.handler)
    monkeypatch.setattr(logger, "propagate", False)
    with EmulatorServer(small_org(faults=f"{fault}=1")) as srv:
        try:
            sockets, rest, hub, said = await storm(srv, caplog)
        finally:
            logger.removeHandler(caplog.handler)
    # at most PER_MINUTE connections in any minute (plus the one that opened the window)
    assert sockets <= N.PER_MINUTE * MINUTES + 1, sockets
    assert sockets >= MINUTES  # it kept trying: a storm backs off, it does not give up
    assert rest <= 2 * MINUTES  # the same channel again: no REST call per reconnect
    assert 1 <= len(said) <= MINUTES + 1  # logged once a minute, not once a connection


def test_the_delay_doubles_with_jitter_to_a_cap_and_a_healthy_socket_comes_back_at_once():
    hub = Notifications.__new__(Notifications)
    hub.trouble, hub._ceiling = "the notification socket keeps closing", 0.0
    delays = [hub._next_delay(lived=0.5) for _ in range(12)]
    ceilings = [min(N.MAX_DELAY, N.FIRST_DELAY * 2**k) for k in range(12)]
    assert all(c / 2 <= x <= c for x, c in zip(delays, ceilings, strict=True)), delays
    assert max(delays) <= N.MAX_DELAY
    assert hub._next_delay(lived=N.HEALTHY) == 0.0  # it held: back at once
    assert hub.trouble is None  # and the status line says nothing any more
