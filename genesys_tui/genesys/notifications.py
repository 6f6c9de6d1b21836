"""Genesys's Notifications API (reference 8, addendum 1): one channel per process, read over its
WebSocket, shared by everything that watches (the live list, a live transcript, `watch`).

- `Notifications.watch(topics)` gives a Subscription: an async iterator of Events for those topics.
  The channel's topic list is the union of every open Subscription's (PUT with ignoreErrors, so
  a topic the caller may not see comes back Rejected with its missingPermissions, and the others
  still work); at most MAX_TOPICS.
- The socket is kept up: a silent socket (no heartbeat for `silence` seconds), a closed one, a
  `v2.system.socket_closing`, an expired or evicted channel all lead to a reconnect (a new channel
  and the topics again when the old one is gone), and every Subscription then gets a RESYNC
  event: what happened while it was down was not pushed, so read the state again.
- Subscribing again before `expires` keeps the channel past its 24 hours.
- Genesys's system messages (SystemMessageSystemMessage, SDK notificationMappings.json):
  `v2.system.token_revoked.{channel}`: the channel is gone; a new one is made with a renewed
  token, or, when the token cannot be renewed, `trouble` says to sign in again (retried, slowly);
  `v2.system.no_longer_subscribed.{channel}`: another session of the same client and user took
  topics: they are not taken back on their own (two sessions would take them from each other for
  ever); each Subscription that lost some gets a TAKEN event, and `retake()` takes them back;
  `v2.subscription.updated`: topics were dropped (a permission was taken away): the topics are
  subscribed again, so `rejected` says what is now refused, and every Subscription gets RESYNC.
- A topic is at most MAX_TOPIC_CHARS characters; a combined topic `prefix?a&b` counts as each of
  its parts, and its events (named `prefix.a`, ...) reach the Subscription that holds it.
- Only a connectUri on the region's own domain (wss), or on loopback when the API is on loopback
  (the emulator), is ever connected to."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from genesys_tui.genesys.errors import AuthenticationError, GenesysError
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import parse_time
from genesys_tui.genesys.regions import is_loopback_url

log = logging.getLogger("genesys_tui.notifications")

CHANNELS = "/api/v2/notifications/channels"
MAX_TOPICS = 1000  # a channel's limit (more: 400)
MAX_TOPIC_CHARS = 200  # a longer topic name is refused
MAX_MESSAGE = 1 << 20  # bytes in one message: a snapshot is a few KB
QUEUE = 2000  # events waiting for a slow subscriber; past it, it gets RESYNC instead
EXTEND_BEFORE = timedelta(hours=1)  # re-subscribe this long before the channel expires
# Reconnecting: a socket that lived HEALTHY seconds was fine and is reconnected at once; one that
# closed sooner (or never opened) waits, jittered and doubling to MAX_DELAY; and never more than
# PER_MINUTE connections in any minute, so a server that closes every socket at once costs a few
# REST calls and connections a minute, not hundreds a second.
HEALTHY = 60.0
FIRST_DELAY, MAX_DELAY = 1.0, 60.0
PER_MINUTE = 6


class NotificationsError(GenesysError):
    pass


@dataclass(frozen=True)
class Event:
    topic: str
    body: dict[str, Any] = field(default_factory=dict)


RESYNC = "resync"  # an Event with this topic: the socket was down; read the state again
TAKEN = "taken"  # an Event with this topic: another session took topics (body: {"topics": [...]})
CONTROL = frozenset({RESYNC, TAKEN})  # events that are news about the channel, not from a topic


def expand(topic: str) -> set[str]:
    """A combined topic `prefix?a&b` is `prefix.a` and `prefix.b`; any other is itself."""
    prefix, sep, rest = topic.partition("?")
    if not sep or not prefix or not rest:
        return {topic}
    return {f"{prefix}.{part}" for part in rest.split("&")}


class Subscription:
    def __init__(self, hub: Notifications, topics: set[str]) -> None:
        self.hub, self.topics = hub, set(topics)
        self.covers = {t for topic in self.topics for t in expand(topic)}
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE)
        self.closed = False

    def put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # a slow reader: drop the backlog, tell it to read afresh
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(Event(RESYNC))

    @property
    def rejected(self) -> dict[str, list[str]]:
        """Topics of this subscription that Genesys refused, with the permissions they need."""
        return {t: p for t, p in self.hub.rejected.items() if t in self.topics}

    @property
    def taken(self) -> set[str]:
        """Topics of this subscription another session took (until `Notifications.retake`)."""
        return self.topics & self.hub.taken

    async def change(self, topics: set[str]) -> None:
        self.topics = set(topics)
        self.covers = {t for topic in self.topics for t in expand(topic)}
        await self.hub._sync_topics()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub._subs.discard(self)
            with contextlib.suppress(GenesysError):
                await self.hub._sync_topics()

    async def get(self) -> Event:
        """The next event (safe to cancel: nothing is lost)."""
        return await self.queue.get()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while not self.closed:
            yield await self.queue.get()


class Notifications:
    def __init__(
        self,
        api: ApiClient,
        *,
        connect: Callable[..., Any] | None = None,
        silence: float = 75.0,  # 2.5 heartbeats
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self._connect = connect
        self.silence, self._sleep, self._clock = silence, sleep, clock
        self._attempts: deque[float] = deque()  # when each connection was tried, the last minute
        self._storm_said = -MAX_DELAY  # when the storm was last logged (once a minute)
        self.trouble: str | None = None  # the socket keeps closing: for a status line
        self._ceiling = 0.0  # the back-off's current ceiling (0: reconnect at once)
        self._subs: set[Subscription] = set()
        self._channel: dict[str, Any] | None = None
        self._subscribed: set[str] = set()
        self.rejected: dict[str, list[str]] = {}
        self.taken: set[str] = set()  # topics another session took: not subscribed again
        self._recheck = ""  # a system message said the channel's topics changed: "taken"|"changed"
        self._gone = False  # the channel's token was revoked: the channel is no more
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self.connected = asyncio.Event()
        self.reconnects = 0  # after the first connection
        self._opened = False
        self.received = 0

    # --- what callers use ----------------------------------------------------------------------

    async def watch(self, topics: set[str]) -> Subscription:
        sub = Subscription(self, topics)
        self._subs.add(sub)
        try:
            await self._sync_topics()
        except BaseException:
            self._subs.discard(sub)
            raise
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="notifications")
        return sub

    async def retake(self) -> None:
        """Subscribe again to the topics another session took (the user asked: `r`)."""
        if self.taken:
            self.taken = set()
            await self._sync_topics(force=True)

    async def aclose(self) -> None:
        for sub in list(self._subs):
            sub.closed = True
        self._subs.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    # --- the channel and its topics ------------------------------------------------------------

    async def _ensure_channel(self) -> dict[str, Any]:
        if self._channel is None:
            data = await self.api.post_json(CHANNELS, None, ok=(200, 201))
            if not isinstance(data, dict) or not data.get("id") or not data.get("connectUri"):
                raise NotificationsError("Genesys created a notification channel without an id.")
            self._check_uri(str(data["connectUri"]))
            self._channel, self._subscribed = data, set()
        return self._channel

    def _check_uri(self, uri: str) -> None:
        parts = urlsplit(uri)
        api = urlsplit(self.api.hosts.api_base)
        host, api_host = (parts.hostname or "").lower(), (api.hostname or "").lower()
        # loopback by address, as --base-url is judged (127.0.0.1.nip.io is not loopback)
        if is_loopback_url(self.api.hosts.api_base):
            ok = parts.scheme in ("ws", "wss") and is_loopback_url(uri)
        else:
            domain = api_host.split(".", 1)[1] if api_host.startswith("api.") else api_host
            ok = parts.scheme == "wss" and (host == domain or host.endswith("." + domain))
        if not ok:
            raise NotificationsError(
                f"Genesys gave a notification socket on {parts.scheme}://{host}, not on "
                f"{api_host}'s domain: refused."
            )

    def wanted(self) -> set[str]:
        out: set[str] = set()
        for sub in self._subs:
            out |= sub.topics
        return out - self.taken

    async def _sync_topics(self, force: bool = False) -> None:
        async with self._lock:
            want = self.wanted()
            if not force and want == self._subscribed and self._channel is not None:
                return
            counted = len({t for topic in want for t in expand(topic)})
            if counted > MAX_TOPICS:
                raise NotificationsError(
                    f"{counted} topics: a notification channel takes at most {MAX_TOPICS}."
                )
            long = [t for t in want if len(t) > MAX_TOPIC_CHARS]
            if long:
                raise NotificationsError(
                    f"A topic of {len(long[0])} characters: Genesys takes at most "
                    f"{MAX_TOPIC_CHARS} ({long[0][:60]}...)."
                )
            ch = await self._ensure_channel()
            path = f"{CHANNELS}/{ch['id']}/subscriptions"
            resp = await self.api.request(
                "PUT", path, params={"ignoreErrors": "true"}, json=[{"id": t} for t in sorted(want)]
            )
            rejected: dict[str, list[str]] = {}
            try:
                entities = resp.json().get("entities") or []
            except (ValueError, AttributeError):
                entities = []
            for e in entities:
                if isinstance(e, dict) and e.get("state") == "Rejected":
                    perms = e.get("missingPermissions")
                    reason = e.get("rejectionReason") or "rejected"
                    rejected[str(e.get("id"))] = [str(p) for p in perms] if perms else [reason]
            self.rejected = rejected
            self._subscribed = want
            if rejected:
                log.info("notification topics rejected: %s", sorted(rejected))

    def _expiring(self) -> bool:
        exp = parse_time((self._channel or {}).get("expires"))
        return exp is not None and exp - datetime.now(UTC) < EXTEND_BEFORE

    # --- the socket ----------------------------------------------------------------------------

    async def _run(self) -> None:
        first = True
        while self._subs:
            signed_out = ""
            self._opened = False
            self._attempts.append(self._clock())
            began = self._clock()
            why = "it closed"
            try:
                ch = await self._ensure_channel()
                await self._sync_topics()
                await self._read(ch, first)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - any failure: wait, then try again
                why = str(e) or type(e).__name__
                if not self._opened:  # it could not connect: a new channel (the old may be gone)
                    self._channel = None
                if isinstance(e, AuthenticationError):  # only a new sign-in mends it
                    signed_out = f"live updates stopped: {why}"
            if self._gone:  # its token was revoked: the channel is no more
                self._gone, self._channel = False, None
            first = False
            self.connected.clear()
            self.reconnects += 1
            lived = self._clock() - began if self._opened else 0.0
            wait = max(self._next_delay(lived), self._window_wait())
            self._tell(why, wait)
            if signed_out:
                self.trouble = signed_out
            if wait > 0:
                await self._sleep(wait)

    def _next_delay(self, lived: float) -> float:
        """At once after a connection that lived HEALTHY seconds; else doubling from FIRST_DELAY
        to MAX_DELAY, jittered (half to all of it) so that many clients do not come back in step."""
        if lived >= HEALTHY:
            self.trouble, self._ceiling = None, 0.0
            return 0.0
        self._ceiling = min(MAX_DELAY, max(FIRST_DELAY, self._ceiling * 2))
        return random.uniform(self._ceiling / 2, self._ceiling)

    def _window_wait(self) -> float:
        """How long until one more connection keeps within PER_MINUTE in any minute."""
        now = self._clock()
        while self._attempts and now - self._attempts[0] >= 60.0:
            self._attempts.popleft()
        if len(self._attempts) < PER_MINUTE:
            return 0.0
        return 60.0 - (now - self._attempts[0])

    def _tell(self, why: str, wait: float) -> None:
        """A reconnect at once is news for the log's info level; a storm (the socket keeps
        closing) is logged once a minute and kept in `trouble` for the status line."""
        if wait <= 0:
            log.info("notifications: the socket closed (%s); reconnecting", why)
            return
        recent = len(self._attempts)
        self.trouble = (
            f"the notification socket keeps closing ({recent} connection(s) in the last "
            f"minute): next try in {wait:.0f} s"
        )
        now = self._clock()
        if now - self._storm_said >= 60.0:
            self._storm_said = now
            log.warning("notifications: %s; %s", why, self.trouble)

    async def _read(self, ch: dict[str, Any], first: bool) -> None:
        connect = self._connect or _websockets_connect
        ch.pop("closing", None)
        async with connect(str(ch["connectUri"]), max_size=MAX_MESSAGE) as ws:
            self._opened = True
            opened_at = self._clock()
            self.connected.set()
            if not first:
                self._broadcast(Event(RESYNC))
            while True:
                if self._expiring():
                    await self._sync_topics(force=True)  # subscribing again extends it
                    ch["expires"] = (datetime.now(UTC) + timedelta(hours=24)).isoformat()
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for's inner task could
                    # keep a cancelled reader waiting on the socket for good
                    async with asyncio.timeout(self.silence):
                        text = await ws.recv()
                except TimeoutError:
                    log.info("notifications: no heartbeat for %.0f s", self.silence)
                    return
                self._dispatch(text, ch)
                if ch.get("closing"):
                    return
                if self._recheck:
                    await self._topics_changed()
                if self.trouble and self._clock() - opened_at >= HEALTHY:
                    self.trouble = None  # it has held for a while: the storm is over

    def _dispatch(self, text: str | bytes, ch: dict[str, Any]) -> None:
        try:
            msg = json.loads(text)
        except (ValueError, RecursionError):
            log.warning("notifications: a message that is not JSON was skipped")
            return
        if not isinstance(msg, dict) or not isinstance(msg.get("topicName"), str):
            return
        topic, body = msg["topicName"], msg.get("eventBody")
        if topic == "channel.metadata":
            return  # heartbeat or pong: the wait above has been reset
        if topic.startswith("v2.system.") or topic == "v2.subscription.updated":
            log.info("notifications: %s", topic)
            if topic == "v2.system.socket_closing":
                ch["closing"] = True
            elif topic.startswith("v2.system.token_revoked."):
                ch["closing"] = True
                self._gone = True
            elif topic.startswith("v2.system.no_longer_subscribed."):
                self._recheck = "taken"
            elif topic == "v2.subscription.updated":
                self._recheck = self._recheck or "changed"
            return
        if not isinstance(body, dict):
            return
        self.received += 1
        event = Event(topic, body)
        for sub in list(self._subs):
            if topic in sub.covers:
                sub.put(event)

    async def _topics_changed(self) -> None:
        """A system message said the channel's topics changed: read what it holds now (the
        message's own list of topics is not documented), and tell the Subscriptions."""
        why, self._recheck = self._recheck, ""
        ch = self._channel or {}
        data = await self.api.get_json(f"{CHANNELS}/{ch.get('id')}/subscriptions")
        entities = data.get("entities") if isinstance(data, dict) else None
        held = {str(e.get("id")) for e in entities or () if isinstance(e, dict)}
        lost = self._subscribed - held
        if not lost:
            return
        if why == "taken":
            self.taken |= lost
            self._subscribed -= lost
            log.warning("notifications: another session took %d topic(s)", len(lost))
            for sub in list(self._subs):
                if sub.topics & lost:
                    sub.put(Event(TAKEN, {"topics": sorted(sub.topics & lost)}))
        else:  # dropped by Genesys: subscribe again, and `rejected` says what is refused now
            await self._sync_topics(force=True)
            self._broadcast(Event(RESYNC))

    def _broadcast(self, event: Event) -> None:
        for sub in list(self._subs):
            sub.put(event)


def _websockets_connect(uri: str, **kw):
    from websockets.asyncio.client import connect

    return connect(uri, open_timeout=15, ping_interval=None, **kw)
