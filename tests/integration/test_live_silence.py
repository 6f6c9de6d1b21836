"""Silence alerts against the emulator's live centre over a real socket, on a stepped clock: the
transcript comes 20 s after the words (as configured), a scripted 60 s of nobody speaking on one
call raises exactly one silence alert, for that call, and nothing else raises one."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import httpx
import pytest

from genesys_tui.core.config import AlertRules, SuperviseSettings
from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.supervise import watch as watch_module
from genesys_tui.flows.supervise.alerts import SILENCE
from genesys_tui.flows.supervise.watch import EventKind, LiveWatch
from tests.conftest import small_org
from tests.integration.test_live_board import clock_of, until
from tests.integration.test_notifications import client_for


@pytest.fixture
def quick_topics(monkeypatch):
    monkeypatch.setattr(watch_module, "COALESCE", 0.05)


def test_a_scripted_silence_raises_one_alert_and_speech_none(quick_topics):
    rules = AlertRules(silence_seconds=45, hold_seconds=0, queue_wait_seconds=0)
    settings = replace(SuperviseSettings(), alerts=rules)
    with EmulatorServer(
        small_org(live_rate=0.01, stepped_clock=True, transcript_delay_seconds=20.0)
    ) as srv:
        events = []

        async def go():
            async with client_for(srv) as client:
                watch = LiveWatch(client, settings, {}, on_event=events.append, clock=clock_of(srv))
                task = asyncio.create_task(watch.run())
                try:
                    await until(lambda: watch.board.mode == "push" and watch.board.calls)
                    talking = [
                        c
                        for c in watch.board.ordered()
                        if any(a.state == "connected" for a in c.agents)
                    ]
                    await until(lambda: set(watch.words) >= {c.conversation_id for c in talking})
                    # the one that goes on longest (the silence and the words after it fit)
                    ends = {c.view.id: c.ends for c in srv.emulator.centre.calls.values()}
                    target = max(talking, key=lambda c: ends[c.conversation_id]).conversation_id
                    assert ends[target] - srv.emulator.now_ms() > 90_000
                    r = httpx.post(
                        srv.base_url + "/__emulator/silence",
                        json={"conversationId": target, "after_seconds": 5, "seconds": 60},
                    )
                    assert r.json()["dropped"] > 3
                    hub = srv.emulator.hub
                    for _ in range(24):  # two minutes, 5 s a step
                        await asyncio.to_thread(srv.advance, 5.0)
                        await until(lambda: client.notifications.received >= hub.sent)
                        for call in list(watch.board.calls.values()):
                            watch._check(call)
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                return target

        target = asyncio.run(go())
        silences = [
            e.alert for e in events if e.kind == EventKind.ALERT and e.alert.kind == SILENCE
        ]
        assert [a.conversation_id for a in silences] == [target], silences
        assert silences[0].text.startswith("silent 1:")
