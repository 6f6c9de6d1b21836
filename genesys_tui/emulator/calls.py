"""One synthetic call in full: participants and segments, phrases word by word, holds, secure
pauses, music, recordings. Analytics, conversations, transcripts and audio derive from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from genesys_tui.emulator import corpus
from genesys_tui.emulator.call_legs import AgentLegs, ivr_and_queue
from genesys_tui.emulator.call_model import (
    EXTERNAL,
    INTERNAL,
    CallDetail,
    Music,
    Party,
    Pause,
    Phrase,
    RecordingInfo,
    Segment,
    Word,
)
from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org


class _Speech:
    """Places sentences on the timeline, word by word."""

    def __init__(self, rng: np.random.Generator, words: bool = True):
        self.rng, self.words = rng, words
        self.phrases: list[Phrase] = []

    def duration(self, text: str) -> int:
        return int(len(text.split()) * self.rng.uniform(290, 390) + 250)

    def say(self, start: int, role: str, text: str, sentiment: int = 0) -> Phrase:
        rng = self.rng
        dur = self.duration(text)
        tokens = text.split()
        n = len(tokens)
        gaps = rng.integers(30, 90, n).tolist()
        weights = [len(t) + 2 for t in tokens]
        speak = max(dur - sum(gaps[:-1]), n * 80)
        total = float(sum(weights))
        base = 0.95 if role == "ivr" else 0.86
        # One draw for every word's confidence: the same numbers as a draw per word, at a
        # fraction of the cost (a transcript search indexes a day of calls at once).
        confs = rng.normal(base, 0.05, n)  # drawn either way: what follows must not change
        if not self.words:  # only where the phrase ends
            t = last = start
            for w, gap in zip(weights, gaps, strict=True):
                ln = max(int(w / total * speak), 60)
                last, t = t + ln, t + ln + gap
            p = Phrase(int(start), int(last - start), EXTERNAL, role, text, [], sentiment)
            self.phrases.append(p)
            return p
        words, t = [], start
        for tok, w, gap, c in zip(tokens, weights, gaps, confs.tolist(), strict=True):
            ln = max(int(w / total * speak), 60)
            words.append(Word(tok, int(t), ln, round(min(max(c, 0.55), 0.995), 3)))
            t += ln + gap
        dur = int(words[-1].start + words[-1].dur - start)
        channel = EXTERNAL if role == "customer" else INTERNAL
        p = Phrase(int(start), dur, channel, role, text, words, sentiment)
        self.phrases.append(p)
        return p


@dataclass
class Script:
    """What is said in a call, decided lazily: analytics and conversation documents never need it,
    transcripts and audio do."""

    t0: int
    ivr_ms: int
    windows: list[tuple[int, int]]  # agent talk windows, wall clock
    kinds: list[str]  # what ends each window but the last: hold | pause | transfer
    agent_names: list[str]
    topic: str

    def speak(self, seed: int, i: int, *, words: bool = True) -> list[Phrase]:
        """The call's phrases in order; words=False: without the words (texts and times only)."""
        rng = np.random.default_rng([seed, i, 18])
        speech = _Speech(rng, words)
        t0, ivr_ms = self.t0, self.ivr_ms
        if ivr_ms:
            # IVR prompts on the agent-side channel; the caller answers the speech menu.
            t = t0 + 400
            for k, prompt in enumerate(corpus.IVR_PROMPTS[:3]):
                if t + speech.duration(prompt) > t0 + ivr_ms - 300:
                    break
                p = speech.say(t, "ivr", prompt)
                t = p.end + int(rng.integers(300, 900))
                if k and t + 2500 < t0 + ivr_ms:
                    # the account number, then the menu's answer: the topic of its queue
                    answers = corpus.IVR_CUSTOMER[self.topic] if k == 2 else corpus.IVR_ACCOUNT
                    c = speech.say(t, "customer", answers[int(rng.integers(len(answers)))])
                    t = c.end + int(rng.integers(300, 700))
        scen_customer, scen_agent = corpus.SCENARIOS[self.topic]
        kinds = self.kinds
        # The problem first, the topic's other lines shuffled, then any call's: a long call repeats.
        more_c = [corpus.CUSTOMER_MORE[k] for k in rng.permutation(len(corpus.CUSTOMER_MORE))]
        more_a = [corpus.AGENT_MORE[k] for k in rng.permutation(len(corpus.AGENT_MORE))]
        issue_c = (
            [scen_customer[0]]
            + [scen_customer[k] for k in 1 + rng.permutation(len(scen_customer) - 1)]
            + more_c
        )
        issue_a = [scen_agent[k] for k in rng.permutation(len(scen_agent))] + more_a
        said = {"customer": 0, "agent": 0}  # lines each side has said from its list
        for w, (a, b) in enumerate(self.windows):
            name = self.agent_names[1 if "transfer" in kinds[:w] else 0]
            opening: list[tuple[str, str, int]] = []
            closing: list[tuple[str, str, int]] = []
            if w == 0 or kinds[w - 1] == "transfer":
                opening.append(
                    ("agent", corpus.AGENT_GREETING[int(rng.integers(3))].format(agent=name), 0)
                )
                if w == 0:
                    opening.append(("agent", corpus.AGENT_VERIFY[int(rng.integers(3))], 0))
            elif kinds[w - 1] == "hold":
                opening.append(("agent", corpus.HOLD_AFTER, 1))
            elif kinds[w - 1] == "pause":
                opening.append(("agent", corpus.PAUSE_AFTER, 1))
            if w < len(kinds):
                closing.append(
                    (
                        "agent",
                        {
                            "hold": corpus.HOLD_BEFORE,
                            "pause": corpus.PAUSE_BEFORE,
                            "transfer": "I'm going to transfer you to the right team now, please hold.",
                        }[kinds[w]],
                        0,
                    )
                )
            else:
                closing.append(("agent", corpus.AGENT_CLOSING[int(rng.integers(3))], 1))
                closing.append(("customer", corpus.CUSTOMER_CLOSING[int(rng.integers(3))], 1))
            t = a + int(rng.integers(200, 800))
            for role, text, sent in opening:
                if t + speech.duration(text) > b:
                    break
                t = speech.say(t, role, text, sent).end + int(rng.integers(250, 900))
            reserve = sum(speech.duration(x[1]) + 700 for x in closing)
            turn = "customer"
            while True:
                if turn == "customer":
                    text, sent = (
                        issue_c[said["customer"] % len(issue_c)]
                        if rng.random() < 0.75
                        else (
                            corpus.CUSTOMER_FILLER[int(rng.integers(len(corpus.CUSTOMER_FILLER)))],
                            0,
                        )
                    )
                else:
                    text, sent = issue_a[said["agent"] % len(issue_a)], 0
                if t + speech.duration(text) > b - reserve:
                    break
                p = speech.say(t, turn, text, sent)
                said[turn] += text not in corpus.CUSTOMER_FILLER
                r = rng.random()
                if r < 0.1:
                    t = p.end - int(
                        rng.integers(400, 900)
                    )  # overtalk: the next speaker starts early
                elif r < 0.16 and turn == "customer":
                    q_ = speech.say(
                        p.end + 400, "agent", corpus.DEAD_AIR_AGENT[int(rng.integers(3))]
                    )
                    t = q_.end + int(
                        rng.integers(4000, 9000)
                    )  # dead air while the agent looks something up
                    turn = "agent"
                else:
                    t = p.end + int(rng.integers(250, 1300))
                turn = "agent" if turn == "customer" else "customer"
            t = max(t, b - reserve)
            for role, text, sent in closing:
                if t + speech.duration(text) > b + 4000:
                    break
                t = speech.say(t, role, text, sent).end + int(rng.integers(250, 700))
        return sorted(speech.phrases, key=lambda p: p.start)


def build_call(org: Org, i: int) -> CallDetail:
    s = org.s
    key = int(org.key[i])  # the call's identity: seeds its ids and content, whatever its position
    uid = lambda kind, *k: make_uuid(s.seed, kind, key, *k)  # noqa: E731
    t0 = int(org.start[i])
    live = bool(org.live[i])
    outbound = bool(org.outbound[i])
    q = org.queues[int(org.queue[i])]
    agent = org.agents[int(org.agent[i])] if org.agent[i] >= 0 else None
    ivr_ms, wait_ms, talk_ms = int(org.ivr_ms[i]), int(org.wait_ms[i]), int(org.talk_ms[i])
    end = None if live else int(org.end[i])
    parties: list[Party] = []
    pauses: list[Pause] = []
    music: list[Music] = []
    ani, dnis = org.ani(i), org.dnis(i)

    customer = Party(
        uid("participant", "customer"),
        "external" if outbound else "customer",
        f"+{org.customer_number[i]}",
        t0,
        end,
        uid("call", "customer"),
        "outbound" if outbound else "inbound",
        attributes={"accountNumber": str(40000 + key % 60000)},
    )
    parties.append(customer)
    if not outbound:
        parties += ivr_and_queue(org, i, uid, q, music)
    if agent is None:
        # Abandoned in queue: the caller hung up while waiting.
        customer.segments.append(Segment("interact", t0, end, disconnect_type="endpoint"))
        script = Script(t0, ivr_ms, [], [], [], q.topic)
        return _finish(
            org, i, t0, end, live, outbound, parties, script, pauses, music, q, ani, dnis
        )  # fmt: skip
    legs = AgentLegs(org, i, uid, outbound, pauses, music)
    windows, kinds, firsts = legs.build(agent, q, t0 + ivr_ms + wait_ms, talk_ms, live)
    script = Script(t0, ivr_ms, windows, kinds, firsts, q.topic)
    customer.segments.append(Segment("interact", t0, end))
    parties.extend(legs.parties)
    return _finish(org, i, t0, end, live, outbound, parties, script, pauses, music, q, ani, dnis)


def _finish(
    org: Org,
    i: int,
    t0: int,
    end: int | None,
    live: bool,
    outbound: bool,
    parties: list[Party],
    script: Script,
    pauses: list[Pause],
    music: list[Music],
    q,
    ani: str,
    dnis: str,
) -> CallDetail:
    s = org.s
    recordings: list[RecordingInfo] = []
    customer = parties[0]
    if live:
        # What a live call looks like to a supervisor: who is connected, consent flags, pause state.
        k = int(org.key[i]) - (len(org.ids) - int(org.live.sum()))
        customer.state = "connected"
        for p in parties:
            if p.purpose == "agent":
                p.state = "alerting" if k == 0 else "connected"
                if k == 0:
                    p.connected = None
                consent = {0: "true", 1: "true", 2: "false", 3: None, 4: "true", 5: "yes"}.get(
                    k % 6
                )
                if consent is not None:
                    p.attributes["supervision_consent"] = consent
    elif org.recorded[i] and any(p.purpose == "agent" for p in parties):
        state = "ARCHIVED" if org.archived[i] else "AVAILABLE"
        bounds = [t0]
        for p in parties:
            if p.purpose == "agent" and p.disconnect_type == "transfer" and p.end:
                bounds.append(p.end)
        bounds.append(int(end))
        for k in range(len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            recordings.append(
                RecordingInfo(
                    make_uuid(s.seed, "recording", int(org.key[i]), k),
                    a,
                    b,
                    [x for x in pauses if a <= x.start < b],
                    state,
                )
            )
    detail = CallDetail(
        index=i,
        id=org.ids[i],
        start=t0,
        end=end,
        outbound=outbound,
        live=live,
        parties=parties,
        script=script,
        seed=s.seed,
        key=int(org.key[i]),
        pauses=pauses,
        music=music,
        recordings=recordings,
        transcribed=bool(org.transcribed[i]) and not live and bool(recordings),
        division_id=org.divisions[q.division][0],
        ani=ani,
        dnis=dnis,
        queue_ids=[p.queue_id for p in parties if p.purpose == "acd" and p.queue_id] or [q.id],
        communication_id=customer.call_id,
    )
    if live:
        k = int(org.key[i]) - (len(org.ids) - int(org.live.sum()))
        detail.secure_pause = k == 3
    return detail
