"""The legs of an emulated call before and after an agent answers: the IVR and the queue of an
inbound call, then the agents' talk interrupted by holds, secure pauses and a transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from genesys_tui.emulator.call_model import Music, Party, Pause, Segment
from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org


def ivr_and_queue(org: Org, i: int, uid, q, music: list[Music]) -> list[Party]:
    """An inbound call's way in: the IVR flow, then waiting in the queue (with its music)."""
    t0, ivr_ms, wait_ms = int(org.start[i]), int(org.ivr_ms[i]), int(org.wait_ms[i])
    connect = t0 + ivr_ms + wait_ms
    ivr = Party(
        uid("participant", "ivr"),
        "ivr",
        "Main IVR",
        t0,
        t0 + ivr_ms,
        uid("call", "ivr"),
        "inbound",
        flow={
            "flowId": make_uuid(org.s.seed, "flow", "main"),
            "flowName": "Main IVR",
            "flowType": "INBOUNDCALL",
            "flowVersion": "12.0",
            "exitReason": "TRANSFER",
            "transferTargetName": q.name,
        },
    )
    ivr.segments.append(Segment("ivr", t0, t0 + ivr_ms))
    acd = Party(
        uid("participant", "acd"),
        "acd",
        q.name,
        t0 + ivr_ms,
        connect,
        uid("call", "acd"),
        "inbound",
        queue_id=q.id,
    )
    acd.segments.append(Segment("interact", t0 + ivr_ms, connect, queue_id=q.id))
    if wait_ms > 4000:
        music.append(Music(t0 + ivr_ms, wait_ms, "queue"))
    return [ivr, acd]


class AgentLegs:
    """The agents' part of a call: talk windows interrupted by a hold, a secure pause or a
    transfer to another queue and a second agent; the pauses and music they make."""

    def __init__(self, org: Org, i: int, uid, outbound: bool, pauses, music) -> None:
        self.org, self.i, self.uid, self.outbound = org, i, uid, outbound
        self.pauses, self.music = pauses, music
        self.agent_legs: list[Party] = []
        self.extra: list[Party] = []  # queues the call was transferred to

    @property
    def parties(self) -> list[Party]:
        return self.extra + self.agent_legs

    def build(
        self, agent, q, connect: int, talk_ms: int, live: bool
    ) -> tuple[list[tuple[int, int]], list[str], list[str]]:
        """The legs from `connect` on; the talk windows, what interrupted them, and the agents'
        first names (what a Script needs)."""
        org, i = self.org, self.i
        rng = np.random.default_rng([org.s.seed, int(org.key[i]), 17])
        events = self.events(talk_ms)
        agents = [agent]
        if org.transfer[i]:
            agents.append(org.agents[int(org.agent2[i])])
        wait_ms = int(org.wait_ms[i])
        agent_start = connect - min(wait_ms, int(rng.integers(3000, 9000)))
        ap = self.leg(agent, int(org.start[i]) if self.outbound else agent_start, connect, q)
        windows: list[tuple[int, int]] = []
        cursor = seg_start = connect
        for at, kind, dur in events:
            wall = connect + at + sum(d for (a2, _, d) in events if a2 < at)
            windows.append((cursor, wall))
            if kind == "hold":
                ap.segments.append(Segment("interact", seg_start, wall, queue_id=ap.queue_id))
                ap.segments.append(Segment("hold", wall, wall + dur, queue_id=ap.queue_id))
                self.pauses.append(Pause(wall, dur, "Hold", cut=False))
                self.music.append(Music(wall, dur, "hold"))
                seg_start = wall + dur
            elif kind == "pause":
                self.pauses.append(Pause(wall, dur, "SecurePause", cut=True))
            else:
                ap = self.transfer(ap, seg_start, wall, dur, agents[1])
                seg_start = wall + dur
            cursor = wall + dur
        final_end = connect + talk_ms + sum(d for _, _, d in events)
        windows.append((cursor, final_end))
        ap.segments.append(
            Segment("interact", seg_start, None if live else final_end, queue_id=ap.queue_id)
        )
        if not live:
            ap.end = final_end
            self.wrap_up(ap, final_end)
        for p in self.agent_legs:
            if p.end is not None:
                p.state = "disconnected"
        kinds = [k for _, k, _ in events]
        firsts = [a.name.split()[0] for a in agents]
        return windows, kinds, firsts

    def events(self, talk_ms: int) -> list[tuple[int, str, int]]:
        org, i = self.org, self.i
        events = []
        if org.hold_ms[i]:
            events.append((int(talk_ms * org.hold_at[i]), "hold", int(org.hold_ms[i])))
        if org.pause_ms[i]:
            events.append((int(talk_ms * org.pause_at[i]), "pause", int(org.pause_ms[i])))
        if org.transfer[i]:
            events.append((int(talk_ms * org.transfer_at[i]), "transfer", int(org.transfer_gap[i])))
        return sorted(events)

    def leg(self, a, start_alert: int, connected: int, queue) -> Party:
        n = len(self.agent_legs)
        p = Party(
            self.uid("participant", "agent", n),
            "agent",
            a.name,
            start_alert,
            None,
            self.uid("call", "agent", n),
            "outbound" if self.outbound else "inbound",
            user_id=a.id,
            queue_id=queue.id,
            connected=connected,
            state="connected",
        )
        kind = "dialing" if self.outbound else "alert"
        p.segments.append(Segment(kind, start_alert, connected, queue_id=queue.id))
        self.agent_legs.append(p)
        return p

    def wrap_up(self, ap: Party, at: int) -> None:
        org, i = self.org, self.i
        code = org.wrapups[int(org.wrapup[i])][0]
        ap.segments.append(
            Segment("wrapup", at, at + int(org.acw_ms[i]), queue_id=ap.queue_id, wrapup_code=code)
        )
        ap.wrapup_code = code

    def transfer(self, ap: Party, seg_start: int, wall: int, dur: int, agent2) -> Party:
        """The first agent hands the call to queue2; a second agent answers it."""
        ap.segments.append(Segment("interact", seg_start, wall, queue_id=ap.queue_id))
        ap.end = wall
        ap.disconnect_type = "transfer"
        self.wrap_up(ap, wall)
        q2 = self.org.queues[int(self.org.queue2[self.i])]
        acd2 = Party(
            self.uid("participant", "acd2"),
            "acd",
            q2.name,
            wall,
            wall + dur,
            self.uid("call", "acd2"),
            "inbound",
            queue_id=q2.id,
        )
        acd2.segments.append(Segment("interact", wall, wall + dur, queue_id=q2.id))
        self.extra.append(acd2)
        self.music.append(Music(wall, dur, "queue"))
        return self.leg(agent2, wall + dur - 4000, wall + dur, q2)
