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
  sent and the socket closed about a minute later.

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
]
TOPIC_PERMISSIONS = frozenset(p for _, _, perms in TOPICS for p in perms)


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
    used: float = field(default_factory=time.monotonic)
    topics: list[str] = field(default_factory=list)
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

    def create(self, owner: tuple[str, str | None]) -> Channel:
        mine = [c for c in self.channels.values() if c.owner == owner]
        if len(mine) >= MAX_CHANNELS:
            # "Creating a 21st channel will remove the channel with oldest last used date.
            # Channels without an active connection will be removed first."
            victim = min(mine, key=lambda c: (c.socket is not None, c.used))
            self.remove(victim.id)
        ch = Channel(
            f"streaming-0-{secrets.token_hex(13)}", owner, self.emu.now_ms() + self.ttl_ms()
        )
        self.channels[ch.id] = ch
        return ch

    def live(self, channel_id: str) -> Channel | None:
        ch = self.channels.get(channel_id)
        if ch is not None and self.emu.now_ms() >= ch.expires_ms:
            self.remove(ch.id)
            return None
        return ch

    def remove(self, channel_id: str) -> None:
        ch = self.channels.pop(channel_id, None)
        self.topics_changed()
        if ch is not None and ch.outbox is not None:
            ch.outbox.put_nowait(None)  # its socket closes

    def topic_doc(self, topic: str) -> dict[str, Any]:
        rule = topic_rule(topic)
        if rule is None:
            return {"id": topic, "state": "Rejected", "rejectionReason": "Invalid topic"}
        _, _, perms = rule
        if not self.emu.granted & set(perms):
            return {
                "id": topic,
                "state": "Rejected",
                "rejectionReason": "Missing permissions",
                "missingPermissions": list(perms),
            }
        return {"id": topic, "state": "Permitted"}

    def subscribe(self, ch: Channel, docs: list[dict], *, replace: bool) -> None:
        """Add (or, replacing, set) the Permitted topics of `docs` (topic_doc's answers)."""
        permitted = [d["id"] for d in docs if d["state"] == "Permitted"]
        kept = [] if replace else [t for t in ch.topics if t not in permitted]
        ch.topics = kept + permitted
        self.topics_changed()
        ch.used = time.monotonic()
        ch.expires_ms = self.emu.now_ms() + self.ttl_ms()  # subscribing extends the channel

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
            if ch.outbox is None or topic not in ch.topics:
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
                for t in ch.topics:
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
                wait = max(0.05, min(beat, (ch.expires_ms - self.emu.now_ms()) / 1000))
                try:
                    text = await asyncio.wait_for(outbox.get(), wait)
                except TimeoutError:
                    if self.live(ch.id) is None:  # expired: removed, and the socket closes
                        break
                    text = self.envelope("channel.metadata", {"message": "WebSocket Heartbeat"})
                if text is None:
                    break
                await ws.send_text(text)
        finally:
            with contextlib.suppress(Exception):
                await ws.close(code=1000)
