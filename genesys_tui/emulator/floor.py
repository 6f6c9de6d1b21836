"""The contact-centre floor at one moment, as Genesys's real-time views give it: each queue's
calls waiting and interacting, its members by routing status, and its day so far (offered,
abandoned, service level); each agent's routing status and presence and since when. A pure
function of the org and the clock, so the REST queries, the pushed topics and a test's recount
agree at every moment.

Sources for the shapes: the SDK's QueueObservationQuery / UserObservationQuery (filter, metrics,
detailMetrics), ObservationMetricData (metric, qualifier, stats, observations), ObservationValue
(observationDate, conversationId, userId), StatEventQueueTopicStatsNotification (the
`v2.analytics.queues.{id}.observations` topic: group, data[interval, metrics[metric, qualifier,
stats]]), UserRoutingStatusUserRoutingStatus (`v2.users.{id}.routingStatus`: id, routingStatus
{status, startTime}; status OFF_QUEUE | IDLE | INTERACTING | NOT_RESPONDING | COMMUNICATING),
PresenceEventUserPresence (`v2.users.{id}.presence`: source, presenceDefinition {id,
systemPresence}, primary, modifiedDate), all SDK 257.1.0; metric names from its CommonRulePredicate
and RoutingActivityQueryMetric enums (oWaiting, oInteracting, oOnQueueUsers, oUserRoutingStatuses,
oUserPresences, nOffered, tAbandon, oServiceLevel). Which metrics each query accepts, and which
metrics the queue topic carries, are UNCONFIRMED: the emulator answers the ones named here.

The emulator's choices: an agent takes a 15-minute break every two hours (offset by who they are)
and every seventh agent is logged off; an agent is INTERACTING from the moment a call rings them
until its after-call work ends, NOT_RESPONDING when it has rung ALERT_TIMEOUT_MS unanswered; a call counts in the queue it first entered (a transfer does not
move it); service level is the share of calls answered within SERVICE_LEVEL_S of entering the
queue, of those offered (answered or abandoned) since midnight UTC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

DAY_MS = 86_400_000
BREAK_EVERY_MS, BREAK_MS = 2 * 3_600_000, 15 * 60_000
SERVICE_LEVEL_S = 20
ALERT_TIMEOUT_MS = 30_000  # an agent who lets a call ring this long is NOT_RESPONDING
STATUSES = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
PRESENCES = ("AVAILABLE", "AWAY", "BREAK", "BUSY", "IDLE", "MEAL", "MEETING", "OFFLINE", "ON_QUEUE")


@dataclass(frozen=True)
class AgentState:
    user_id: str
    status: str  # a routing status
    status_since: int  # ms
    presence: str  # a system presence
    presence_since: int
    conversation_id: str | None = None  # the call they are on


@dataclass(frozen=True)
class QueueState:
    queue_id: str
    waiting: list[tuple[str, int]]  # (conversation id, in queue since ms), oldest first
    interacting: int
    members: dict[str, int]  # routing status -> members in it (OFF_QUEUE included)
    offered: int  # today
    abandoned: int
    answered_in_sl: int


def presence_id(org_id: str, presence: str) -> str:
    """The organization presence definition of a system presence (one each, as a new org has)."""
    return make_uuid(0, "presence", org_id, presence)


def day_start(now: int) -> int:
    return now - now % DAY_MS


def on_queue(k: int, at: int) -> bool:
    """Agent k takes calls at `at`: logged on and not on a break (the live centre routes by it)."""
    return k % 7 != 6 and not _break(k, at)[0]


def _break(k: int, now: int) -> tuple[bool, int]:
    """Agent k on a scheduled break now, and since when the current stretch (break or not) runs."""
    offset = (k * 17 * 60_000) % BREAK_EVERY_MS
    phase = (now - offset) % BREAK_EVERY_MS
    if phase < BREAK_MS:
        return True, now - phase
    return False, now - phase + BREAK_MS


def agent_states(emu: Emulator, now: int) -> list[AgentState]:
    org = emu.org
    index = {a.id: k for k, a in enumerate(org.agents)}  # user id -> agent
    on_call: dict[int, tuple[str, int, bool]] = {}  # agent index -> (conversation, since, ringing)
    for i in np.flatnonzero(org.live).tolist():
        d = org.detail(i)
        for p in d.all_parties:
            if (
                p.purpose != "agent"
                or p.end is not None
                or p.state not in ("alerting", "connected")
            ):
                continue
            k = index.get(p.user_id)
            if k is not None and (k not in on_call or p.start < on_call[k][1]):
                on_call[k] = (d.id, int(p.start), p.state == "alerting")
    done = ~org.live & (org.end >= 0) & (org.end <= now)
    out = []
    for k, a in enumerate(org.agents):
        resting, since = _break(k, now)
        if k in on_call:  # whatever the schedule says, a call they have is theirs
            cid, at, ringing = on_call[k]
            if ringing and now - at >= ALERT_TIMEOUT_MS:
                late = at + ALERT_TIMEOUT_MS
                out.append(
                    AgentState(a.id, "NOT_RESPONDING", late, "ON_QUEUE", min(at, since), cid)
                )
            else:
                out.append(AgentState(a.id, "INTERACTING", at, "ON_QUEUE", min(at, since), cid))
            continue
        if k % 7 == 6:
            out.append(AgentState(a.id, "OFF_QUEUE", day_start(now), "OFFLINE", day_start(now)))
            continue
        mine = done & ((org.agent == k) | (org.agent2 == k))
        free_from = int((org.end[mine] + org.acw_ms[mine]).max()) if mine.any() else since
        if free_from > now:  # after-call work
            last = int(org.end[mine][np.argmax(org.end[mine] + org.acw_ms[mine])])
            out.append(AgentState(a.id, "INTERACTING", last, "ON_QUEUE", min(last, since)))
        elif resting:
            out.append(AgentState(a.id, "OFF_QUEUE", since, "BREAK", since))
        else:
            out.append(AgentState(a.id, "IDLE", max(since, free_from), "ON_QUEUE", since))
    return out


def queue_states(
    emu: Emulator,
    now: int,
    agents: list[AgentState] | None = None,
    since: int | None = None,
    until: int | None = None,
) -> list[QueueState]:
    """Every queue now; its counts (offered, abandoned, in service level) over [since, until),
    today by default, of what has happened by now."""
    org = emu.org
    agents = agents if agents is not None else agent_states(emu, now)
    entered = org.start + org.ivr_ms
    answered_at = entered + org.wait_ms
    live = org.live
    waiting = live & ~org.outbound & (entered <= now) & (now < answered_at)
    talking = live & ~org.abandoned & (answered_at <= now)
    lo = day_start(now) if since is None else since
    hi = now if until is None else min(until, now)
    today = (entered >= lo) & (entered < hi) & ~org.outbound
    gave_up = today & org.abandoned & (answered_at <= hi)
    took = today & ~org.abandoned & (answered_at <= hi)
    in_sl = took & (org.wait_ms <= SERVICE_LEVEL_S * 1000)
    out = []
    for q, queue in enumerate(org.queues):
        mine = org.queue == q
        members: dict[str, int] = {}
        for k in org.queue_agents[q]:
            members[agents[k].status] = members.get(agents[k].status, 0) + 1
        idx = np.flatnonzero(waiting & mine)
        wait = sorted(((org.ids[i], int(entered[i])) for i in idx.tolist()), key=lambda x: x[1])
        out.append(
            QueueState(
                queue.id,
                wait,
                int((talking & mine).sum()),
                members,
                int(((gave_up | took) & mine).sum()),
                int((gave_up & mine).sum()),
                int((in_sl & mine).sum()),
            )
        )
    return out
