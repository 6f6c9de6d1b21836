"""The live board against the emulator's live contact centre over real HTTP and a real socket:
the list follows calls arriving and ending from pushed snapshots alone (no requests between full
reads), reads everything again after a dropped socket, and falls back to polling within its
budget when the queue topics are refused, saying why."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import numpy as np

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.supervise.board import LiveBoard
from tests.conftest import small_org
from tests.integration.test_notifications import client_for


def busy_centre(**kw):
    return EmulatorServer(small_org(live_rate=120.0, duration_scale=0.05, stepped_clock=True, **kw))


async def step(srv, board, seconds: float, by: float = 0.25) -> None:
    """Move the org's clock on `seconds`, `by` at a time, each step's pushes applied before the
    next (the board sees every state the centre passes through, whatever the machine's speed)."""
    for _ in range(round(seconds / by)):
        await asyncio.to_thread(srv.advance, by)
        await until(lambda: board.pushed == srv.emulator.hub.sent or board.mode != "push")


def clock_of(srv):
    return lambda: datetime.fromtimestamp(srv.emulator.now_ms() / 1000, UTC)


def live_ids(srv) -> set[str]:
    org = srv.emulator.org
    return {org.ids[int(i)] for i in np.flatnonzero(org.live)}


def in_sync(board, srv) -> bool:
    """The board shows the calls the org has live with a connected customer (a call still
    ringing in the IVR is live too; the board lists what a supervisor could act on)."""
    org = srv.emulator.org
    want = set()
    for cid in live_ids(srv):
        d = org.detail(org.find(cid))
        if any(p.purpose == "customer" and p.state == "connected" for p in d.parties):
            want.add(cid)
    return set(board.calls) == want


def tracks(board, srv, lag_ms: int) -> bool:
    org = srv.emulator.org
    now = srv.emulator.now_ms()
    recent = {org.ids[i] for i in range(len(org.ids)) if org.live[i] or org.end[i] > now - lag_ms}
    settled = {cid for cid in live_ids(srv) if org.start[org.find(cid)] < now - lag_ms}
    in_sync_ish = set(board.calls) <= recent
    return in_sync_ish and settled - {
        cid
        for cid in settled
        if not any(
            p.purpose == "customer" and p.state == "connected"
            for p in org.detail(org.find(cid)).parties
        )
    } <= set(board.calls)


async def until(pred, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not pred():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_the_list_follows_pushed_snapshots_without_polling():
    with busy_centre() as srv:
        changes = []

        async def go():
            client = client_for(srv)
            async with client:
                board = LiveBoard(
                    client, SuperviseSettings(), {}, on_change=changes.append, clock=clock_of(srv)
                )
                task = asyncio.create_task(board.run())
                await until(lambda: board.mode == "push" and board.updated is not None)
                api_after_read = srv.emulator.stats["api"]
                seen_ids = set(board.calls)
                await step(srv, board, 6.0)  # calls arrive and end meanwhile
                assert srv.emulator.stats["api"] == api_after_read  # nothing polled
                await until(lambda: in_sync(board, srv), timeout=5)
                assert board.pushed > 10 and board.pushed == srv.emulator.hub.sent  # none lost
                assert set(board.calls) - seen_ids  # new calls came by push
                kinds = {c.kind for c in changes}
                assert {"new", "changed", "ended"} <= kinds
                # the socket drops: a full read, then pushes again
                reads = srv.emulator.stats["analytics.details.query"]
                httpx.post(srv.base_url + "/__emulator/notifications", json={"drop": True})
                await until(lambda: srv.emulator.stats["analytics.details.query"] > reads)
                await until(lambda: not board.reading)
                await step(srv, board, 1.0)
                await until(lambda: in_sync(board, srv), timeout=5)
                task.cancel()

        asyncio.run(go())


def test_refused_topics_fall_back_to_polling_within_the_budget():
    with busy_centre(deny_permissions=("routing:queue:view",)) as srv:
        org = srv.emulator.org

        async def go():
            client = client_for(srv)
            async with client:
                settings = replace(
                    SuperviseSettings(refresh_seconds=1.0),
                    watch_queues=[q.id for q in org.queues],
                )
                board = LiveBoard(
                    client, settings, {}, poll_budget_per_minute=600, clock=clock_of(srv)
                )
                task = asyncio.create_task(board.run())
                await until(lambda: board.mode == "poll" and board.updated is not None)
                assert "routing:queue:view" in board.why
                start, began = srv.emulator.stats["api"], asyncio.get_running_loop().time()
                queries = srv.emulator.stats["analytics.details.query"]
                await until(lambda: srv.emulator.stats["analytics.details.query"] >= queries + 3)
                spent = srv.emulator.stats["api"] - start
                took = asyncio.get_running_loop().time() - began
                # every second: one query and one read a call, never past 600 a minute (pacing
                # is this test's subject: it waits for three rounds of the board's own clock)
                assert took >= 2 * 1.0  # refresh_seconds between rounds
                assert spent <= 600 / 60 * took + 1 + len(board.calls) + 1
                await asyncio.to_thread(srv.advance, 5.0)  # calls move on; polling follows
                # polled, it lags by up to a round: it lists no call over for longer than that,
                # and every call live for longer than that
                await until(lambda: tracks(board, srv, lag_ms=3000), timeout=10)
                task.cancel()

        asyncio.run(go())


def test_the_stepped_clock_moves_only_when_stepped():
    with busy_centre() as srv:
        start = srv.emulator.now_ms()
        assert srv.emulator.now_ms() == start  # it stands still
        arrived = srv.emulator.centre.arrived
        assert srv.advance(30.0) == start + 30_000
        assert srv.emulator.centre.arrived > arrived  # calls came (120 a minute)
        for bad in ({"seconds": -1}, {"seconds": "x"}, {}, [1], {"seconds": 1e9}):
            r = httpx.post(srv.base_url + "/__emulator/clock", json=bad)
            assert r.status_code == 400, bad
        assert srv.emulator.now_ms() == start + 30_000
    with EmulatorServer(small_org(control=True)) as srv:  # a wall clock cannot be stepped
        r = httpx.post(srv.base_url + "/__emulator/clock", json={"seconds": 1})
        assert r.status_code == 400
