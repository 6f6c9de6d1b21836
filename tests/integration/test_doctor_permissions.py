"""doctor tells the truth: for every permission its probes' operations need (the emulator's
table, which is the SDK's), taking that one permission away makes doctor report exactly the
features whose operation no longer goes through, and nothing else."""

from __future__ import annotations

import asyncio
import re

from genesys_tui.emulator import EmulatorServer
from genesys_tui.emulator.app import api_routes
from genesys_tui.emulator.notifications import TOPIC_PERMISSIONS, topic_rule
from genesys_tui.emulator.permissions import ALL_PERMISSIONS, REQUIRED, missing
from genesys_tui.flows.doctor import MISSING, NIL, PROBES, TOPICS, run_doctor
from tests.conftest import small_org
from tests.integration.test_client import client_for


def operation_of(method: str, path: str) -> str:
    """The emulator's name for the operation a probe calls."""
    want = f"{method} {path.replace(NIL, '{}')}"
    for m, p, _h, name in api_routes():
        if re.sub(r"\{[^}]+\}", "{}", f"{m} {p}") == want:
            return name
    raise LookupError(want)


def test_taking_any_one_permission_away_breaks_exactly_its_features():
    probes = [p for p in PROBES if p.method and not p.user]
    ops = {p.feature: operation_of(p.method, p.path) for p in probes}
    perms = {q for op in ops.values() for q in REQUIRED.get(op, ("", ()))[1]}
    perms = sorted(perms | TOPIC_PERMISSIONS)  # and each live feature's notification topic
    assert len(perms) >= 15  # every feature's permissions, not a sample
    with EmulatorServer(small_org(conversations=20)) as srv:

        async def doctor():
            async with client_for(srv) as client:
                return await run_doctor(client)

        for p in perms:
            # what `emulator --deny-permission P` starts with (emulator.granted)
            srv.emulator.granted = ALL_PERMISSIONS - {p}
            report = asyncio.run(doctor())
            said = {f.feature for f in report.findings if f.status == MISSING}
            broken = {f for f, op in ops.items() if missing(srv.emulator.granted, op)}
            broken |= {f for f, t, _ in TOPICS if not srv.emulator.granted & set(topic_rule(t)[2])}
            assert said == broken, (p, said, broken)
            for f in report.findings:
                if f.status == MISSING:
                    assert p in f.permission, (p, f)  # it names what to grant
    srv.emulator.granted = ALL_PERMISSIONS


def test_sensitive_recordings_need_their_permission_in_doctor_and_in_the_emulator():
    from tests.integration.helpers import Api

    with EmulatorServer(small_org(conversations=20)) as srv:
        srv.emulator.granted = ALL_PERMISSIONS - {"recording:recording:viewSensitiveData"}

        async def doctor():
            async with client_for(srv) as client:
                return await run_doctor(client)

        by = {f.feature: f for f in asyncio.run(doctor()).findings}
        r = Api(srv).post("/api/v2/recording/jobs", {"includeRecordingsWithSensitiveData": True})
    assert by["Bulk export: sensitive recordings (--include-sensitive)"].status == MISSING
    assert by["Bulk export: create a job"].status == "ok"
    assert r.status_code == 403 and "viewSensitiveData" in r.json()["message"]


def test_a_view_only_export_client_is_told_it_cannot_start_an_export():
    deny = ("recording:job:add", "recording:job:edit")
    with EmulatorServer(small_org(conversations=20, deny_permissions=deny)) as srv:

        async def doctor():
            async with client_for(srv) as client:
                return await run_doctor(client)

        report = asyncio.run(doctor())
    by = {f.feature: f for f in report.findings}
    assert by["Bulk export: list jobs"].status == "ok"
    assert by["Bulk export: create a job"].status == MISSING
    assert by["Bulk export: start a job"].status == MISSING
    assert "recording:job:edit" in by["Bulk export: start a job"].permission


def test_without_a_user_sign_in_doctor_says_so_once_with_what_gives_one(
    isolated_home, monkeypatch, capsys
):
    from genesys_tui.cli.main import main

    with EmulatorServer(small_org(conversations=20)) as srv:
        monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
        assert main(["doctor", "--base-url", srv.base_url]) == 0  # not checked is not missing
    out = capsys.readouterr().out
    assert out.count("needs a user's sign-in") == 1
    assert "login --user" in out and "Monitor, Coach, Barge" in out
    table = [line for line in out.splitlines() if "│" in line]
    assert table and all(len(line.rstrip()) <= 100 for line in table)
