"""Consent checks: pure functions over the call's current state, the request and the local policy.
Each says what it found, and why it refuses when it does. They run before the confirmation dialog
and again just before dispatch; an action goes out only when every one passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from genesys_tui.core import fmt
from genesys_tui.core.config import Notice, SuperviseSettings
from genesys_tui.core.hours import is_open, parse_hours
from genesys_tui.genesys import states as S
from genesys_tui.genesys.models import CallConversation, CallMediaParticipant

AGENT_PURPOSES = ("agent",)
CUSTOMER_PURPOSES = ("customer", "external")
LIVE_STATES = ("connected",)


@dataclass(frozen=True)
class Supervisor:
    user_id: str
    name: str


@dataclass(frozen=True)
class Request:
    action: str  # monitor | coach | barge | notice | leave
    conversation_id: str
    participant_id: str | None  # None: barge the whole conversation (or leave: your own)
    notice: str | None = None

    def describe(self) -> str:
        if self.action == "leave":
            return f"leave conversation {self.conversation_id}"
        what = f"notice {self.notice!r}" if self.action == "notice" else self.action
        target = (
            f"participant {self.participant_id}"
            if self.participant_id
            else "the whole conversation"
        )
        return f"{what} on {target} of conversation {self.conversation_id}"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Situation:
    """Everything the checks look at. `call` is None when the conversation was not found."""

    request: Request
    call: CallConversation | None
    supervisor: Supervisor
    settings: SuperviseSettings
    notices: dict[str, Notice] = field(default_factory=dict)
    queue_names: dict[str, str] = field(
        default_factory=dict
    )  # queue id -> name, for per-queue rules
    now: datetime | None = None
    recent_actions: int = 0  # dispatched by this supervisor in the last hour
    readonly: bool = False
    sign_in_left: float | None = None  # seconds the user token has left; None when it renews itself

    def participant(self, pid: str | None) -> CallMediaParticipant | None:
        if self.call is None or pid is None:
            return None
        return next((p for p in self.call.participants if p.id == pid), None)

    def targets(self) -> list[CallMediaParticipant]:
        """The agent(s) the action lands on: the chosen one, or every connected agent for a
        whole-conversation barge."""
        if self.request.participant_id:
            p = self.participant(self.request.participant_id)
            return [p] if p is not None else []
        return [p for p in (self.call.participants if self.call else []) if _is_live_agent(p)]

    def queue_rule(self):
        """The per-queue rule that applies (by queue id or name), if any."""
        queues = self.settings.queues
        if not queues or self.call is None:
            return None, None
        for p in [*self.targets(), *self.call.participants]:
            if p.queue and p.queue.id:
                qid = p.queue.id
                for key in (qid, self.queue_names.get(qid, ""), p.queue.name or ""):
                    if key and key in queues:
                        return key, queues[key]
        return None, None


JOINS = ("monitor", "coach", "barge")


def role_of(p: CallMediaParticipant) -> str:
    """How a supervisor's participant is on the call: monitor, coach or barge."""
    for role in p.media_roles:
        if role in JOINS:
            return role
    if p.coached_participant_id:
        return "coach"
    if p.barged_participant_id:
        return "barge"
    return "monitor" if p.monitored_participant_id else (p.purpose or "participant")


def own_participant(
    call: CallConversation | None, supervisor: Supervisor
) -> CallMediaParticipant | None:
    """The supervisor's own participant while it is on the call."""
    for p in call.participants if call is not None else []:
        if (
            p.user
            and p.user.id == supervisor.user_id
            and p.end_time is None
            and p.state != S.DISCONNECTED
        ):
            return p
    return None


def _name(p: CallMediaParticipant) -> str:
    return p.name or (p.user.name if p.user and p.user.name else None) or p.id or "?"


def _is_live_agent(p: CallMediaParticipant) -> bool:
    return p.purpose in AGENT_PURPOSES and p.state in LIVE_STATES and p.end_time is None


# --- the checks ------------------------------------------------------------------------------------


def call_is_live(s: Situation) -> Check:
    if s.call is None:
        return Check(
            "call is live", False, f"conversation {s.request.conversation_id} was not found"
        )
    customers = [p for p in s.call.participants if p.purpose in CUSTOMER_PURPOSES]
    if not any(p.state in LIVE_STATES and p.end_time is None for p in customers):
        states = ", ".join(sorted({p.state or "?" for p in customers})) or "no customer"
        return Check("call is live", False, f"the call is no longer connected ({states})")
    return Check("call is live", True, "the customer is connected")


def target_is_connected_agent(s: Situation) -> Check:
    if s.call is None:
        return Check("target is a connected agent", False, "no call")
    if s.request.participant_id is None:
        agents = s.targets()
        if not agents:
            return Check(
                "target is a connected agent", False, "no agent is connected to barge into"
            )
        return Check(
            "target is a connected agent", True, ", ".join(_name(p) for p in agents) + " connected"
        )
    p = s.participant(s.request.participant_id)
    if p is None:
        return Check(
            "target is a connected agent",
            False,
            f"participant {s.request.participant_id} is not on this call",
        )
    if p.purpose not in AGENT_PURPOSES:
        return Check(
            "target is a connected agent",
            False,
            f"{_name(p)} is a {p.purpose} participant, not an agent",
        )
    if p.state not in LIVE_STATES or p.end_time is not None:
        return Check(
            "target is a connected agent", False, f"{_name(p)} is {p.state or 'not connected'}"
        )
    return Check("target is a connected agent", True, f"{_name(p)} (agent) is connected")


def agent_consented(s: Situation) -> Check:
    key = s.settings.consent_attribute
    accepted = {v.strip().lower() for v in s.settings.consent_values}
    agents = s.targets()
    if not agents:
        return Check("agent consent", False, "no agent to ask")
    for p in agents:
        value = (p.attributes or {}).get(key)
        if value is None:
            return Check(
                "agent consent", False, f"{_name(p)} has no {key} attribute: consent not recorded"
            )
        if value.strip().lower() not in accepted:
            allowed = ", ".join(sorted(accepted)) or "none"
            return Check(
                "agent consent",
                False,
                f"{_name(p)} has {key}={value!r}, which is not one of the accepted values "
                f"{{{allowed}}} (supervise.consent_values in the config)",
            )
    return Check(
        "agent consent",
        True,
        ", ".join(f"{_name(p)}: {key}={p.attributes.get(key)}" for p in agents),
    )


def not_in_secure_pause(s: Situation) -> Check:
    if s.call is None:
        return Check("not in secure pause", False, "no call")
    paused = bool(s.call.secure_pause) or any(
        (p.recording_state or "").lower() == "paused"
        for p in s.call.participants
        if p.end_time is None
    )
    if paused:
        return Check(
            "not in secure pause",
            False,
            "the call is in secure pause (payment or other sensitive capture)",
        )
    return Check("not in secure pause", True, "recording is not paused")


def supervisor_not_on_call(s: Situation) -> Check:
    """Not on the call yet; or on it in another role, which the action changes (Genesys has no
    request that changes a supervisor's role: it is a leave and a join, as one action)."""
    name = "supervisor's place on the call"
    if s.call is None:
        return Check(name, False, "no call")
    p = own_participant(s.call, s.supervisor)
    if p is None:
        return Check(name, True, f"{s.supervisor.name} is not on the call")
    role = role_of(p)
    if s.request.action == "notice":  # the notice starts from the participant already there
        return Check(name, True, f"{s.supervisor.name} is on it ({role}): the notice starts there")
    if role == s.request.action:
        return Check(name, False, f"{s.supervisor.name} is already on it ({role})")
    return Check(
        name,
        True,
        f"{s.supervisor.name} is on it ({role}): leaves, then joins again to {s.request.action}",
    )


def supervisor_on_call(s: Situation) -> Check:
    name = "supervisor on the call"
    p = own_participant(s.call, s.supervisor)
    if p is None:
        return Check(name, False, f"{s.supervisor.name} is not on this call: nothing to leave")
    return Check(name, True, f"{s.supervisor.name} is on it ({role_of(p)})")


def action_allowed(s: Situation) -> Check:
    action = s.request.action
    if action not in s.settings.allowed_actions:
        return Check(
            "policy: action allowed", False, f"{action} is not among supervise.allowed_actions"
        )
    key, rule = s.queue_rule()
    if rule is not None and action not in rule.allowed_actions:
        return Check("policy: action allowed", False, f"{action} is not allowed on queue {key}")
    return Check(
        "policy: action allowed", True, f"{action} allowed" + (f" on queue {key}" if key else "")
    )


def within_working_hours(s: Situation) -> Check:
    key, rule = s.queue_rule()
    hours = (
        rule.working_hours if rule is not None and rule.working_hours else s.settings.working_hours
    )
    if not hours:
        return Check("policy: working hours", True, "no working-hours limit")
    now = s.now or datetime.now().astimezone()
    if is_open(parse_hours(hours), now, s.settings.timezone):
        return Check("policy: working hours", True, f"within {hours} ({s.settings.timezone})")
    return Check("policy: working hours", False, f"outside {hours} ({s.settings.timezone})")


def notice_allowed(s: Situation) -> Check:
    name = s.request.notice
    if name is None or name not in s.notices:
        known = ", ".join(sorted(s.notices)) or "none configured"
        return Check(
            "policy: notice",
            False,
            f"no notice named {name!r} ([notices.NAME] in the config; known: {known})",
        )
    n = s.notices[name]
    if n.max_duration_seconds > s.settings.max_notice_seconds:
        return Check(
            "policy: notice",
            False,
            f"notice {name} may run {n.max_duration_seconds} s; the limit is "
            f"{s.settings.max_notice_seconds} s (supervise.max_notice_seconds)",
        )
    return Check(
        "policy: notice", True, f"{name}: flow {n.flow_id}, at most {n.max_duration_seconds} s"
    )


def under_rate_limit(s: Situation) -> Check:
    limit = s.settings.actions_per_hour
    if s.recent_actions >= limit:
        return Check(
            "policy: rate limit",
            False,
            f"{s.recent_actions} actions in the last hour (limit {limit})",
        )
    return Check(
        "policy: rate limit", True, f"{s.recent_actions} of {limit} actions in the last hour"
    )


SIGN_IN_MARGIN = 60.0  # an action is never started on a token in its last minute


def signed_in(s: Situation) -> Check:
    left = s.sign_in_left
    if left is None:
        return Check("signed in", True, "the user sign-in renews itself")
    if left < SIGN_IN_MARGIN:
        return Check(
            "signed in",
            False,
            "your sign-in has ended: sign in again (L in Supervise, or "
            "`genesys-tui login --user`); nothing was sent",
        )
    return Check("signed in", True, f"user sign-in valid for {fmt.time_left(left)}")


def not_read_only(s: Situation) -> Check:
    if s.readonly:
        return Check(
            "read-only mode is off", False, "read-only mode is on (--readonly or readonly = true)"
        )
    return Check("read-only mode is off", True, "changes allowed")


CHECKS: tuple[Callable[[Situation], Check], ...] = (
    not_read_only,
    signed_in,
    call_is_live,
    target_is_connected_agent,
    agent_consented,
    not_in_secure_pause,
    supervisor_not_on_call,
    action_allowed,
    within_working_hours,
    under_rate_limit,
)


# Leaving never intrudes on anyone: consent, policy and the hourly limit never keep a supervisor
# on a call.
LEAVE_CHECKS: tuple[Callable[[Situation], Check], ...] = (
    not_read_only,
    signed_in,
    supervisor_on_call,
)


def run_checks(s: Situation) -> list[Check]:
    if s.request.action == "leave":
        return [c(s) for c in LEAVE_CHECKS]
    checks = [c(s) for c in CHECKS]
    if s.request.action == "notice":
        checks.append(notice_allowed(s))
    return checks


def refusals(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]
