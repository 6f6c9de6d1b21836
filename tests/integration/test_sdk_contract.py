"""The emulator against the official Python SDK's models (purecloudplatformclientv2): every JSON
body the emulator answers during a session of real client operations is walked against the model
the SDK declares for that operation's response (a key the model does not have, a wrong type, or an
enum value it does not know fails), and every body the client sends against the operation's request
model. The operation of a request comes from the SDK's own api modules (resource_path, method,
response_type, the body parameter's type), so nothing here is a hand-kept field list."""

from __future__ import annotations

import ast
import asyncio
import functools
import json
import re
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import pytest


@functools.cache
def sdk():
    """The SDK (imported once, by the worker that runs these tests), without its config watcher. On import it watches ~/.genesyscloudpython, or, when
    that does not exist, the whole home directory, recursively (watchdog); an inotify overflow
    then walks the home tree in a thread that holds the GIL for minutes, starving every test in
    the worker (the suite's intermittent "hangs"). A home of its own with a config that turns
    live reload off keeps it from starting."""
    import os
    import tempfile

    home = tempfile.mkdtemp(prefix="sdk-home-")
    os.makedirs(os.path.join(home, ".genesyscloudpython"))
    with open(os.path.join(home, ".genesyscloudpython", "config"), "w") as f:
        f.write("[general]\nlive_reload_config = false\n")
    old = os.environ.get("HOME")
    os.environ["HOME"] = home
    try:
        return pytest.importorskip("PureCloudPlatformClientV2")
    finally:
        if old is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old


PRIMITIVES = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "object": object,
    "datetime": str,
    "date": str,
}


@functools.cache
def operations() -> list[tuple[str, re.Pattern, str, str | None, str | None]]:
    """(method, path pattern, path template, response type, body type) for every SDK operation.
    Each api module's methods are cut at their `def` lines; their text is all that is read."""
    out = []
    for f in sorted((Path(sdk().__file__).parent / "apis").glob("*_api.py")):
        for src in re.split(r"\n    def ", f.read_text(encoding="utf-8"))[1:]:
            path = re.search(r"resource_path = '([^']+)'", src)
            method = re.search(r"call_api\(resource_path, '(\w+)'", src)
            if not (path and method):
                continue
            response = re.search(r"response_type='([^']+)'", src)
            body = re.search(r":param (\S+) body:", src)
            template = path.group(1)
            pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
            out.append(
                (
                    method.group(1),
                    pattern,
                    template,
                    response.group(1) if response else None,
                    body.group(1) if body else None,
                )
            )
    return out


def operation(method: str, path: str):
    hits = [op for op in operations() if op[0] == method and op[1].match(path)]
    # the most specific template: the most literal segments
    return max(
        hits, key=lambda op: sum(1 for seg in op[2].split("/") if "{" not in seg), default=None
    )


def walk(value, type_str: str, where: str, problems: list[str]) -> None:
    if value is None:
        return
    if m := re.fullmatch(r"list\[(.+)\]", type_str):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list ({type_str}), got {type(value).__name__}")
            return
        for i, v in enumerate(value):
            walk(v, m.group(1), f"{where}[{i}]", problems)
        return
    if m := re.fullmatch(r"dict\(str, (.+)\)", type_str):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object ({type_str})")
            return
        for k, v in value.items():
            walk(v, m.group(1), f"{where}.{k}", problems)
        return
    if type_str in PRIMITIVES:
        expected = PRIMITIVES[type_str]
        if type_str == "int" and isinstance(value, bool) or not isinstance(value, expected):
            problems.append(f"{where}: expected {type_str}, got {value!r}"[:200])
        elif type_str in ("datetime", "date"):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: {value!r} is not ISO-8601")
        return
    cls = getattr(sdk(), type_str, None)
    if cls is None:
        problems.append(f"{where}: the SDK has no model {type_str}")
        return
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a {type_str} object, got {type(value).__name__}")
        return
    inst = cls()
    by_json = {j: a for a, j in inst.attribute_map.items()}
    for key, v in value.items():
        attr = by_json.get(key)
        if attr is None:
            problems.append(f"{where}.{key}: {type_str} has no such field")
            continue
        t = inst.swagger_types[attr]
        allowed = enum_values(cls, attr) if t == "str" else None
        if allowed is not None and isinstance(v, str) and v not in allowed:
            # the SDK's setter compares case-insensitively; Genesys sends exactly these
            problems.append(
                f"{where}.{key}: {v!r} is not one of {type_str}.{attr}'s values {allowed}"
            )
        walk(v, t, f"{where}.{key}", problems)


_ENUMS: dict[tuple[type, str], list[str] | None] = {}


def enum_values(cls: type, attr: str) -> list[str] | None:
    """The allowed values the SDK's setter for `attr` lists, or None when it is not an enum."""
    key = (cls, attr)
    if key not in _ENUMS:
        import inspect

        prop = getattr(cls, attr, None)
        src = inspect.getsource(prop.fset) if isinstance(prop, property) and prop.fset else ""
        m = re.search(r"allowed_values = (\[.*?\])", src)
        _ENUMS[key] = ast.literal_eval(m.group(1)) if m else None
    return _ENUMS[key]


def test_the_walker_catches_what_the_models_refuse():
    problems: list[str] = []
    walk(
        {
            "id": "x",
            "recordingState": "ACTIVE",
            "bogus": 1,
            "participants": [{"state": "talking"}],
            "maxParticipants": "ten",
        },
        "CallConversation",
        "doc",
        problems,
    )
    text = "\n".join(problems)
    assert "bogus: CallConversation has no such field" in text
    assert "'ACTIVE' is not one of CallConversation.recording_state" in text
    assert "'talking' is not one of CallMediaParticipant.state" in text
    assert "maxParticipants: expected int" in text


class Recorder:
    """httpx event hooks: every API request's body and response's JSON, with the operation."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, object, object]] = []

    async def on_response(self, response: httpx.Response) -> None:
        req = response.request
        if not req.url.path.startswith("/api/v2/"):
            return
        await response.aread()
        body = json.loads(req.content) if req.content else None
        try:
            answer = response.json() if response.content else None
        except ValueError:
            answer = None
        self.seen.append((req.method, req.url.path, response.status_code, body, answer))


async def _session(srv, recorder: Recorder) -> None:
    """Real client operations, as the app does them: browse, read, recordings, restore, batches,
    transcripts, jobs, supervise, a notice's steps, settings, and a few refusals."""
    from genesys_tui.genesys import errors as E
    from genesys_tui.genesys.auth import ClientCredentialsAuth, PkceUserAuth
    from genesys_tui.genesys.client import GenesysClient
    from genesys_tui.genesys.regions import hosts_for
    from tests.conftest import ANCHOR
    from tests.integration.helpers import user_tokens
    from tests.integration.test_emulator_contract import recorded_conversation

    hosts = hosts_for("", srv.base_url)
    s = srv.emulator.s
    org = srv.emulator.org
    hooks = {"response": [recorder.on_response]}
    async with httpx.AsyncClient(event_hooks=hooks) as http:
        c = GenesysClient(
            hosts, ClientCredentialsAuth(hosts, s.client_id, s.client_secret, http=http), http=http
        )
        await c.directory.organization()
        await c.directory.token_info()
        await c.directory.names()
        from datetime import timedelta

        async for _ in c.analytics.iter_conversations(ANCHOR - timedelta(days=2), ANCHOR):
            pass
        cid = recorded_conversation(srv, pause=True, transcribed=True)
        await c.analytics.by_ids([cid, org.ids[0]])
        await c.conversations.get(cid)
        await c.recordings.list(cid, "WAV")
        recs = await c.recordings.list(cid, "NONE")
        await c.recordings.get(cid, recs[0].id or "", "WAV")
        await c.recordings.metadata(cid)
        mark = await c.annotations.bookmark(cid, recs[0].id or "", 1000, "Greeting", "on time")
        await c.annotations.bookmark(cid, recs[0].id or "", 2000, "Greeting", "", mark.id)
        await c.annotations.list(cid, recs[0].id or "")
        await c.api.get_json(
            f"/api/v2/conversations/{cid}/recordings/{recs[0].id}/annotations/{mark.id}"
        )
        await c.annotations.delete(cid, recs[0].id or "", mark.id or "")
        archived = recorded_conversation(srv, archived=True)
        arec = (await c.recordings.list(archived, "NONE"))[0]
        await c.recordings.restore(archived, arec.id or "")
        job = await c.recordings.submit_batch([(cid, None), (archived, None)])
        await c.recordings.wait_batch(job, interval=0.1)
        comm = recs[0].session_id or ""
        await c.transcripts.urls(cid, comm)
        await c.transcripts.url(cid, comm)
        await c.api.get_json("/api/v2/recording/settings")
        await c.api.get_json(f"/api/v2/speechandtextanalytics/conversations/{cid}")
        q = {
            "action": "EXPORT",
            "actionDate": "2026-05-14T00:00:00Z",
            "integrationId": "11111111-2222-4333-8444-555555555555",
            "conversationQuery": {
                "interval": f"{(ANCHOR - timedelta(days=1)).isoformat()}/{ANCHOR.isoformat()}"
            },
        }
        rj = await c.recordings.create_job(q)
        await c.recordings.get_job(rj.id or "")
        await c.recordings.list_jobs()
        async for _ in c.recordings.failed_recordings(rj.id or ""):
            pass
        await c.recordings.cancel_job(rj.id or "")
        orphans = [o async for o in c.recordings.orphans()]
        assert orphans  # the walker saw real entities
        c.details_jobs.poll = 0.05
        await c.details_jobs.availability()
        async for _ in c.details_jobs.iter_conversations(ANCHOR - timedelta(days=2), ANCHOR):
            pass
        sub = await c.notifications.watch(
            {f"v2.routing.queues.{org.queues[0].id}.conversations.calls"}
        )
        await c.api.get_json("/api/v2/notifications/channels")
        await c.api.get_json(
            f"/api/v2/notifications/channels/{c.notifications._channel['id']}/subscriptions"
        )
        await c.api.get_json("/api/v2/notifications/availabletopics")
        await sub.close()
        await c.notifications.aclose()
        from genesys_tui.genesys.integrations import S3_BULK_ACTIONS, Integrations

        assert await Integrations(c.api).active_of_type(S3_BULK_ACTIONS)
        for bad in (
            lambda: c.conversations.get("00000000-0000-4000-8000-000000000000"),
            lambda: c.conversations.supervise("monitor", org.ids[-1], "x"),
        ):
            with pytest.raises(E.GenesysError):
                await bad()
        tok = user_tokens(srv)
        u = GenesysClient(hosts, PkceUserAuth(tok["access_token"], 10**10), http=http)
        await u.directory.me()
        live = [org.ids[int(i)] for i in np.flatnonzero(org.live)]
        call = await u.conversations.get_call(live[1])
        agent = next(p for p in call.participants if p.purpose == "agent")
        customer = next(p for p in call.participants if p.purpose == "customer")
        await u.conversations.supervise("monitor", live[1], agent.id)
        mine = next(
            p
            for p in (await u.conversations.get_call(live[1])).participants
            if p.user and p.user.id == org.supervisors[0].id and p.end_time is None
        )
        session, _ = await u.conversations.start_secure_ivr(
            live[1],
            customer.id or "",
            "flow-1",
            source_participant_id=mine.id,
            user_data="notice=x",
        )
        await u.conversations.get_secure_ivr(live[1], customer.id or "", session.id or "")
        await u.conversations.disconnect_participant(live[1], mine.id or "")


def test_every_emulator_answer_and_client_request_fits_the_sdk_models(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    recorder = Recorder()
    settings = small_org(
        seed=23, conversations=120, secure_ivr_seconds=0.1, export_target=f"dir:{tmp_path}"
    )
    with EmulatorServer(settings) as srv:
        asyncio.run(_session(srv, recorder))
    problems: list[str] = []
    checked = set()
    for method, path, status, sent, answer in recorder.seen:
        op = operation(method, path)
        assert op is not None, f"{method} {path} is no SDK operation"
        _, _, template, response_type, body_type = op
        if sent is not None and body_type:
            walk(sent, body_type, f"request {method} {template}", problems)
        if answer is None:
            continue
        model = "ErrorBody" if status >= 400 else response_type
        if status == 202 and response_type is None:
            continue
        assert model, f"{method} {template} answered a body the SDK declares none for"
        walk(answer, model, f"{method} {template} {status}", problems)
        checked.add((method, template, model))
    assert not problems, "\n".join(problems[:40])
    models = {m for _, _, m in checked}
    # the session really covered the API: answers of these models were walked
    for m in (
        "CallConversation",
        "Conversation",
        "AnalyticsConversationQueryResponse",
        "Recording",
        "BatchDownloadJobStatusResult",
        "TranscriptUrls",
        "RecordingJob",
        "SecureSession",
        "ErrorBody",
        "Organization",
        "RecordingSettings",
        "AnalyticsConversationWithoutAttributesMultiGetResponse",
        "AsyncQueryResponse",
        "Annotation",
        "AsyncQueryStatus",
        "AnalyticsConversationAsyncQueryResponse",
        "DataAvailabilityResponse",
        "Channel",
        "ChannelTopicEntityListing",
        "ChannelEntityListing",
        "AvailableTopicEntityListing",
    ):
        assert m in models, m
