"""The Notifications API over real HTTP and a real WebSocket: the emulator's channels, topics and
socket (envelope, heartbeat, ping, one socket a channel, expiry, socket_closing), and the client's
Notifications keeping a subscription alive through drops, expiry and maintenance, with a RESYNC
each time so nothing missed goes unnoticed."""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from genesys_tui.emulator import EmulatorServer
from genesys_tui.genesys.notifications import RESYNC, NotificationsError
from tests.conftest import small_org
from tests.integration.helpers import Api, user_token

CH = "/api/v2/notifications/channels"


def fast(**kw):
    return EmulatorServer(small_org(heartbeat_seconds=0.3, **kw))


def live_call(srv):
    org = srv.emulator.org
    i = int(np.flatnonzero(org.live)[1])
    return org.detail(i)


def queue_topic(d) -> str:
    return f"v2.routing.queues.{d.queue_ids[0]}.conversations.calls"


def test_channels_topics_and_their_limits():
    with fast(deny_permissions=("conversation:transcription:view",)) as srv:
        api = Api(srv)
        r = api.post(CH)
        assert r.status_code == 200
        ch = r.json()
        assert set(ch) == {"id", "connectUri", "expires"} and ch["id"].startswith("streaming-0-")
        assert ch["connectUri"].startswith("ws://127.0.0.1:") and ch["connectUri"].endswith(
            ch["id"]
        )
        assert api.http.head(f"{CH}/{ch['id']}").status_code == 200
        assert api.http.head(f"{CH}/streaming-0-nope").status_code == 404
        d = live_call(srv)
        topics = [{"id": queue_topic(d)}, {"id": f"v2.conversations.{d.id}.transcription"}]
        sub = f"{CH}/{ch['id']}/subscriptions"
        refused = api.put(sub, topics)  # without ignoreErrors a rejected topic refuses it all
        assert refused.status_code == 403 and "transcription" in refused.json()["message"]
        r = api.http.put(sub, params={"ignoreErrors": "true"}, json=topics)
        assert r.status_code == 200
        states = {e["id"]: e for e in r.json()["entities"]}
        assert states[queue_topic(d)]["state"] == "Permitted"
        rejected = states[f"v2.conversations.{d.id}.transcription"]
        assert rejected["state"] == "Rejected"
        assert rejected["missingPermissions"] == ["conversation:transcription:view"]
        assert [e["id"] for e in api.get(sub).json()["entities"]] == [queue_topic(d)]
        bogus = api.http.post(sub, params={"ignoreErrors": "true"}, json=[{"id": "v2.nope"}])
        assert bogus.json()["entities"][0]["rejectionReason"] == "Invalid topic"
        many = [
            {"id": f"v2.conversations.{i:08d}-0000-4000-8000-000000000000.transcription"}
            for i in range(1001)
        ]
        assert api.put(sub, many).status_code == 400  # at most 1,000 topics a channel
        assert api.put(sub, {"id": "x"}).status_code == 400  # not a list
        assert api.delete(sub).status_code == 204 and api.get(sub).json()["entities"] == []
        # a user and client hold 20 channels; the 21st evicts the least recently used
        ids = [ch["id"]] + [api.post(CH).json()["id"] for _ in range(20)]
        assert api.http.head(f"{CH}/{ids[0]}").status_code == 404
        assert all(api.http.head(f"{CH}/{i}").status_code == 200 for i in ids[1:])
        assert len(api.get(CH).json()["entities"]) == 20


async def _recv(ws, timeout=5.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def test_the_socket_heartbeats_pongs_pushes_snapshots_and_allows_one_reader():
    with fast() as srv:
        api = Api(srv)
        ch = api.post(CH).json()
        d = live_call(srv)
        api.put(f"{CH}/{ch['id']}/subscriptions", [{"id": queue_topic(d)}])
        agent = next(p for p in d.all_parties if p.purpose == "agent" and p.end is None)
        supervisor = httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {user_token(srv)}"}
        )

        async def go():
            async with connect(ch["connectUri"]) as ws:
                beat = await _recv(ws)
                assert beat["topicName"] == "channel.metadata"
                assert beat["eventBody"] == {"message": "WebSocket Heartbeat"}
                await ws.send(json.dumps({"message": "ping"}))
                assert (await _recv(ws))["eventBody"]["message"] == "pong"
                r = await asyncio.to_thread(
                    supervisor.post,
                    f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/monitor",
                )
                assert r.status_code == 201
                while (msg := await _recv(ws))["topicName"] == "channel.metadata":
                    pass
                assert set(msg) == {"topicName", "version", "eventBody", "metadata"}
                assert msg["topicName"] == queue_topic(d) and "CorrelationId" in msg["metadata"]
                body = msg["eventBody"]
                assert body["id"] == d.id and "calls" not in body["participants"][0]
                monitors = [p for p in body["participants"] if p.get("monitoredParticipantId")]
                assert monitors and monitors[0]["monitoredParticipantId"] == agent.id
                assert set(monitors[0]["user"]) <= {"id", "name"}
                async with connect(ch["connectUri"]) as second:  # the first is closed
                    with pytest.raises(ConnectionClosed):
                        for _ in range(20):
                            await _recv(ws)
                    assert (await _recv(second))["topicName"] == "channel.metadata"

        asyncio.run(go())
        assert srv.emulator.hub.sent >= 1


def test_an_unknown_or_expired_channel_refuses_the_socket():
    with fast(channel_ttl_seconds=0.5) as srv:
        api = Api(srv)
        ch = api.post(CH).json()

        async def go():
            async with connect(ch["connectUri"]) as ws:  # closed when the channel expires
                with pytest.raises(ConnectionClosed):
                    for _ in range(20):
                        await _recv(ws)
            with pytest.raises(Exception):  # noqa: B017 - the handshake is refused
                async with connect(ch["connectUri"]):
                    pass

        asyncio.run(go())
        assert api.http.head(f"{CH}/{ch['id']}").status_code == 404


def client_for(srv):
    from genesys_tui.context import Target, build_client
    from genesys_tui.core.config import Profile
    from genesys_tui.genesys.regions import hosts_for

    s = srv.emulator.s
    profile = Profile(name="t", region="us_east_1", base_url=srv.base_url, client_id=s.client_id)
    return build_client(
        Target(profile, hosts_for("us_east_1", srv.base_url), False, False),
        s.client_id,
        s.client_secret,
    )


async def next_event(sub, want=lambda e: True, timeout=10.0):
    async def first():
        async for e in sub:
            if want(e):
                return e

    return await asyncio.wait_for(first(), timeout)


def test_a_subscription_lives_through_drops_expiry_and_maintenance():
    with fast(deny_permissions=("conversation:transcription:view",)) as srv:
        d = live_call(srv)
        agents = [p for p in d.all_parties if p.purpose == "agent" and p.end is None]
        supervisor = httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {user_token(srv)}"}
        )
        control = httpx.Client(base_url=srv.base_url)

        def monitor():
            return supervisor.post(
                f"/api/v2/conversations/calls/{d.id}/participants/{agents[0].id}/monitor"
            )

        def leave():
            doc = supervisor.get(f"/api/v2/conversations/calls/{d.id}").json()
            me = next(
                p
                for p in doc["participants"]
                if p.get("monitoredParticipantId") and "endTime" not in p
            )
            supervisor.patch(
                f"/api/v2/conversations/calls/{d.id}/participants/{me['id']}",
                json={"state": "disconnected"},
            )

        async def go():
            client = client_for(srv)
            async with client:
                hub = client.notifications
                topics = {queue_topic(d), f"v2.conversations.{d.id}.transcription"}
                sub = await hub.watch(topics)
                assert sub.rejected == {
                    f"v2.conversations.{d.id}.transcription": ["conversation:transcription:view"]
                }
                await asyncio.wait_for(hub.connected.wait(), 10)
                is_call = lambda e: e.topic == queue_topic(d)  # noqa: E731
                assert (await asyncio.to_thread(monitor)).status_code == 201
                assert (await next_event(sub, is_call)).body["id"] == d.id
                first_channel = hub._channel["id"]
                for how in ({"drop": True}, {"closing": 0.2}, {"expire": None}):
                    await asyncio.to_thread(leave)
                    await next_event(sub, is_call)
                    if "expire" in how:
                        assert hub._channel["id"] == first_channel  # kept through the others
                        how = {"expire": first_channel}
                    await asyncio.to_thread(control.post, "/__emulator/notifications", json=how)
                    assert (await next_event(sub)).topic == RESYNC, how
                    await asyncio.wait_for(hub.connected.wait(), 10)
                    assert (await asyncio.to_thread(monitor)).status_code == 201
                    assert (await next_event(sub, is_call)).body["id"] == d.id, how
                assert hub._channel["id"] != first_channel  # the expired one was replaced
                assert hub.reconnects == 4  # the expired channel is tried once (refused)
                await sub.close()
                assert srv.emulator.hub.channels[hub._channel["id"]].topics == []

        asyncio.run(go())


def test_a_socket_elsewhere_is_refused():
    from genesys_tui.genesys.notifications import Notifications

    with fast() as srv:
        client = client_for(srv)
        n = Notifications(client.api)
        with pytest.raises(NotificationsError, match="refused"):
            n._check_uri("wss://evil.example.com/channels/x")
        n._check_uri(srv.base_url.replace("http", "ws") + "/channels/x")
        port = srv.base_url.rsplit(":", 1)[1]
        for elsewhere in (  # loopback by address, as --base-url is judged
            f"ws://127.0.0.1.nip.io:{port}/channels/x",
            f"ws://127.example.com:{port}/channels/x",
            f"ws://localhost.evil.com:{port}/channels/x",
        ):
            with pytest.raises(NotificationsError, match="refused"):
                n._check_uri(elsewhere)
        for loopback in (f"ws://[::1]:{port}/c", f"ws://localhost:{port}/c", "ws://127.8.9.1/c"):
            n._check_uri(loopback)
        asyncio.run(client.aclose())
