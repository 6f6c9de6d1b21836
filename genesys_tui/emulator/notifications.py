"""The Notifications API's moving part: channels, their topics, and the WebSocket each one is read
through (reference 8, addendum 1). What the real service does, as the SDKs and Genesys's docs
describe it:

- a channel lives 24 hours (`expires`); subscribing again extends it; a user and OAuth client
  hold at most 20, and a 21st evicts the least recently used, unconnected ones first;
- at most 1,000 topics a channel (more: 400); a topic the caller may not see is Rejected with its
  missingPermissions (with ignoreErrors) or refuses the whole request (403 here: UNCONFIRMED);
- one socket a channel: a second connection closes the first;
- every message is the envelope {topicName, version, eventBody, metadata: {CorrelationId}}; a
  heartbeat `channel.metadata` "WebSocket Heartbeat" comes about every 30 s; a text
  {"message": "ping"} is answered with "pong"; before maintenance `v2.system.socket_closing` is
  sent and the socket closed about a minute later;
- the system messages of the SDK's notificationMappings.json (257.1.0), each a
  SystemMessageSystemMessage whose systemTopicType and reason take the model's allowed values:
  `v2.system.token_revoked.{channel}` (token_revoked, user_tokens_revoked) when the token that made
  the channel is revoked, and the channel is gone; `v2.system.no_longer_subscribed.{channel}`
  (no_longer_subscribed, another_channel_subscribed) when another channel of the same client and
  user subscribes to its topics, which it loses; `v2.subscription.updated` (an
  UpdatedTopicSystemMessage, subscription_changed) when permissions change and topics are dropped;
  when the token expires the socket just closes (no message: socket_closing is not guaranteed);
- a topic name over MAX_TOPIC_CHARS characters is refused (the issue's reading of the service;
  no SDK source gives the number: UNCONFIRMED); a combined topic `prefix?a&b` is `prefix.a` and
  `prefix.b`, each judged and counted toward the 1,000 (the strict reading of addendum 1.2).

The WebSocket is served by the emulator itself, at ws://127.0.0.1:PORT/channels/{id} (the real
connectUri is wss://streaming.{domain}/channels/{id}). It needs no token: the channel id is the
secret, as on the real service."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from genesys_tui.emulator.documents import iso_ms

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

MAX_CHANNELS = 20
MAX_TOPICS = 1000
MAX_TOPIC_CHARS = 200
VERSION = "2"  # the envelope's `version`: its value is UNCONFIRMED (addendum 1.3)
OUTBOX = 5000  # messages waiting for a slow reader; past it the socket is closed (resync)
UUID = r"[0-9a-fA-F-]{36}"
ANALYTICS = ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view")

# topic pattern -> (kind, any-of permissions). Only transcription's permission is documented
# (addendum 1.5); the others are the emulator's UNCONFIRMED choices (addendum 8, item 3).
TOPICS: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (
        re.compile(rf"^v2\.routing\.queues\.({UUID})\.conversations\.calls$"),
        "queue.calls",
        ("routing:queue:view",),
    ),
    (
        re.compile(rf"^v2\.conversations\.({UUID})\.transcription$"),
        "transcription",
        ("conversation:transcription:view",),
    ),
    (
        re.compile(rf"^v2\.speechandtextanalytics\.conversation\.({UUID})\.sentiment$"),
        "sentiment",
        ("speechAndTextAnalytics:data:view",),
    ),
    (
        re.compile(rf"^v2\.detail\.events\.conversation\.({UUID})\.customer\.end$"),
        "customer.end",
        ANALYTICS,
    ),
    # The floor (floor.py). The queue topic's permission is the query's (UNCONFIRMED); a user's
    # presence and routing status take none, as their REST reads (UsersApi.md, PresenceApi.md:
    # "Requires no permissions").
    (
        re.compile(rf"^v2\.analytics\.queues\.({UUID})\.observations$"),
        "queue.observations",
        ("analytics:queueObservation:view",),
    ),
    (re.compile(rf"^v2\.users\.({UUID})\.presence$"), "user.presence", ()),
    (re.compile(rf"^v2\.users\.({UUID})\.routingStatus$"), "user.routingStatus", ()),
]
TOPIC_PERMISSIONS = frozenset(p for _, _, perms in TOPICS for p in perms)


def expand(topic: str) -> list[str]:
    """A combined topic `prefix?a&b` is `prefix.a` and `prefix.b`; any other is itself."""
    prefix, sep, rest = topic.partition("?")
    if not sep:
        return [topic]
    return [f"{prefix}.{part}" for part in rest.split("&")] if prefix and rest else [topic]


def topic_rule(topic: str) -> tuple[str, str, tuple[str, ...]] | None:
    """(kind, the id in it, the permissions that allow it), or None for a topic that is not."""
    for pattern, kind, perms in TOPICS:
        m = pattern.match(topic)
        if m:
            return kind, m.group(1), perms
    return None


@dataclass
class Channel:
    id: str
    owner: tuple[str, str | None]  # (OAuth client, user)
    expires_ms: int
    token: str = ""  # the access token that made it: revoked or expired, the channel is gone
    used: float = field(default_factory=time.monotonic)
    topics: list[str] = field(default_factory=list)
    covers: set[str] = field(default_factory=set)  # the topics, combined ones expanded
    socket: WebSocket | None = None
    outbox: asyncio.Queue | None = None
    closing: bool = False

    def doc(self, emu: Emulator) -> dict[str, Any]:
        return {
            "id": self.id,
            "connectUri": emu.base_url.replace("http://", "ws://", 1) + f"/channels/{self.id}",
            "expires": iso_ms(self.expires_ms),
        }


class Hub:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.channels: dict[str, Channel] = {}
        self.sent = 0  # messages put on sockets, heartbeats excluded
        self._kinds: dict[str, set[str]] | None = None  # subscribers() by kind, until topics change

    # --- channels and topics -------------------------------------------------------------------

    def ttl_ms(self) -> int:
        return int(self.emu.s.channel_ttl_seconds * 1000)

    def create(self, owner: tuple[str, str | None], token: str = "") -> Channel:
        mine = [c for c in self.channels.values() if c.owner == owner]
        if len(mine) >= MAX_CHANNELS:
            # "Creating a 21st channel will remove the channel with oldest last used date.
            # Channels without an active connection will be removed first."
            victim = min(mine, key=lambda c: (c.socket is not None, c.used))
            self.remove(victim.id)
        ch = Channel(
            f"streaming-0-{secrets.token_hex(13)}",
            owner,
            self.emu.now_ms() + self.ttl_ms(),
            token,
        )
        self.channels[ch.id] = ch
        return ch

    def live(self, channel_id: str) -> Channel | None:
        ch = self.channels.get(channel_id)
        if ch is not None and (self.emu.now_ms() >= ch.expires_ms or not self._token_ok(ch)):
            self.remove(ch.id)
            return None
        return ch

    def _token_ok(self, ch: Channel) -> bool:
        return not ch.token or self.emu.tokens.lookup(ch.token) is not None

    def _token_left_s(self, ch: Channel) -> float:
        tok = self.emu.tokens.tokens.get(ch.token) if ch.token else None
        return float("inf") if tok is None else tok.expires_at - self.emu.tokens.clock()

    def remove(self, channel_id: str) -> None:
        ch = self.channels.pop(channel_id, None)
        self.topics_changed()
        if ch is not None and ch.outbox is not None:
            ch.outbox.put_nowait(None)  # its socket closes

    def topic_doc(self, topic: str) -> dict[str, Any]:
        if len(topic) > MAX_TOPIC_CHARS:
            return {
                "id": topic,
                "state": "Rejected",
                "rejectionReason": f"Topic names are at most {MAX_TOPIC_CHARS} characters",
            }
        missing: list[str] = []
        for part in expand(topic):
            rule = topic_rule(part)
            if rule is None:
                return {"id": topic, "state": "Rejected", "rejectionReason": "Invalid topic"}
            if rule[2] and not self.emu.granted & set(rule[2]):
                missing += [p for p in rule[2] if p not in missing]
        if missing:
            return {
                "id": topic,
                "state": "Rejected",
                "rejectionReason": "Missing permissions",
                "missingPermissions": missing,
            }
        return {"id": topic, "state": "Permitted"}

    def subscribe(self, ch: Channel, docs: list[dict], *, replace: bool) -> None:
        """Add (or, replacing, set) the Permitted topics of `docs` (topic_doc's answers)."""
        permitted = [d["id"] for d in docs if d["state"] == "Permitted"]
        kept = [] if replace else [t for t in ch.topics if t not in permitted]
        self.set_topics(ch, kept + permitted)
        ch.used = time.monotonic()
        ch.expires_ms = self.emu.now_ms() + self.ttl_ms()  # subscribing extends the channel
        taken = {t for d in permitted for t in expand(d)}
        for other in list(self.channels.values()):
            if other is ch or other.owner != ch.owner or not other.covers & taken:
                continue
            lost = sorted(other.covers & taken)
            self.set_topics(other, [t for t in other.topics if not set(expand(t)) & taken])
            self.system(
                other,
                f"v2.system.no_longer_subscribed.{other.id}",
                "no_longer_subscribed",
                "another_channel_subscribed",
                "Another channel subscribed to these topics",
                {"topics": lost},
            )

    def set_topics(self, ch: Channel, topics: list[str]) -> None:
        ch.topics = topics
        ch.covers = {t for topic in topics for t in expand(topic)}
        self.topics_changed()

    def count(self, topics: list[str]) -> int:
        """Topics as they count toward MAX_TOPICS: a combined one for each of its parts."""
        return len({t for topic in topics for t in expand(topic)})

    # --- system messages -----------------------------------------------------------------------

    def system(
        self,
        ch: Channel,
        topic: str,
        kind: str,
        reason: str | None,
        message: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """A SystemMessageSystemMessage to one channel's socket (dropped when none is open)."""
        body: dict[str, Any] = {
            "channelId": ch.id,
            "systemTopicType": kind,
            "correlationId": str(uuid.uuid4()),
            "organizationId": self.emu.org.id,
            "userId": ch.owner[1],
            "oauthClientId": ch.owner[0],
            "message": message,
        }
        if reason:
            body["reason"] = reason
        if data:
            body["data"] = data
        if ch.outbox is not None:
            with contextlib.suppress(asyncio.QueueFull):
                ch.outbox.put_nowait(self.envelope(topic, body))

    def token_revoked(self, token: str) -> int:
        """The token is revoked: each channel it made is told, then gone (its socket closes)."""
        gone = [ch for ch in self.channels.values() if ch.token and ch.token == token]
        for ch in gone:
            self.system(
                ch,
                f"v2.system.token_revoked.{ch.id}",
                "token_revoked",
                "user_tokens_revoked",
                "The token for this channel was revoked",
            )
            self.remove(ch.id)
        return len(gone)

    def permissions_changed(self) -> int:
        """Topics the org's permissions no longer allow are dropped from every channel, each of
        which is told (v2.subscription.updated); how many channels lost topics."""
        n = 0
        for ch in list(self.channels.values()):
            keep = [t for t in ch.topics if self.topic_doc(t)["state"] == "Permitted"]
            if keep == ch.topics:
                continue
            dropped = [t for t in ch.topics if t not in keep]
            self.set_topics(ch, keep)
            self.system(
                ch,
                "v2.subscription.updated",
                "subscription_changed",
                None,
                "Topics were removed from this channel",
                {"topics": dropped},
            )
            n += 1
        return n

    # --- messages ------------------------------------------------------------------------------

    @staticmethod
    def envelope(topic: str, body: dict[str, Any]) -> str:
        return json.dumps(
            {
                "topicName": topic,
                "version": VERSION,
                "eventBody": body,
                "metadata": {"CorrelationId": str(uuid.uuid4())},
            }
        )

    def publish(self, topic: str, body: dict[str, Any]) -> int:
        """Queue `body` for every connected channel subscribed to `topic`; how many took it."""
        text = None
        n = 0
        for ch in list(self.channels.values()):
            if ch.outbox is None or topic not in ch.covers:
                continue
            text = text or self.envelope(topic, body)
            try:
                ch.outbox.put_nowait(text)
                n += 1
            except asyncio.QueueFull:
                self._overflow(ch)
        self.sent += n
        return n

    def _overflow(self, ch: Channel) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                ch.outbox.get_nowait()
        ch.outbox.put_nowait(None)

    def subscribers(self, kind: str) -> set[str]:
        """The ids named in the subscribed topics of one kind (queue ids for queue.calls, ...)."""
        if self._kinds is None:
            kinds: dict[str, set[str]] = {}
            for ch in self.channels.values():
                for t in ch.covers:
                    rule = topic_rule(t)
                    if rule is not None:
                        kinds.setdefault(rule[0], set()).add(rule[1])
            self._kinds = kinds
        return self._kinds.get(kind, set())

    def topics_changed(self) -> None:
        self._kinds = None

    def socket_closing(self, after_seconds: float) -> int:
        """Maintenance: v2.system.socket_closing on every socket, each closed `after_seconds`
        later (the real service waits about a minute)."""
        n = 0
        for ch in self.channels.values():
            if ch.outbox is None:
                continue
            body = {
                "channelId": ch.id,
                "systemTopicType": "socket_closing",
                "message": "The socket will close shortly; reconnect",
            }
            ch.outbox.put_nowait(self.envelope("v2.system.socket_closing", body))
            ch.closing = True
            asyncio.get_running_loop().call_later(after_seconds, ch.outbox.put_nowait, None)
            n += 1
        return n

    # --- the socket ----------------------------------------------------------------------------

    async def serve(self, ws: WebSocket) -> None:
        ch = self.live(ws.path_params["channelId"])
        if ch is None:
            await ws.close(code=4004)  # before accept: the handshake is refused (HTTP 403)
            return
        if ch.outbox is not None:  # one socket a channel: the newcomer wins
            ch.outbox.put_nowait(None)
            await asyncio.sleep(0)
        await ws.accept()
        self.emu.stats["notifications.sockets"] += 1
        if self.emu.faults.roll("wsclose"):
            await ws.close()
            return
        if self.emu.faults.roll("wsclosing"):
            await ws.send_text(self.envelope("v2.system.socket_closing", {}))
            await ws.close()
            return
        outbox: asyncio.Queue = asyncio.Queue(maxsize=OUTBOX)
        ch.socket, ch.outbox, ch.used = ws, outbox, time.monotonic()
        sender = asyncio.create_task(self._send(ws, ch, outbox))
        try:
            while True:
                text = await ws.receive_text()
                try:
                    msg = json.loads(text)
                except (ValueError, RecursionError):
                    continue
                if isinstance(msg, dict) and msg.get("message") == "ping":
                    outbox.put_nowait(self.envelope("channel.metadata", {"message": "pong"}))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            if ch.outbox is outbox:
                ch.socket, ch.outbox = None, None

    async def _send(self, ws: WebSocket, ch: Channel, outbox: asyncio.Queue) -> None:
        beat = self.emu.s.heartbeat_seconds
        try:
            while True:
                left = min((ch.expires_ms - self.emu.now_ms()) / 1000, self._token_left_s(ch))
                wait = max(0.05, min(beat, left))
                try:
                    text = await asyncio.wait_for(outbox.get(), wait)
                except TimeoutError:
                    if self.live(ch.id) is None:  # expired (or its token): the socket closes
                        break
                    text = self.envelope("channel.metadata", {"message": "WebSocket Heartbeat"})
                if text is None:
                    break
                await ws.send_text(text)
        finally:
            with contextlib.suppress(Exception):
                await ws.close(code=1000)
