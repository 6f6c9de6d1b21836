"""The emulator's live contact centre on a clock the test moves: calls arrive at about the rate,
go through the IVR, the queue and an agent (never one agent on two calls), end with their
recordings, and everything is pushed when it changes, the same as the REST documents say at that
moment; words come on the transcription topic no sooner than the delay after they were said."""

from __future__ import annotations

import asyncio
import json

import numpy as np

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator.app import Emulator
from genesys_tui.emulator.settings import EmulatorSettings

DELAY = 5.0


def centre(**kw):
    emu = Emulator(
        EmulatorSettings(
            seed=5,
            conversations=150,
            days=4,
            live_rate=6.0,
            duration_scale=0.2,
            transcript_delay_seconds=DELAY,
            **kw,
        )
    )
    return emu


def listen(emu, topics):
    """A channel subscribed to `topics` whose socket is 'connected': what is pushed lands in it."""
    ch = emu.hub.create(("client", None))
    emu.hub.set_topics(ch, list(topics))
    ch.outbox = asyncio.Queue(maxsize=100_000)
    return ch


def drain(ch) -> list[dict]:
    out = []
    while not ch.outbox.empty():
        out.append(json.loads(ch.outbox.get_nowait()))
    return out


def test_calls_arrive_ring_talk_and_end_one_agent_one_call():
    emu = centre()
    org = emu.org
    c = emu.centre
    topics = [f"v2.routing.queues.{q.id}.conversations.calls" for q in org.queues]
    ch = listen(emu, topics)
    t0 = emu.now_ms()
    c.start_at(t0)
    states: dict[str, set[tuple]] = {}
    compared = 0
    for k in range(1, 30 * 60):  # half an hour, a second at a time
        now = t0 + k * 1000
        c.tick(now)
        live = np.flatnonzero(org.live)
        agents = [int(a) for a in org.agent[live] if a >= 0]
        assert len(agents) == len(set(agents)), "an agent on two live calls"
        for i in live.tolist():
            d = org.detail(i)
            states.setdefault(d.id, set()).add(
                tuple(sorted((p.purpose, p.state) for p in d.parties if p.end is None))
            )
        if k % 97 == 0:  # the REST document and the last snapshot agree at this moment
            pushed = {}
            for m in drain(ch):
                pushed[m["eventBody"]["id"]] = m["eventBody"]
            for cid, body in pushed.items():
                i = org.find(cid)
                rest = docs.queue_call_event(org, org.detail(i))
                assert rest == body
                compared += 1
    assert compared > 50
    assert 120 <= c.arrived <= 240  # about 6 a minute for 30 minutes
    ended = [i for i in range(150, len(org.ids)) if not org.live[i]]
    assert len(ended) > 100
    # phases: a call was seen in the IVR, then waiting (acd), then ringing, then talking
    seen = set().union(*states.values())
    assert any(("ivr", "connected") in s for s in seen)
    assert any(("acd", "connected") in s for s in seen)
    assert any(("agent", "alerting") in s for s in seen)
    assert any(("agent", "connected") in s for s in seen)
    finished = [org.detail(i) for i in ended]
    assert all(d.end is not None and not d.live for d in finished)
    assert sum(bool(d.recordings) for d in finished) > len(finished) // 2
    assert all(org.start[i] < org.end[i] for i in ended)


def test_words_come_after_the_delay_and_the_end_is_pushed():
    emu = centre()
    org = emu.org
    c = emu.centre
    t0 = emu.now_ms()
    c.start_at(t0)
    c.tick(t0 + 60_000)
    i = max(c.calls)  # a call that has just arrived
    cid = org.ids[i]
    ch = listen(
        emu,
        [
            f"v2.conversations.{cid}.transcription",
            f"v2.speechandtextanalytics.conversation.{cid}.sentiment",
            f"v2.detail.events.conversation.{cid}.customer.end",
        ],
    )
    full = c.calls[i].full
    ends = c.calls[i].ends
    words, ended, moods, customer_end = [], False, [], None
    now = t0 + 60_000
    while now < ends + 5_000:
        now += 500
        c.tick(now)
        for m in drain(ch):
            body = m["eventBody"]
            if m["topicName"].endswith(".transcription"):
                for tr in body["transcripts"]:
                    alt = tr["alternatives"][0]
                    said_end = body["sessionStartTimeMs"] + alt["offsetMs"] + alt["durationMs"]
                    assert now - said_end >= DELAY * 1000  # never sooner than the delay
                    words.append(alt["decoratedTranscript"])
                ended = ended or body["status"]["status"] == "SESSION_ENDED"
            elif m["topicName"].endswith(".sentiment"):
                moods.append(body["sentimentOverallScore"])
            else:
                customer_end = body
    spoken = [p.text for p in full.phrases if p.end <= ends]
    first = spoken.index(words[0])  # a subscriber hears what is said from when it subscribed
    assert words == spoken[first : first + len(words)]  # each once, in order, none left out
    assert first + len(words) >= len(spoken) - 3  # all but what was said in the last DELAY s
    assert ended and customer_end["conversationId"] == cid
    assert customer_end["eventTime"] == ends
    assert not org.live[i]


def test_the_orgs_own_live_calls_keep_their_agent_until_they_end():
    emu = centre()
    org = emu.org
    c = emu.centre
    t0 = emu.now_ms()
    own = [int(i) for i in np.flatnonzero(org.live)]
    c.start_at(t0)
    c.tick(t0 + 1000)
    for i in own:
        if org.agent[i] < 0 or not org.live[i]:
            continue
        d = org.detail(i)
        agents = [p for p in d.parties if p.purpose == "agent" and p.end is None]
        assert agents, f"call {i} lost its agent"
    ends = [c.calls[i].ends for i in own if i in c.calls]
    c.tick(max(ends) + 1000)
    assert not any(org.live[i] for i in own)


def test_an_arrival_does_not_copy_the_org():
    """Each column grows in a buffer with room to spare (doubled when full): thousands of
    arrivals reallocate a column a handful of times, and every value lands where it should."""
    org = centre().org
    n0 = len(org.ids)
    template = {name: getattr(org, name)[0].item() for name in org.ROW_COLUMNS}
    buffers = set()
    for k in range(3000):
        i = org.append({**template, "key": 10**6 + k, "start": 1000 + k, "live": k % 2 == 0})
        assert i == n0 + k
        buffers.add(id(org.start.base))
    assert len(org.ids) == n0 + 3000 == len(org.start) == len(org.live) == len(org.key)
    assert org.start[n0:].tolist() == [1000 + k for k in range(3000)]
    assert org.live[n0:].tolist() == [k % 2 == 0 for k in range(3000)]
    assert len(buffers) <= 10  # log2(3000 / n0) + 1 reallocations, not 3000 copies
    org.live[n0] = False  # a write through the column reaches what the next append keeps
    org.append({**template, "key": 2 * 10**6})
    assert not org.live[n0]
