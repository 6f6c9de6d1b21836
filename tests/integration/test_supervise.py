"""Supervise end to end against the emulator over real HTTP, signed in as a supervisor through the
real PKCE flow: live calls, checks before confirmation and again before dispatch, at-most-once
dispatch under 429 / 5xx / lost responses, notices as secure flows, the audit chain, and the
webhook outbox delivering to a real receiver once it is back."""

from __future__ import annotations

import asyncio
import json
import threading
from contextlib import asynccontextmanager

import numpy as np
import pytest

from genesys_tui.core.config import Config, Notice, Profile, SuperviseSettings
from genesys_tui.flows.supervise.audit import AuditLog, verify
from genesys_tui.flows.supervise.checks import Request
from genesys_tui.flows.supervise.engine import Supervision
from genesys_tui.flows.supervise.live import live_calls
from genesys_tui.flows.supervise.store import identify
from genesys_tui.flows.supervise.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    Outbox,
    verify_signature,
)
from tests.conftest import ANCHOR, REDIRECT_PORT

SECRET = "a-webhook-secret-of-some-length"


def live_ids(srv) -> list[str]:
    """The emulator's live calls in order: [0] agent still alerting, [1] consent true, [2] false,
    [3] no attribute and in secure pause, [4] true, [5] "yes"."""
    org = srv.emulator.org
    return [org.ids[int(i)] for i in np.flatnonzero(org.live)]


@asynccontextmanager
async def supervision(
    srv,
    tmp_path,
    settings: SuperviseSettings | None = None,
    notices=None,
    outbox=None,
    readonly=False,
    retry=None,
):
    from genesys_tui.context import resolve_target
    from genesys_tui.context.signin import loopback_user_client
    from genesys_tui.core.config import RetrySettings

    s = srv.emulator.s
    profile = Profile(
        name="default",
        base_url=srv.base_url,
        client_id=s.client_id,
        user_client_id=s.pkce_client_id,
        redirect_port=REDIRECT_PORT,
        retry=retry or RetrySettings(),
    )
    cfg = Config(profiles={"default": profile})
    client = await loopback_user_client(resolve_target(cfg))
    async with client:
        me = await identify(client)
        assert me is not None and me.name == "Sam Supervisor"
        yield Supervision(
            client,
            me,
            settings or SuperviseSettings(),
            notices or {},
            AuditLog(tmp_path / "audit.jsonl"),
            outbox,
            readonly=readonly,
            names=await client.directory.names(),
        )


async def agent_of(engine: Supervision, cid: str) -> str:
    call = await engine.current_call(cid)
    return next(p.id for p in call.participants if p.purpose == "agent")


def supervisors_on(srv, cid: str) -> list:
    from tests.integration.helpers import (  # a fresh reader, independent of the client
        Api,
        user_token,
    )

    call = Api(srv, user_token(srv)).get(f"/api/v2/conversations/calls/{cid}").json()
    return [p for p in call["participants"] if p.get("purpose") == "user" and not p.get("endTime")]


async def test_live_calls_list_agents_consent_and_pause(emulator, tmp_path):
    async with supervision(emulator, tmp_path) as engine:
        calls = await live_calls(engine.client, engine.settings, engine.names, now=ANCHOR)
    by_id = {c.conversation_id: c for c in calls}
    ids = live_ids(emulator)
    assert set(ids) <= set(by_id)
    assert by_id[ids[0]].agents[0].state == "alerting"
    assert [by_id[i].agents[0].consented for i in ids[1:]] == [True, False, False, True, False]
    assert by_id[ids[3]].agents[0].consent is None and by_id[ids[3]].secure_pause
    assert by_id[ids[5]].agents[0].consent == "yes"
    c = by_id[ids[1]]
    assert c.queue and c.customer and c.recording_state == "active" and not c.secure_pause
    assert c.agents[0].since is not None and c.agents[0].name


async def test_monitor_goes_through_once_and_is_audited(fresh_emulator, tmp_path):
    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("monitor", cid, pid))
        assert attempt.allowed, attempt.checks
        out = await engine.dispatch(attempt)
    assert out.ok and out.status == 201 and out.latency_ms > 0 and out.genesys_correlation_id
    assert out.on_call_after is True
    joined = [p for p in out.call_after.participants if p.purpose == "user"]
    assert (
        joined
        and joined[0].monitored_participant_id == pid
        and joined[0].media_roles == ["monitor"]
    )
    assert srv.emulator.stats["monitor"] == 1
    records = list(engine.audit.records())
    assert [(r["stage"], r["result"]) for r in records] == [
        ("confirm", "allowed"),
        ("dispatch", "dispatched"),
    ]
    last = records[-1]
    assert last["supervisor"]["name"] == "Sam Supervisor" and last["conversationId"] == cid
    assert last["participantId"] == pid and last["status"] == 201 and last["latencyMs"] > 0
    assert last["genesysCorrelationId"] == out.genesys_correlation_id and len(last["checks"]) >= 9
    assert verify(engine.audit).ok
    # a second monitor of the same call is refused: the supervisor is already on it
    async with supervision(srv, tmp_path) as engine:
        again = await engine.check(Request("monitor", cid, pid))
    assert not again.allowed
    assert any(c.name == "supervisor's place on the call" and not c.ok for c in again.checks)


@pytest.mark.parametrize(
    "k, reason",
    [
        (0, "alerting"),
        (2, "not one of the accepted values"),
        (3, "no supervision_consent attribute"),
        (5, "not one of the accepted values"),
    ],
)
async def test_refused_calls_send_nothing(emulator, tmp_path, k, reason):
    cid = live_ids(emulator)[k]
    before = emulator.emulator.stats["barge"]
    async with supervision(emulator, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("barge", cid, pid))
    assert not attempt.allowed
    assert any(reason in c.detail for c in attempt.checks if not c.ok)
    if k == 3:
        assert any(c.name == "not in secure pause" and not c.ok for c in attempt.checks)
    assert emulator.emulator.stats["barge"] == before
    (rec,) = engine.audit.records()
    assert rec["result"] == "refused" and any(not c["ok"] for c in rec["checks"])


async def test_an_action_from_a_browser_tab_is_audited_with_its_web_session(
    emulator, tmp_path, monkeypatch
):
    """`genesys-tui web`: the tab's app process knows its web session; the audit says it."""
    from genesys_tui.core.web_session import SESSION_ENV

    cid = live_ids(emulator)[0]
    async with supervision(emulator, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        await engine.check(Request("barge", cid, pid))  # refused (alerting): audited all the same
        monkeypatch.setenv(SESSION_ENV, "0123456789abcdef" * 2)
        await engine.check(Request("barge", cid, pid))
    first, second = engine.audit.records()
    assert "webSession" not in first and second["webSession"] == "0123456789abcdef" * 2
    assert verify(engine.audit).ok


async def test_configured_consent_values_and_wrong_ids(emulator, tmp_path):
    ids = live_ids(emulator)
    settings = SuperviseSettings(consent_values=["true", "yes"])
    async with supervision(emulator, tmp_path, settings) as engine:
        pid = await agent_of(engine, ids[5])
        assert (await engine.check(Request("monitor", ids[5], pid))).allowed  # "yes" now accepted
        gone = await engine.check(Request("monitor", "00000000-0000-4000-8000-000000000000", pid))
        customer = next(
            p.id
            for p in (await engine.current_call(ids[1])).participants
            if p.purpose == "customer"
        )
        not_agent = await engine.check(Request("coach", ids[1], customer))
    assert any("was not found" in c.detail for c in gone.checks if not c.ok)
    assert any("not an agent" in c.detail for c in not_agent.checks if not c.ok)


async def test_the_call_changes_between_confirmation_and_dispatch(fresh_emulator, tmp_path):
    srv = fresh_emulator
    cid = live_ids(srv)[4]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("coach", cid, pid))
        assert attempt.allowed
        # while the dialog is open, the call goes into secure pause
        detail = srv.emulator.org.detail(srv.emulator.org.find(cid))
        detail.secure_pause = True
        out = await engine.dispatch(attempt)
    assert out.result == "refused" and srv.emulator.stats["coach"] == 0
    assert [c.name for c in out.checks if not c.ok] == ["not in secure pause"]
    assert [r["result"] for r in engine.audit.records()] == ["allowed", "refused"]


@pytest.mark.parametrize("fault", ["500", "503", "lost"])
async def test_a_5xx_or_lost_response_is_never_sent_twice(fresh_emulator, tmp_path, fault):
    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("barge", cid, pid))
        srv.emulator.faults.set(f"{fault}@barge=1")
        out = await engine.dispatch(attempt)
        srv.emulator.faults.set("")
    assert out.result == "failed" and out.status in (500, 502, 503)
    assert srv.emulator.stats["barge"] == 1, "dispatched more than once"
    assert "not sent again" in out.error
    # a lost response: the barge happened; the re-read says so. A 5xx: it did not.
    assert out.on_call_after is (fault == "lost")
    assert len(supervisors_on(srv, cid)) == (1 if fault == "lost" else 0)
    rec = list(engine.audit.records())[-1]
    assert (
        rec["result"] == "failed"
        and rec["onCallAfter"] is (fault == "lost")
        and rec["status"] == out.status
    )


async def test_a_429_is_retried_and_lands_once(fresh_emulator, tmp_path):
    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("barge", cid, pid))
        srv.emulator.faults.set("429@barge=1")
        threading.Timer(0.5, srv.emulator.faults.set, args=("",)).start()  # the limit clears
        out = await engine.dispatch(attempt)
    assert out.ok and out.status == 201
    assert srv.emulator.stats["barge"] >= 2 and srv.emulator.faults.injected["429"] >= 1
    joined = supervisors_on(srv, cid)
    assert len(joined) == 1 and joined[0]["mediaRoles"] == ["barge"]


async def test_whole_conversation_barge(fresh_emulator, tmp_path):
    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        attempt = await engine.check(Request("barge", cid, None))
        assert attempt.allowed, attempt.checks
        out = await engine.dispatch(attempt)
    assert (
        out.ok
        and srv.emulator.stats["barge.conversation"] == 1
        and srv.emulator.stats["barge"] == 0
    )
    assert len(supervisors_on(srv, cid)) == 1


async def test_a_notice_runs_its_secure_flow_to_the_end(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(secure_ivr_seconds=0.3)) as srv:
        cid = live_ids(srv)[1]
        notices = {
            "recording": Notice(
                flow_id="flow-recording-notice",
                max_duration_seconds=10,
                description="This call may be recorded",
            )
        }
        async with supervision(srv, tmp_path, notices=notices) as engine:
            pid = await agent_of(engine, cid)
            unknown = await engine.check(Request("notice", cid, pid, "nope"))
            attempt = await engine.check(Request("notice", cid, pid, "recording"))
            assert attempt.allowed, attempt.checks
            out = await engine.dispatch(attempt)
        assert not unknown.allowed and any(
            "no notice named 'nope'" in c.detail for c in unknown.checks
        )
        assert (
            out.ok
            and out.notice_state == "COMPLETED"
            and out.status == 200
            and out.genesys_correlation_id
        )
        # "Only a participant in the conversation can invoke a secure IVR": the supervisor joined
        # silently, started the flow from their own participant, and left once it ended.
        assert [x["step"] for x in out.steps] == [
            "join (monitor)",
            "start secure flow",
            "flow ended",
            "leave",
        ]
        sessions = [s for s in srv.emulator.secure_sessions.values()][0]
        d = srv.emulator.org.detail(srv.emulator.org.find(cid))
        mine = [p for p in d.extra_parties if p.user_id == engine.supervisor.user_id]
        assert (
            sessions[0]["flow"]["id"] == "flow-recording-notice"
            and sessions[0]["sourceParticipantId"] == mine[0].id
        )
        assert (
            mine[0].end is not None and out.on_call_after is False
        )  # left: their own participant only
        assert any(p.purpose == "agent" and p.end is None for p in d.all_parties)
        record = list(engine.audit.records())[-1]
        assert (
            record["noticeState"] == "COMPLETED"
            and [x["step"] for x in record["steps"]][-1] == "leave"
        )


async def test_a_supervisor_already_on_the_call_plays_the_notice_from_there_and_stays(
    fresh_emulator, tmp_path
):
    srv = fresh_emulator
    srv.emulator.s.secure_ivr_seconds = 0.2
    cid = live_ids(srv)[1]
    notices = {"recording": Notice(flow_id="flow-recording-notice", max_duration_seconds=10)}
    async with supervision(srv, tmp_path, notices=notices) as engine:
        pid = await agent_of(engine, cid)
        assert (await engine.dispatch(await engine.check(Request("monitor", cid, pid)))).ok
        attempt = await engine.check(Request("notice", cid, pid, "recording"))
        assert attempt.allowed, [c for c in attempt.checks if not c.ok]
        out = await engine.dispatch(attempt)
    assert out.ok and [x["step"] for x in out.steps] == ["start secure flow", "flow ended"]
    assert out.on_call_after is True and srv.emulator.stats["monitor"] == 1


async def test_the_emulator_refuses_a_secure_flow_from_someone_not_on_the_call(fresh_emulator):
    """The rule the notice is built around, straight against the API: the agent's participant
    named as the source does not make a supervisor who is not on the call a participant."""
    import httpx

    from tests.integration.helpers import user_token

    srv = fresh_emulator
    cid = live_ids(srv)[1]
    d = srv.emulator.org.detail(srv.emulator.org.find(cid))
    agent = next(p for p in d.all_parties if p.purpose == "agent" and p.end is None)
    customer = next(p for p in d.all_parties if p.purpose == "customer")
    url = f"{srv.base_url}/api/v2/conversations/{cid}/participants/{customer.id}/secureivrsessions"
    headers = {"Authorization": f"Bearer {user_token(srv)}"}
    for body in (
        {"flowId": "f", "userData": ""},
        {"flowId": "f", "userData": "", "sourceParticipantId": agent.id},
    ):
        r = httpx.post(url, json=body, headers=headers)
        assert r.status_code == 403 and "Only a participant" in r.json()["message"]


async def test_notice_longer_than_policy_and_rate_limit_and_readonly(fresh_emulator, tmp_path):
    srv = fresh_emulator
    ids = live_ids(srv)
    long = {"long": Notice(flow_id="f", max_duration_seconds=120)}
    async with supervision(
        srv, tmp_path, SuperviseSettings(actions_per_hour=1), notices=long
    ) as engine:
        pid = await agent_of(engine, ids[1])
        too_long = await engine.check(Request("notice", ids[1], pid, "long"))
        assert (await engine.dispatch(await engine.check(Request("monitor", ids[1], pid)))).ok
        pid4 = await agent_of(engine, ids[4])
        limited = await engine.check(Request("monitor", ids[4], pid4))
    assert any("the limit is 60 s" in c.detail for c in too_long.checks if not c.ok)
    assert [c.detail for c in limited.checks if not c.ok] == [
        "1 actions in the last hour (limit 1)"
    ]
    async with supervision(srv, tmp_path, readonly=True) as engine:
        ro = await engine.check(Request("monitor", ids[4], pid4))
    assert [c.name for c in ro.checks if not c.ok] == ["read-only mode is off"]
    assert verify(AuditLog(tmp_path / "audit.jsonl")).ok


def receiver(got: list, up: threading.Event):
    """A QA system's webhook endpoint, verifying the signature as the README shows."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def hook(request):
        body = await request.body()
        if not verify_signature(
            SECRET, body, request.headers[SIGNATURE_HEADER], request.headers[DELIVERY_HEADER]
        ):
            return Response(status_code=401)
        got.append((request.headers[DELIVERY_HEADER], json.loads(body)))
        return Response(status_code=204)

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


async def test_the_outbox_delivers_once_the_receiver_is_back(fresh_emulator, tmp_path):
    from genesys_tui.core.asgi_thread import ThreadedServer, free_port

    srv = fresh_emulator
    cid = live_ids(srv)[1]
    box = Outbox(tmp_path / "outbox.sqlite3")
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with supervision(srv, tmp_path, outbox=box) as engine:
        pid = await agent_of(engine, cid)
        await engine.check(Request("monitor", cid, pid))
        await engine.check(
            Request("barge", live_ids(srv)[2], await agent_of(engine, live_ids(srv)[2]))
        )
    down = await asyncio.to_thread(box.deliver, url, SECRET, timeout=2, max_backoff=3600)
    assert down.sent == 0 and down.pending == 2 and "ConnectError" in down.error
    got: list = []
    server = ThreadedServer(receiver(got, threading.Event()), port=port, name="receiver").start()
    try:
        assert (
            box.deliver(url, SECRET, max_backoff=3600).sent == 0
        )  # still backing off: the receiver is not hammered
        box.retry_now()
        back = box.deliver(url, SECRET, max_backoff=3600)
        assert back.sent == 2 and back.pending == 0 and back.error is None
        assert box.deliver(url, SECRET, max_backoff=3600).sent == 0  # nothing twice
    finally:
        server.stop()
        box.close()
    audit = list(AuditLog(tmp_path / "audit.jsonl").records())
    assert [b["seq"] for _, b in got] == [r["seq"] for r in audit]
    assert [b["result"] for _, b in got] == ["allowed", "refused"]
    assert len({d for d, _ in got}) == 2


async def test_a_full_disk_after_sending_is_reported_not_hidden(fresh_emulator, tmp_path):
    import errno

    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        attempt = await engine.check(Request("monitor", cid, pid))

        def full(record):
            raise OSError(errno.ENOSPC, "No space left on device")

        engine.audit.append = full
        out = await engine.dispatch(attempt)
    assert out.ok and out.on_call_after and "No space left on device" in out.audit_error


async def test_a_call_that_cannot_be_read_is_refused_with_the_reason(fresh_emulator, tmp_path):
    from genesys_tui.core.config import RetrySettings

    srv = fresh_emulator
    cid = live_ids(srv)[1]
    fast = RetrySettings(max_attempts=2, base_delay=0.01, max_delay=0.02)
    async with supervision(srv, tmp_path, retry=fast) as engine:
        pid = await agent_of(engine, cid)
        srv.emulator.faults.set("500@conversations.calls.get=1")
        refused = await engine.check(Request("monitor", cid, pid))
        srv.emulator.faults.set("")
        attempt = await engine.check(Request("monitor", cid, pid))
        srv.emulator.faults.set("503@conversations.calls.get=1")
        out = await engine.dispatch(attempt)  # the re-read before sending fails: nothing is sent
        srv.emulator.faults.set("")
    assert not refused.allowed and "could not read the call" in refused.checks[0].detail
    assert out.result == "refused" and srv.emulator.stats["monitor"] == 0
    assert [r["result"] for r in engine.audit.records()] == ["refused", "allowed", "refused"]


async def test_browserless_sign_in_is_only_for_the_local_emulator():
    from genesys_tui.context import resolve_target
    from genesys_tui.context.signin import loopback_user_client
    from genesys_tui.core import credentials as creds

    cfg = Config(profiles={"default": Profile(name="default", region="eu_west_1", client_id="abc")})
    with pytest.raises(creds.CredentialsError, match="only for the local emulator"):
        await loopback_user_client(resolve_target(cfg))


async def test_monitor_then_coach_then_barge_then_leave_each_checked_and_audited(
    fresh_emulator, tmp_path
):
    """Genesys has no request that changes a supervisor's role: each change is a leave and a
    join, one action with both steps in its audit record; leave ends only your own participant,
    and is never held back by policy. Each runs the checks again."""
    srv = fresh_emulator
    cid = live_ids(srv)[1]
    async with supervision(srv, tmp_path) as engine:
        pid = await agent_of(engine, cid)
        assert (await engine.dispatch(await engine.check(Request("monitor", cid, pid)))).ok
        for role in ("coach", "barge", "monitor"):
            attempt = await engine.check(Request(role, cid, pid))
            place = next(c for c in attempt.checks if c.name == "supervisor's place on the call")
            assert attempt.allowed and "leaves, then joins again" in place.detail
            assert any(c.name == "agent consent" for c in attempt.checks)  # consent again
            out = await engine.dispatch(attempt)
            assert out.ok, out.error
            assert [x["step"] for x in out.steps][0].startswith("leave (")
            assert out.steps[1]["step"] == f"join ({role})"
            (me,) = supervisors_on(srv, cid)
            assert me["mediaRoles"] == [role]  # one participant, in the new role
        assert not (await engine.check(Request("monitor", cid, pid))).allowed  # same role
        engine.settings.actions_per_hour = 1  # policy never keeps a supervisor on a call
        attempt = await engine.check(Request("leave", cid, None))
        assert attempt.allowed and [c.name for c in attempt.checks] == [
            "read-only mode is off",
            "signed in",
            "supervisor on the call",
        ]
        out = await engine.dispatch(attempt)
        assert out.ok and out.on_call_after is False and supervisors_on(srv, cid) == []
        agents = [p for p in out.call_after.participants if p.purpose == "agent"]
        assert all(p.end_time is None for p in agents)  # nobody else left
        nothing = await engine.check(Request("leave", cid, None))
        assert not nothing.allowed and "nothing to leave" in nothing.checks[-1].detail
        records = [r for r in engine.audit.records() if r["stage"] == "dispatch"]
        assert [r["action"] for r in records] == ["monitor", "coach", "barge", "monitor", "leave"]
        assert all(len(r["steps"]) == 2 for r in records[1:4])
        assert verify(engine.audit).ok
