"""Live calls: conversations without an end (the analytics details query with conversationEnd
notExists), each then read from the calls API for its current state: who is connected and since
when, recording state, secure pause, supervisors already on it, and each agent's consent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from genesys_tui.core.config import SuperviseSettings
from genesys_tui.flows.supervise.checks import AGENT_PURPOSES, CUSTOMER_PURPOSES
from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import CallConversation, CallMediaParticipant


@dataclass
class Leg:
    """One participant as a supervisor sees it."""

    participant_id: str
    purpose: str
    name: str
    state: str
    since: datetime | None  # when it entered its state (connected time, else start)
    user_id: str | None = None
    queue: str | None = None
    consent: str | None = None  # the attribute's value; None: not recorded
    consented: bool = False
    roles: list[str] = field(default_factory=list)  # a supervisor's media roles

    def in_state_for(self, now: datetime) -> float | None:
        return (now - self.since).total_seconds() if self.since else None


def consent_state(leg: Leg) -> str:
    """consent_text without the value, for a narrow column: the same words."""
    return consent_text(leg).split(" (", 1)[0]


def consent_text(leg: Leg) -> str:
    """An agent's consent as the policy sees it, in the same words in the CLI and the TUI: given
    (with the value), not recorded (no attribute), or not accepted (a value the policy does not
    take, shown as it is: "yes" when only "true" is accepted)."""
    if leg.consented:
        return f"given ({leg.consent})"
    if leg.consent is None:
        return "not recorded"
    return f"not accepted ({leg.consent})"


@dataclass
class LiveCall:
    conversation_id: str
    start: datetime | None
    call: CallConversation
    customer: str  # the number, or the name
    queue: str | None
    agents: list[Leg]
    others: list[Leg]  # customer, IVR, queue, supervisors
    recording_state: str
    secure_pause: bool

    @property
    def supervisors(self) -> list[Leg]:
        return [p for p in self.others if p.purpose == "user" or p.roles]

    def text(self) -> str:
        """What the live filter matches on."""
        return " ".join(
            [self.conversation_id, self.customer, self.queue or "", *(a.name for a in self.agents)]
        ).lower()


def _leg(p: CallMediaParticipant, names: dict[str, str], settings: SuperviseSettings) -> Leg:
    user_id = p.user.id if p.user else None
    name = (
        p.name
        or (p.user.name if p.user and p.user.name else None)
        or names.get(user_id or "", "")
        or p.purpose
        or "?"
    )
    queue = None
    if p.queue and p.queue.id:
        queue = p.queue.name or names.get(p.queue.id, p.queue.id)
    consent = (p.attributes or {}).get(settings.consent_attribute)
    accepted = {v.strip().lower() for v in settings.consent_values}
    return Leg(
        p.id or "",
        p.purpose or "",
        name,
        p.state or "",
        p.connected_time or p.start_time,
        user_id,
        queue,
        consent,
        consent is not None and consent.strip().lower() in accepted,
        list(p.media_roles),
    )


def summarize(
    call: CallConversation,
    start: datetime | None,
    names: dict[str, str],
    settings: SuperviseSettings,
) -> LiveCall | None:
    """A live call, or None when it has ended meanwhile (no connected customer)."""
    legs = [_leg(p, names, settings) for p in call.participants if p.end_time is None]
    customers = [p for p in call.participants if p.purpose in CUSTOMER_PURPOSES]
    if not any(p.state == S.CONNECTED and p.end_time is None for p in customers):
        return None
    agents = [leg for leg in legs if leg.purpose in AGENT_PURPOSES]
    others = [leg for leg in legs if leg.purpose not in AGENT_PURPOSES]
    c = customers[0]
    queue = next((leg.queue for leg in agents if leg.queue), None) or next(
        (leg.queue for leg in legs if leg.queue), None
    )
    paused = bool(call.secure_pause) or (call.recording_state or "").lower() == "paused"
    return LiveCall(
        call.id or "",
        start,
        call,
        (c.ani or c.address or c.name or "customer").removeprefix("tel:"),
        queue,
        agents,
        others,
        (call.recording_state or "none").lower(),
        paused,
    )


async def live_calls(
    client: GenesysClient,
    settings: SuperviseSettings,
    names: dict[str, str],
    *,
    now: datetime | None = None,
    concurrency: int = 8,
) -> list[LiveCall]:
    """Calls that have not ended, newest first, each in its current state."""
    now = now or datetime.now(UTC)
    start = now - timedelta(hours=settings.live_window_hours)
    flt = ConversationFilter(ended=False, media_types=("voice",))
    found = [
        (s.conversation_id, s.start)
        async for s in client.analytics.iter_conversations(
            start, now + timedelta(minutes=5), flt, order="desc"
        )
    ]
    gate = asyncio.Semaphore(concurrency)

    async def one(cid: str, started: datetime | None) -> LiveCall | None:
        async with gate:
            try:
                call = await client.conversations.get_call(cid)
            except E.NotFound:
                return None  # gone since the query
        return summarize(call, started, names, settings)

    calls = await asyncio.gather(*(one(cid, st) for cid, st in found))
    return [c for c in calls if c is not None]


def matching(
    calls: list[LiveCall], queues: Iterable[str] = (), agents: Iterable[str] = ()
) -> list[LiveCall]:
    """The calls in any of these queues (whole names, any case) that have an agent whose name
    contains any of these (any case): `supervise calls --queue/--agent`, `supervise watch`."""
    qs, ags = [q.lower() for q in queues], [a.lower() for a in agents]
    return [
        c
        for c in calls
        if (not qs or (c.queue or "").lower() in qs)
        and (not ags or any(x in leg.name.lower() for leg in c.agents for x in ags))
    ]


def call_doc(c: LiveCall, now: datetime) -> dict:
    """A live call as JSON, the one shape `supervise calls --json` and `supervise watch --json`
    print (the TUI's table shows the same fields)."""
    return {
        "conversationId": c.conversation_id,
        "start": c.start.isoformat() if c.start else None,
        "queue": c.queue,
        "customer": c.customer,
        "recordingState": c.recording_state,
        "securePause": c.secure_pause,
        "agents": [
            {
                "participantId": g.participant_id,
                "name": g.name,
                "state": g.state,
                "secondsInState": round(g.in_state_for(now) or 0),
                "consent": g.consent,
                "consented": g.consented,
            }
            for g in c.agents
        ],
        "supervisors": [{"name": s.name, "roles": s.roles} for s in c.supervisors],
    }


def agent_rows(calls: list[LiveCall], words: list[str]) -> list[tuple[LiveCall, Leg | None]]:
    """One row per agent on a call (one for a call without an agent yet), keeping those whose
    text (queue, agent, customer, IDs) has every word."""
    rows: list[tuple[LiveCall, Leg | None]] = []
    for c in calls:
        for leg in c.agents or [None]:
            text = c.text() + (" " + leg.name.lower() if leg else "")
            if all(w in text for w in words):
                rows.append((c, leg))
    return rows
