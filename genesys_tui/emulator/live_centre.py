"""The live contact centre: with `live_rate` > 0, calls arrive (about that many a minute), go
through the IVR, wait in their queue, ring an agent who is free, talk, hold, pause for a card
number, transfer, and end; each is then a finished call with its recordings. Every change is
pushed on the queue's notification topic as the whole call's snapshot, the words said come on the
call's transcription topic `transcript_delay_seconds` after they were spoken, sentiment on its
sentiment topic, and the end as a customer.end detail event. The REST API shows the same call at
the same moment (org.detail gives the live view the centre keeps)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator import floor
from genesys_tui.emulator.call_model import CallDetail
from genesys_tui.emulator.ids import make_uuid
from genesys_tui.emulator.live_view import parties_at, secure_pause_at, signature

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

log = logging.getLogger("genesys_tui.emulator")
FIRST_KEY = 1_000_000  # generation keys of arriving calls: after any org's own
KEEPALIVE_MS = 5 * 60_000  # an empty SESSION_ONGOING transcription message this often
SENTIMENT_MS = 15_000


@dataclass
class Live:
    """A call the centre runs: its whole plan, the view a supervisor sees, what was pushed."""

    index: int
    full: CallDetail  # the call as it will have been, once over
    view: CallDetail  # what org.detail returns while it lasts
    ends: int
    shown: tuple = ()
    said: int = 0  # phrases pushed on the transcription topic
    keepalive: int = 0
    sentiment_at: int = 0
    listening: bool = False  # someone is subscribed to its transcription topic
    moments: list[int] | None = None  # when the view changes, ascending (from the plan)


class LiveCentre:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.rng = np.random.default_rng([emu.s.seed, 4242])
        self.calls: dict[int, Live] = {}
        self.next_key = FIRST_KEY
        self.next_arrival = 0
        self.arrived = 0
        self.task: asyncio.Task | None = None
        self.floor_sent: dict[str, Any] = {}  # topic -> what it last carried (push on change)

    @property
    def running(self) -> bool:
        return self.emu.s.live_rate > 0

    def start(self) -> None:
        if self.running and self.task is None:
            self.start_at(self.emu.now_ms())
            if self.emu.s.stepped_clock:
                return  # moved by Emulator.advance, not by the wall clock
            self.task = asyncio.get_running_loop().create_task(self._run())

    def start_at(self, now: int) -> None:
        """Take over the org's live calls and plan the first arrival (tick() moves it on)."""
        for i in np.flatnonzero(self.emu.org.live).tolist():
            self._adopt(int(i), now)
        self.next_arrival = now + self._gap()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def _run(self) -> None:
        while True:
            try:
                self.tick(self.emu.now_ms())
            except Exception:  # noqa: BLE001 - the centre keeps running; the log says why
                log.exception("the live centre's tick failed")
            await asyncio.sleep(self.emu.s.live_tick_seconds)

    def _gap(self) -> int:
        return int(self.rng.exponential(60_000 / self.emu.s.live_rate))

    # --- the clock -----------------------------------------------------------------------------

    def tick(self, now: int) -> None:
        while self.running and now >= self.next_arrival:
            self._arrive(self.next_arrival)
            self.next_arrival += max(1, self._gap())
        hub = self.emu.hub
        heard, felt = hub.subscribers("transcription"), hub.subscribers("sentiment")
        for live in list(self.calls.values()):
            if now >= live.ends:
                self._end(live, now)
            else:
                self._show(live, now)
                if live.view.id in heard:
                    self._speak(live, now, live.view.id in felt)
                else:
                    live.listening = False
        self.push_floor(now)

    def push_floor(self, now: int) -> None:
        """The floor's topics (floor.py), each when what it says changes: a queue's observation
        stats, a user's routing status and presence, for the ids someone subscribed to."""
        hub = self.emu.hub
        queues = hub.subscribers("queue.observations")
        presence, routing = hub.subscribers("user.presence"), hub.subscribers("user.routingStatus")
        if not (queues or presence or routing):
            return
        org_id = self.emu.org.id
        agents = floor.agent_states(self.emu, now)
        for a in agents:
            if a.user_id in routing:
                self._send_floor(
                    f"v2.users.{a.user_id}.routingStatus",
                    {
                        "id": a.user_id,
                        "routingStatus": {
                            "status": a.status,
                            "startTime": docs.iso_ms(a.status_since),
                        },
                    },
                )
            if a.user_id in presence:
                self._send_floor(
                    f"v2.users.{a.user_id}.presence",
                    {
                        "source": "PURECLOUD",
                        "presenceDefinition": {
                            "id": floor.presence_id(org_id, a.presence),
                            "systemPresence": a.presence,
                        },
                        "primary": True,
                        "message": "",
                        "modifiedDate": docs.iso_ms(a.presence_since),
                    },
                )
        if queues:
            start = floor.day_start(now)
            interval = f"{docs.iso_ms(start)}/{docs.iso_ms(start + floor.DAY_MS)}"
            for q in floor.queue_states(self.emu, now, agents):
                if q.queue_id in queues:
                    self._send_floor(
                        f"v2.analytics.queues.{q.queue_id}.observations",
                        {
                            "group": {"queueId": q.queue_id, "mediaType": "voice"},
                            "data": [{"interval": interval, "metrics": queue_topic_metrics(q)}],
                        },
                    )

    def _send_floor(self, topic: str, body: dict[str, Any]) -> None:
        if self.floor_sent.get(topic) != body:
            self.floor_sent[topic] = body
            self.emu.hub.publish(topic, body)

    def silence(self, conversation_id: str, start: int, ms: int) -> int:
        """A test's scripted silence: nobody says anything on the live call from `start` for
        `ms` (org clock); what it would have said then is dropped. How many phrases that took.
        Only what is still to be said changes (the finished call's recording keeps them)."""
        live = next((c for c in self.calls.values() if c.view.id == conversation_id), None)
        if live is None:
            return 0
        start = max(start, self.emu.now_ms())
        kept = [p for p in live.full.phrases if p.end <= start or p.start >= start + ms]
        dropped = len(live.full.phrases) - len(kept)
        live.full._phrases = kept
        return dropped

    def detail(self, i: int) -> CallDetail | None:
        live = self.calls.get(i)
        return live.view if live else None

    # --- arrivals ------------------------------------------------------------------------------

    def _arrive(self, at: int) -> None:
        org, s, rng = self.emu.org, self.emu.s, self.rng
        scale = s.duration_scale

        shortest = int(3000 * min(1.0, scale * 10))  # a phase lasts seconds, even in a fast test

        def ms(lo: int, hi: int) -> int:
            return max(shortest, int(rng.integers(lo, hi) * scale))

        q = int(rng.integers(len(org.queues)))
        busy = {int(a) for a in org.agent[org.live]} | {int(a) for a in org.agent2[org.live]}
        free = [a for a in org.queue_agents[q] if a not in busy and floor.on_queue(a, at)]
        talk = int(np.clip(rng.lognormal(math.log(240_000), 0.6), 45_000, 1_500_000) * scale)
        hold = ms(20_000, 90_000) if rng.random() < 0.3 else 0
        pays = org.queues[q].topic in ("payments", "billing")
        pause = ms(15_000, 60_000) if pays and rng.random() < 0.35 else 0
        # 8% are transferred to another queue, to an agent free there
        q2 = int((q + 1 + rng.integers(len(org.queues) - 1)) % len(org.queues))
        agent = free[int(rng.integers(len(free)))] if free else -1
        free2 = [
            a
            for a in org.queue_agents[q2]
            if a not in busy and a != agent and floor.on_queue(a, at)
        ]
        transfer = bool(free) and bool(free2) and rng.random() < 0.08
        key = self.next_key
        self.next_key += 1
        row: dict[str, Any] = {
            "outbound": False,
            "ivr_ms": ms(8_000, 35_000),
            "wait_ms": ms(5_000, 90_000),
            "talk_ms": max(shortest, talk) if free else 0,
            "abandoned": not free,
            "hold_ms": hold if free else 0,
            "hold_at": rng.uniform(0.35, 0.6),
            "queue": q,
            "pause_ms": pause if free else 0,
            "pause_at": rng.uniform(0.65, 0.8),
            "transfer": transfer,
            "transfer_at": rng.uniform(0.3, 0.5),
            "transfer_gap": ms(10_000, 25_000) if transfer else 0,
            "queue2": q2 if transfer else -1,
            "agent": agent,
            "agent2": free2[int(rng.integers(len(free2)))] if transfer else -1,
            "wrapup": int(rng.integers(len(org.wrapups))),
            "acw_ms": int(rng.integers(5_000, 60_000)),
            "live": True,
            "end": -1,
            "start": at,
            "key": key,
            "recorded": bool(free) and rng.random() < 0.92,
            "archived": False,
            "transcribed": rng.random() < 0.9,
            "sensitive": False,  # a live call's recording is judged when it has one
            "customer_number": 13170000000 + int(rng.integers(1_000_000, 9_999_999)),
        }
        i = org.append(row)
        self.arrived += 1
        self._adopt(i, at)

    def _adopt(self, i: int, now: int) -> None:
        """Run call i from now on: plan it whole, then show it as it stands."""
        from genesys_tui.emulator.calls import build_call

        org = self.emu.org
        static = org.end[i] < 0 and int(org.key[i]) < FIRST_KEY  # one of the org's own live calls
        total = int(
            org.ivr_ms[i]
            + org.wait_ms[i]
            + org.talk_ms[i]
            + org.hold_ms[i]
            + org.pause_ms[i]
            + org.transfer_gap[i]
        )
        ends = int(org.start[i]) + total
        if static:  # started before the emulator: a few minutes more of talk
            more = int(self.rng.integers(60_000, 8 * 60_000) * min(1.0, self.emu.s.duration_scale))
            if now + more > ends:
                org.talk_ms[i] += now + more - ends
                ends = now + more
        view = org.detail(i)  # the pinned live document supervisors join
        org.live[i], org.end[i] = False, ends  # plan it as a finished call...
        try:
            full = build_call(org, i)
        finally:
            org.live[i], org.end[i] = True, -1  # ...and it is live again
        live = Live(i, full, view, ends, moments=_moments(full, now))
        for p in full.parties:
            if p.purpose == "agent":  # the consent flags supervisors' checks read
                consent = {0: "true", 1: "true", 2: "false", 3: None, 4: "true", 5: "yes"}
                value = consent[int(org.key[i]) % 6]
                if value is not None:
                    p.attributes.setdefault("supervision_consent", value)
        self.calls[i] = live
        if not static:
            self._show(live, now)

    # --- what a supervisor sees ----------------------------------------------------------------

    def _show(self, live: Live, now: int) -> None:
        moments = live.moments
        if moments is not None and live.shown and (not moments or now < moments[0]):
            return  # nothing in the plan changes before the next moment
        while moments and moments[0] <= now:
            moments.pop(0)
        parties = parties_at(live.full, now)
        secure = secure_pause_at(live.full, now)
        sig = signature(parties, secure)
        if sig == live.shown:
            return
        live.shown = sig
        live.view.parties = parties
        live.view.secure_pause = secure
        self.emu.publish_call(live.view)

    def _end(self, live: Live, now: int) -> None:
        org = self.emu.org
        del self.calls[live.index]
        org.ended(live.index, live.ends)
        d = org.detail(live.index)
        self.emu.publish_call(d)
        hub = self.emu.hub
        cid = d.id
        hub.publish(f"v2.conversations.{cid}.transcription", self._transcript(live, [], "ENDED"))
        customer = d.parties[0]
        hub.publish(
            f"v2.detail.events.conversation.{cid}.customer.end",
            {
                "eventTime": live.ends,
                "conversationId": cid,
                "participantId": customer.id,
                "sessionId": customer.call_id,
                "disconnectType": "ENDPOINT",
                "mediaType": "VOICE",
                "provider": "Edge",
                "direction": "INBOUND",
                "ani": d.ani,
                "dnis": d.dnis,
                "addressFrom": d.ani,
                "addressTo": d.dnis,
                "interactingDurationMs": max(0, live.ends - int(org.start[live.index])),
                "divisionId": d.division_id,
            },
        )

    # --- words and sentiment -------------------------------------------------------------------

    def _speak(self, live: Live, now: int, sentiment: bool) -> None:
        hub = self.emu.hub
        cid = live.view.id
        topic = f"v2.conversations.{cid}.transcription"
        delay = int(self.emu.s.transcript_delay_seconds * 1000)
        phrases = live.full.phrases
        if not live.listening:  # a new subscriber hears what is said from now on, not before
            live.listening = True
            live.said = sum(1 for p in phrases if p.end + delay <= now)
            live.keepalive = now
            hub.publish(topic, self._transcript(live, [], "ONGOING"))  # the session is on
        due = [p for p in phrases[live.said :] if p.end + delay <= now and p.end <= live.ends]
        if due:
            live.said += len(due)
            hub.publish(topic, self._transcript(live, due, "ONGOING"))
            live.keepalive = now
        elif now - live.keepalive >= KEEPALIVE_MS:
            hub.publish(topic, self._transcript(live, [], "ONGOING"))
            live.keepalive = now
        if sentiment and live.said and now - live.sentiment_at >= SENTIMENT_MS:
            live.sentiment_at = now
            scores = [p.sentiment for p in phrases[: live.said] if p.role == "customer"]
            if scores:
                third = max(1, len(scores) // 3)
                hub.publish(
                    f"v2.speechandtextanalytics.conversation.{cid}.sentiment",
                    {
                        "conversationId": cid,
                        "sentimentOverallScore": round(100 * float(np.mean(scores)), 1),
                        "sentimentTrendScore": round(
                            100 * (np.mean(scores[-third:]) - np.mean(scores[:third])) / 2, 1
                        ),
                        "queueIds": live.view.queue_ids,
                        "divisionIds": [live.view.division_id],
                        "flowIds": [],
                    },
                )

    def _transcript(self, live: Live, phrases: list, status: str) -> dict[str, Any]:
        """TranscriptionTopicTranscriptionMessage (addendum 1.5). Offsets are from the session's
        start, the conversation's (the reference point is UNCONFIRMED)."""
        d, t0 = live.view, int(live.view.start)
        now = self.emu.now_ms()
        return {
            "eventTime": docs.iso_ms(now),
            "organizationId": self.emu.org.id,
            "conversationId": d.id,
            "communicationId": d.communication_id,
            "sessionStartTimeMs": t0,
            "transcriptionStartTimeMs": t0,
            "transcripts": [
                {
                    "utteranceId": make_uuid(0, "utterance", d.id, k),
                    "isFinal": True,
                    "channel": "EXTERNAL" if p.channel == "external" else "INTERNAL",
                    "alternatives": [
                        {
                            "confidence": p.confidence,
                            "offsetMs": p.start - t0,
                            "durationMs": p.dur,
                            "transcript": p.text.lower().strip(".?!,"),
                            "decoratedTranscript": p.text,
                            "words": [
                                {
                                    "confidence": w.conf,
                                    "startTimeMs": w.start - t0,
                                    "offsetMs": w.start - t0,
                                    "durationMs": w.dur,
                                    "word": w.text,
                                }
                                for w in p.words
                            ],
                        }
                    ],
                    "engineProvider": "GENESYS",
                    "engineId": "r2d2",
                    "dialect": "en-US",
                    "agentAssistEnabled": False,
                    "voiceTranscriptionEnabled": True,
                }
                for k, p in enumerate(phrases, start=live.said - len(phrases))
            ],
            "status": {
                # how far the transcription has got: the words of the last
                # transcript_delay_seconds are not transcribed yet
                "offsetMs": max(0, now - int(self.emu.s.transcript_delay_seconds * 1000) - t0),
                "status": "SESSION_ENDED" if status == "ENDED" else "SESSION_ONGOING",
            },
        }


def queue_topic_metrics(q: floor.QueueState) -> list[dict[str, Any]]:
    """StatEventQueueTopicMetricStats: metric, qualifier, stats (a dict of numbers)."""
    from genesys_tui.emulator.api_floor import day_metrics, queue_data

    out = []
    for m in queue_data(q, ["oWaiting", "oInteracting", "oOnQueueUsers"], False):
        out.append(m)
    for m in day_metrics(q):
        out.append({**m, "stats": {k: v for k, v in m["stats"].items() if v is not None}})
    return out


def _moments(full: CallDetail, now: int) -> list[int]:
    """Every time after `now` at which what a supervisor sees of the call changes."""
    times: set[int] = set()
    for p in full.parties:
        times.update(t for t in (p.start, p.end, p.connected) if t is not None)
        for seg in p.segments:
            times.update(t for t in (seg.start, seg.end) if t is not None)
    for pause in full.pauses:
        times.update((pause.start, pause.end))
    return sorted(t for t in times if t > now)
