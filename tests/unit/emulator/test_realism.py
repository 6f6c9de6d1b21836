"""The demo org holds together as a contact centre does: an agent is on one call at a time, the
IVR answer matches the queue the caller lands in, and a call's lines do not loop."""

from collections import Counter
from datetime import UTC, datetime

import numpy as np

from genesys_tui.emulator import corpus
from genesys_tui.emulator.org import Org
from genesys_tui.emulator.settings import EmulatorSettings

ANCHOR = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)


def org(n=300):
    return Org(EmulatorSettings(seed=7, conversations=n, anchor=ANCHOR))


def test_an_agent_is_on_one_call_at_a_time():
    o = org()
    live = np.flatnonzero(o.live)
    agents = [int(o.agent[i]) for i in live]
    assert len(live) == 6 and len(set(agents)) == len(agents), agents
    spans: dict[int, list[tuple[int, int]]] = {}
    for i in range(len(o.ids)):
        answered = int(o.start[i] + o.ivr_ms[i] + o.wait_ms[i])
        end = int(o.end[i]) if not o.live[i] else o.anchor_ms
        for a in (int(o.agent[i]), int(o.agent2[i])):
            if a >= 0:
                assert i in live or o.queue[i] in o.agents[a].queues or o.queue2[i] >= 0
                spans.setdefault(a, []).append((answered, end))
    for a, s in spans.items():
        s.sort()
        overlaps = [(x, y) for x, y in zip(s, s[1:], strict=False) if y[0] < x[1]]
        assert not overlaps, (o.agents[a].name, overlaps[:2])


def test_the_ivr_answer_matches_the_queue_and_lines_vary():
    o = org()
    checked = 0
    for i in range(len(o.ids)):
        if o.outbound[i] or o.abandoned[i] or o.ivr_ms[i] < 30_000:
            continue
        d = o.detail(i)
        topic = o.queues[int(o.queue[i])].topic
        said = [p.text for p in d.phrases if p.role == "customer"][:3]
        menu = [t for t in said if any(t in v for v in corpus.IVR_CUSTOMER.values())]
        assert menu and all(t in corpus.IVR_CUSTOMER[topic] for t in menu), (topic, said)
        talk = [p.text for p in d.phrases if p.role in ("agent", "customer")]
        fillers = set(corpus.CUSTOMER_FILLER) | set(corpus.DEAD_AIR_AGENT)
        repeats = Counter(t for t in talk if t not in fillers)
        if o.talk_ms[i] < 180_000:  # a call under three minutes says nothing twice
            assert max(repeats.values()) == 1, repeats.most_common(3)
        elif o.talk_ms[i] < 360_000:  # under six, nothing more than twice
            assert max(repeats.values()) <= 2, repeats.most_common(3)
        checked += 1
    assert checked >= 10
