"""Genesys's notification system messages over a real WebSocket (SDK notificationMappings.json,
SystemMessageSystemMessage): another channel taking the topics, permissions taken away, tokens
revoked, long and combined topic names; and how the client and the live board handle each: never
a silent stale list."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
from websockets.asyncio.client import connect

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.flows.supervise.board import TAKEN_WHY, LiveBoard, Mode
from genesys_tui.genesys.auth import PkceUserAuth
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.http import new_http_client
from genesys_tui.genesys.notifications import RESYNC, TAKEN, NotificationsError
from genesys_tui.genesys.regions import hosts_for
from tests.integration.helpers import Api, user_token
from tests.integration.test_notifications import (
    CH,
    _recv,
    client_for,
    fast,
    live_call,
    next_event,
    queue_topic,
)


async def _system(ws, timeout=5.0) -> dict:
    """The next message that is not a heartbeat."""
    while (msg := await _recv(ws, timeout))["topicName"] == "channel.metadata":
        pass
    return msg


def test_the_emulator_sends_each_system_message_with_the_sdk_fields():
    with fast() as srv:
        api = Api(srv)
        control = httpx.Client(base_url=srv.base_url)
        d = live_call(srv)
        first, second = api.post(CH).json(), api.post(CH).json()
        topic = queue_topic(d)
        for ch in (first, second):
            assert api.put(f"{CH}/{ch['id']}/subscriptions", []).status_code == 200

        async def go():
            async with connect(first["connectUri"]) as ws1, connect(second["connectUri"]) as ws2:
                await asyncio.sleep(0.05)
                put = api.put(f"{CH}/{first['id']}/subscriptions", [{"id": topic}])
                assert put.status_code == 200
                put = api.put(f"{CH}/{second['id']}/subscriptions", [{"id": topic}])
                assert put.status_code == 200
                msg = await _system(ws1)
                assert msg["topicName"] == f"v2.system.no_longer_subscribed.{first['id']}"
                body = msg["eventBody"]
                assert body["systemTopicType"] == "no_longer_subscribed"
                assert body["reason"] == "another_channel_subscribed"
                assert body["channelId"] == first["id"] and body["oauthClientId"]
                held = api.get(f"{CH}/{first['id']}/subscriptions").json()["entities"]
                assert held == []  # the topic went to the other channel
                r = control.post("/__emulator/permissions", json={"deny": ["routing:queue:view"]})
                assert r.json() == {"channels": 1}
                msg = await _system(ws2)
                assert msg["topicName"] == "v2.subscription.updated"
                assert msg["eventBody"]["systemTopicType"] == "subscription_changed"
                assert api.get(f"{CH}/{second['id']}/subscriptions").json()["entities"] == []
                r = control.post("/__emulator/tokens", json={"revoke": "all"})
                assert r.json()["channels"] == 2
                msg = await _system(ws2)
                assert msg["topicName"] == f"v2.system.token_revoked.{second['id']}"
                assert msg["eventBody"]["systemTopicType"] == "token_revoked"
                assert msg["eventBody"]["reason"] == "user_tokens_revoked"

        asyncio.run(go())
        fresh = Api(srv)  # the old token is revoked, and so are its channels
        assert fresh.http.head(f"{CH}/{first['id']}").status_code == 404


def test_long_topics_are_refused_and_combined_ones_expand():
    with fast() as srv:
        api = Api(srv)
        d = live_call(srv)
        ch = api.post(CH).json()
        sub = f"{CH}/{ch['id']}/subscriptions"
        long = f"v2.conversations.{d.id}.transcription" + "x" * 200
        r = api.http.put(sub, params={"ignoreErrors": "true"}, json=[{"id": long}])
        assert r.json()["entities"][0]["state"] == "Rejected"
        assert "200" in r.json()["entities"][0]["rejectionReason"]
        assert api.put(sub, [{"id": long}]).status_code == 400
        combined = f"v2.conversations.{d.id}?transcription&nope"
        r = api.http.put(sub, params={"ignoreErrors": "true"}, json=[{"id": combined}])
        assert r.json()["entities"][0]["rejectionReason"] == "Invalid topic"
        pair = "v2.routing.queues.{}.conversations?calls&calls"
        r = api.put(sub, [{"id": pair.format(d.queue_ids[0])}])
        assert r.status_code == 200 and r.json()["entities"][0]["state"] == "Permitted"
        hub = srv.emulator.hub
        assert d.queue_ids[0] in hub.subscribers("queue.calls")  # its events reach the channel

        async def client_side():
            async with client_for(srv) as c:
                try:
                    await c.notifications.watch({long})
                except NotificationsError as e:
                    return str(e)
            return ""

        assert "at most 200" in asyncio.run(client_side())


def test_the_client_resyncs_after_a_revoked_token_and_a_dropped_topic():
    with fast() as srv:
        d = live_call(srv)
        control = httpx.Client(base_url=srv.base_url)

        async def go():
            async with client_for(srv) as c:
                hub = c.notifications
                sub = await hub.watch({queue_topic(d)})
                await asyncio.wait_for(hub.connected.wait(), 10)
                before = hub._channel["id"]
                await asyncio.to_thread(control.post, "/__emulator/tokens", json={"revoke": "all"})
                assert (await next_event(sub)).topic == RESYNC
                assert hub._channel["id"] != before  # a new channel, with a renewed token
                assert not sub.rejected
                await asyncio.to_thread(
                    control.post, "/__emulator/permissions", json={"deny": ["routing:queue:view"]}
                )
                assert (await next_event(sub)).topic == RESYNC
                assert sub.rejected == {queue_topic(d): ["routing:queue:view"]}

        asyncio.run(go())


def test_a_revoked_sign_in_says_sign_in_again():
    with fast() as srv:
        d = live_call(srv)
        control = httpx.Client(base_url=srv.base_url)

        tok = user_token(srv)

        async def go():
            auth = PkceUserAuth(tok, time.time() + 3600)
            http = new_http_client()
            async with GenesysClient(hosts_for("", srv.base_url), auth, http=http) as c:
                hub = c.notifications
                await hub.watch({queue_topic(d)})
                await asyncio.wait_for(hub.connected.wait(), 10)
                await asyncio.to_thread(control.post, "/__emulator/tokens", json={"revoke": "all"})
                # The socket closes first ("keeps closing"); the next try finds the sign-in
                # revoked. A busy machine can show the first before the second.
                for _ in range(500):
                    if "sign in again" in (hub.trouble or ""):
                        break
                    await asyncio.sleep(0.02)
                assert hub.trouble and "sign in again" in hub.trouble

        asyncio.run(go())


def test_another_session_takes_the_board_and_r_takes_it_back():
    """Two sessions of one client and user: the later one takes the queue topics; the earlier
    board says so and polls (never a silent stale list) until `r`, and does not take them back on
    its own (which would make the two take them from each other for ever)."""
    with fast() as srv:
        settings = SuperviseSettings(refresh_seconds=0.2)

        async def go():
            async with client_for(srv) as one, client_for(srv) as two:
                board = LiveBoard(one, settings, {})
                task = asyncio.create_task(board.run())
                try:
                    await until(lambda: board.mode == Mode.PUSH and board.updated)
                    other = await two.notifications.watch(
                        {f"v2.routing.queues.{q}.conversations.calls" for q in board.queues}
                    )
                    await until(lambda: board.mode == Mode.POLL)
                    assert board.why == TAKEN_WHY
                    await asyncio.sleep(0.3)  # it stays taken: nothing is taken back unasked
                    assert board.mode == Mode.POLL and not other.taken
                    board.resync()  # `r`
                    await until(lambda: board.mode == Mode.PUSH)
                    event = await next_event(other, lambda e: e.topic == TAKEN)
                    assert set(event.body["topics"]) == other.topics
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

        asyncio.run(go())


async def until(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
