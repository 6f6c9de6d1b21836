"""The floor against the emulator's live centre over real HTTP and a real socket, on a stepped
clock: queues (waiting, interacting, members by routing status, the day's offered, abandoned and
service level) and agents (routing status and presence, since when) equal a recount of the
emulator's state at every step, kept by pushes alone after the first read; refused topics fall
back to reading within the budget."""

from __future__ import annotations

import asyncio
import contextlib

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.emulator import EmulatorServer
from genesys_tui.emulator import floor as truth
from genesys_tui.flows.supervise.floor import Floor, FloorMode
from tests.conftest import small_org
from tests.integration.test_live_board import clock_of, until
from tests.integration.test_notifications import client_for


def recount_matches(fl: Floor, srv) -> bool:
    emu = srv.emulator
    now = emu.now_ms()
    agents = {a.user_id: a for a in truth.agent_states(emu, now)}
    queues = {q.queue_id: q for q in truth.queue_states(emu, now, list(agents.values()))}
    for row in fl.queue_rows():
        q = queues[row.queue_id]
        want = (
            len(q.waiting),
            q.interacting,
            sum(v for k, v in q.members.items() if k != "OFF_QUEUE"),
            q.members.get("IDLE", 0),
            q.offered,
            q.abandoned,
        )
        got = (
            row.waiting,
            row.interacting,
            row.on_queue,
            row.available,
            row.offered,
            row.abandoned,
        )
        if want != got:
            return False
        ratio = q.answered_in_sl / q.offered if q.offered else None
        if ratio is not None and abs((row.service_level or 0) - ratio) > 1e-9:
            return False
    rows = {r.user_id: r for r in fl.agent_rows()}
    if set(rows) != set(agents):
        return False
    return all(
        rows[u].status == a.status and rows[u].presence == a.presence for u, a in agents.items()
    )


def test_the_floor_equals_a_recount_and_is_pushed():
    with EmulatorServer(small_org(live_rate=60.0, duration_scale=0.25, stepped_clock=True)) as srv:

        async def go():
            async with client_for(srv) as client:
                names = await client.directory.names()
                fl = Floor(client, SuperviseSettings(), names, clock=clock_of(srv))
                task = asyncio.create_task(fl.run())
                try:
                    await until(lambda: fl.mode == FloorMode.PUSH)
                    assert recount_matches(fl, srv)
                    reads = fl.requests
                    hub = srv.emulator.hub
                    seen_status, waited, talked = set(), 0, 0
                    for _ in range(40):  # 40 s of the org's time, a second at a time
                        await asyncio.to_thread(srv.advance, 1.0)
                        await until(lambda: client.notifications.received >= hub.sent)
                        await until(lambda: recount_matches(fl, srv), timeout=5)
                        seen_status |= {r.status for r in fl.agent_rows()}
                        waited = max([waited] + [r.waiting for r in fl.queue_rows()])
                        talked = max([talked] + [r.interacting for r in fl.queue_rows()])
                    assert fl.requests == reads  # kept by pushes alone
                    assert {"IDLE", "INTERACTING", "OFF_QUEUE"} <= seen_status
                    assert waited and talked  # a floor that moved, not one of zeros
                    assert any(r.offered for r in fl.queue_rows())
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

        asyncio.run(go())


def test_refused_floor_topics_are_read_within_the_budget_and_said():
    settings = SuperviseSettings(refresh_seconds=0.05, poll_budget_per_minute=1200)
    with EmulatorServer(
        small_org(
            live_rate=60.0,
            duration_scale=0.25,
            stepped_clock=True,
            deny_permissions=("analytics:queueObservation:view",),
        )
    ) as srv:

        async def go():
            async with client_for(srv) as client:
                names = await client.directory.names()
                fl = Floor(client, settings, names, clock=clock_of(srv))
                task = asyncio.create_task(fl.run())
                try:
                    await until(lambda: fl.mode == FloorMode.POLL, timeout=10)
                    assert "analytics:queueObservation:view" in fl.why  # the topics
                    assert "analytics:queueObservation:view" in fl.unavailable  # the query
                    # set once the first read is done (`unavailable` is known a moment before)
                    await until(lambda: fl.every > settings.refresh_seconds)
                    assert fl.every >= 60.0 * 1 / (settings.poll_budget_per_minute // 2)
                    await asyncio.to_thread(srv.advance, 5.0)
                    before = fl.requests
                    await until(lambda: fl.requests > before)  # read again on its timer
                    emu = srv.emulator
                    want = {a.user_id: a.status for a in truth.agent_states(emu, emu.now_ms())}
                    await until(lambda: {r.user_id: r.status for r in fl.agent_rows()} == want)
                    assert all(r.waiting == 0 for r in fl.queue_rows())  # not shown, not guessed
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task

        asyncio.run(go())
