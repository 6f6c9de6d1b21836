"""Every consent rule, on calls built by hand: each passes when it should and refuses with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from genesys_tui.core.config import Notice, QueueRule, SuperviseSettings
from genesys_tui.flows.supervise.checks import Request, Situation, Supervisor, refusals, run_checks
from genesys_tui.genesys.models import CallConversation, CallMediaParticipant, EntityRef

SUP = Supervisor("sup-1", "Sam Supervisor")
MONDAY_NOON = datetime(2026, 5, 11, 12, 0, tzinfo=UTC)


def call(
    *,
    consent="true",
    agent_state="connected",
    customer_state="connected",
    secure_pause=False,
    supervisor_on=False,
    queue=("q-billing", "Billing"),
    recording_state="active",
) -> CallConversation:
    parts = [
        CallMediaParticipant(
            id="cust",
            name="+13175550100",
            purpose="customer",
            state=customer_state,
            recording_state=recording_state,
        ),
        CallMediaParticipant(
            id="agent",
            name="Aisha Nguyen",
            purpose="agent",
            state=agent_state,
            user=EntityRef("u-aisha", "Aisha Nguyen"),
            queue=EntityRef(*queue),
            attributes={} if consent is None else {"supervision_consent": consent},
        ),
    ]
    if supervisor_on:
        parts.append(
            CallMediaParticipant(
                id="sup",
                purpose="user",
                state="connected",
                user=EntityRef(SUP.user_id),
                media_roles=["monitor"],
            )
        )
    return CallConversation(id="conv", participants=parts, secure_pause=secure_pause)


def situation(
    c=None, action="monitor", participant="agent", notice=None, settings=None, **kw
) -> Situation:
    return Situation(
        Request(action, "conv", participant, notice),
        call() if c is None else c,
        SUP,
        settings or SuperviseSettings(),
        kw.pop("notices", {}),
        {"q-billing": "Billing"},
        kw.pop("now", MONDAY_NOON),
        kw.pop("recent", 0),
        kw.pop("readonly", False),
        kw.pop("sign_in_left", None),
    )


def failed(s: Situation) -> dict[str, str]:
    return {c.name: c.detail for c in refusals(run_checks(s))}


def test_a_good_call_passes_every_check():
    checks = run_checks(situation())
    assert checks and not refusals(checks)
    assert {c.name for c in checks} >= {
        "call is live",
        "target is a connected agent",
        "agent consent",
        "not in secure pause",
        "supervisor's place on the call",
        "policy: action allowed",
        "policy: working hours",
        "policy: rate limit",
        "read-only mode is off",
    }


def test_the_call_must_exist_and_be_connected():
    s = situation()
    s.call = None
    assert "was not found" in failed(s)["call is live"]
    assert (
        "no longer connected"
        in failed(situation(call(customer_state="disconnected")))["call is live"]
    )


@pytest.mark.parametrize(
    "participant, c, why",
    [
        ("nobody", None, "not on this call"),
        ("cust", None, "customer participant, not an agent"),
        ("agent", call(agent_state="alerting"), "is alerting"),
    ],
)
def test_the_target_must_be_a_connected_agent(participant, c, why):
    assert why in failed(situation(c, participant=participant))["target is a connected agent"]


@pytest.mark.parametrize(
    "value, ok", [("true", True), ("TRUE ", True), ("false", False), ("yes", False), (None, False)]
)
def test_consent_attribute_and_accepted_values(value, ok):
    f = failed(situation(call(consent=value)))
    assert ("agent consent" not in f) == ok
    if value is None:
        assert "consent not recorded" in f["agent consent"]
    elif not ok:  # the value, and what would be accepted instead
        assert f"supervision_consent={value!r}" in f["agent consent"]
        assert "not one of the accepted values {true}" in f["agent consent"]


def test_consent_key_and_values_are_configurable():
    settings = SuperviseSettings(
        consent_attribute="supervision_consent", consent_values=["yes", "true"]
    )
    assert not failed(situation(call(consent="yes"), settings=settings))
    other = SuperviseSettings(consent_attribute="monitoring_ok")
    assert "no monitoring_ok attribute" in failed(situation(settings=other))["agent consent"]


def test_never_into_a_secure_pause():
    assert (
        "secure pause"
        in failed(situation(call(secure_pause=True), action="barge"))["not in secure pause"]
    )
    assert "not in secure pause" in failed(situation(call(recording_state="paused")))


def test_the_supervisor_must_not_already_be_on_the_call():
    assert (
        "already on it (monitor)"
        in failed(situation(call(supervisor_on=True)))["supervisor's place on the call"]
    )


def test_allowed_actions_globally_and_per_queue():
    only_monitor = SuperviseSettings(allowed_actions=["monitor"])
    assert (
        "not among supervise.allowed_actions"
        in failed(situation(action="barge", settings=only_monitor))["policy: action allowed"]
    )
    by_queue = SuperviseSettings(
        queues={"Billing": QueueRule(allowed_actions=["monitor", "coach"])}
    )
    assert (
        "not allowed on queue Billing"
        in failed(situation(action="barge", settings=by_queue))["policy: action allowed"]
    )
    assert not failed(situation(action="coach", settings=by_queue))
    by_id = SuperviseSettings(queues={"q-billing": QueueRule(allowed_actions=["coach"])})
    assert "policy: action allowed" in failed(situation(action="monitor", settings=by_id))


def test_working_hours_in_the_configured_time_zone_and_per_queue():
    office = SuperviseSettings(working_hours="Mon-Fri 09:00-17:00", timezone="America/New_York")
    assert not failed(
        situation(settings=office, now=datetime(2026, 5, 11, 14, 0, tzinfo=UTC))
    )  # 10:00 in NY
    late = failed(situation(settings=office, now=MONDAY_NOON.replace(hour=23)))  # 19:00 in NY
    assert "outside Mon-Fri 09:00-17:00 (America/New_York)" in late["policy: working hours"]
    night_queue = SuperviseSettings(
        working_hours="Mon-Fri 09:00-17:00",
        queues={"Billing": QueueRule(working_hours="Mon-Sun 22:00-06:00")},
    )
    assert not failed(
        situation(settings=night_queue, now=datetime(2026, 5, 16, 3, 0, tzinfo=UTC))
    )  # Sat 03:00


def test_notices_must_exist_and_stay_under_the_maximum_duration():
    notices = {
        "recording": Notice(flow_id="f1", max_duration_seconds=20),
        "long": Notice(flow_id="f2", max_duration_seconds=300),
    }
    assert not failed(situation(action="notice", notice="recording", notices=notices))
    assert (
        "may run 300 s; the limit is 60 s"
        in failed(situation(action="notice", notice="long", notices=notices))["policy: notice"]
    )
    assert (
        "no notice named 'nope'"
        in failed(situation(action="notice", notice="nope", notices=notices))["policy: notice"]
    )


def test_a_rate_limit_per_supervisor():
    settings = SuperviseSettings(actions_per_hour=3)
    assert not failed(situation(settings=settings, recent=2))
    assert (
        "3 actions in the last hour (limit 3)"
        in failed(situation(settings=settings, recent=3))["policy: rate limit"]
    )


def test_read_only_mode_refuses_everything():
    assert "read-only mode is on" in failed(situation(readonly=True))["read-only mode is off"]


def test_a_whole_conversation_barge_checks_every_connected_agent():
    c = call()
    c.participants.append(
        CallMediaParticipant(
            id="agent2",
            name="Ravi Patel",
            purpose="agent",
            state="connected",
            attributes={"supervision_consent": "false"},
        )
    )
    f = failed(situation(c, action="barge", participant=None))
    assert "Ravi Patel has supervision_consent=" in f["agent consent"]
    nobody = call(agent_state="alerting")
    assert (
        "no agent is connected"
        in failed(situation(nobody, action="barge", participant=None))[
            "target is a connected agent"
        ]
    )


def test_a_sign_in_in_its_last_minute_or_ended_is_refused():
    from genesys_tui.flows.supervise.checks import signed_in

    assert signed_in(situation()).ok  # renews itself (None)
    assert signed_in(situation(sign_in_left=3600)).ok
    for left in (59.0, 0.0):
        c = signed_in(situation(sign_in_left=left))
        assert not c.ok and "sign in again" in c.detail
    assert "signed in" in {c.name for c in run_checks(situation(sign_in_left=0.0)) if not c.ok}
