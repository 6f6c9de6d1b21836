"""The API client against the emulator over real HTTP: paging, splitting, de-duplication, the
100,000 cap, faults, token revocation, recordings and transcripts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from genesys_tui.genesys import errors as E
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.http import RetryPolicy
from genesys_tui.genesys.recordings import Recordings
from genesys_tui.genesys.regions import hosts_for
from tests.integration.test_emulator_contract import recorded_conversation

FAST = RetryPolicy(base_delay=0.02, max_delay=0.1, max_attempts=12, max_total_seconds=60)


def client_for(srv, **kw) -> GenesysClient:
    s = srv.emulator.s
    return GenesysClient.with_client_credentials(
        hosts_for("", srv.base_url), s.client_id, s.client_secret, retry=kw.pop("retry", FAST), **kw
    )


def expected_ids(org, a_ms: int, b_ms: int, mask=None) -> set[str]:
    return {
        org.ids[i]
        for i in range(len(org.ids))
        if a_ms <= org.start[i] < b_ms and (mask is None or mask[i])
    }


async def collect(client, a, b, flt=None, **kw):
    return [s async for s in client.analytics.iter_conversations(a, b, flt, **kw)]


async def test_every_conversation_once_in_order_across_chunks(emulator):
    org = emulator.emulator.org
    b = emulator.emulator.s.anchor + timedelta(hours=1)
    a = b - timedelta(days=11)  # two chunks of at most 7 days
    async with client_for(emulator) as c:
        rows = await collect(c, a, b)
        calls = c.api.calls
    ids = [r.conversation_id for r in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids(org, int(a.timestamp() * 1000), int(b.timestamp() * 1000))
    starts = [r.start for r in rows]
    assert starts == sorted(starts)
    assert calls <= len(ids) // 100 + 6  # pages of 100, plus a token... and chunk ends


async def test_filters_reach_the_api(emulator):
    org = emulator.emulator.org
    b = emulator.emulator.s.anchor + timedelta(hours=1)
    a = b - timedelta(days=10)
    q = org.queues[1]
    async with client_for(emulator) as c:
        rows = await collect(c, a, b, ConversationFilter(queue_ids=(q.id,), direction="inbound"))
        live = await collect(c, b - timedelta(days=1), b, ConversationFilter(ended=False))
    assert rows and all(q.id in r.queue_ids and r.direction == "inbound" for r in rows)
    mask = ((org.queue == 1) | (org.queue2 == 1)) & ~org.outbound
    assert {r.conversation_id for r in rows} == expected_ids(
        org, int(a.timestamp() * 1000), int(b.timestamp() * 1000), mask
    )
    assert len(live) == org.s.live_calls and all(r.end is None for r in live)


async def test_the_result_cap_is_handled_by_narrowing(emulator, monkeypatch):
    import genesys_tui.emulator.query as eq
    import genesys_tui.genesys.analytics as ga

    monkeypatch.setattr(eq, "MAX_RESULTS", 100)  # a whole number of pages, like the real 100,000
    monkeypatch.setattr(ga, "MAX_RESULTS", 100)
    org = emulator.emulator.org
    b = emulator.emulator.s.anchor + timedelta(hours=1)
    a = b - timedelta(days=7)
    async with client_for(emulator) as c:
        rows = await collect(c, a, b)
    want = expected_ids(org, int(a.timestamp() * 1000), int(b.timestamp() * 1000))
    assert len(want) > 100
    assert {r.conversation_id for r in rows} == want and len(rows) == len(want)


async def test_survives_injected_faults_and_token_revocation(fresh_emulator):
    org = fresh_emulator.emulator.org
    b = fresh_emulator.emulator.s.anchor + timedelta(hours=1)
    a = b - timedelta(days=10)
    fresh_emulator.emulator.faults.set("503=0.2,502=0.1,revoke=0.1,429=0.1")
    async with client_for(fresh_emulator) as c:
        rows = await collect(c, a, b)
        conv = await c.conversations.get(rows[0].conversation_id)
    assert {r.conversation_id for r in rows} == expected_ids(
        org, int(a.timestamp() * 1000), int(b.timestamp() * 1000)
    )
    assert conv.id == rows[0].conversation_id
    injected = fresh_emulator.emulator.faults.injected
    assert injected["503"] and injected["revoke"]
    assert fresh_emulator.emulator.tokens.issued > 1  # revoked tokens were replaced


async def test_bad_secret_and_wrong_id(emulator):
    s = emulator.emulator.s
    async with GenesysClient.with_client_credentials(
        hosts_for("", emulator.base_url), s.client_id, "wrong"
    ) as c:
        with pytest.raises(E.AuthenticationError, match="invalid_client"):
            await c.directory.organization()
    async with client_for(emulator) as c:
        with pytest.raises(E.NotFound) as ei:
            await c.conversations.get("00000000-0000-4000-8000-000000000000")
        assert ei.value.correlation_id
        with pytest.raises(ValueError, match="not a valid"):
            await c.recordings.list("../../admin")


async def test_recordings_wait_out_transcoding(fresh_emulator):
    cid = recorded_conversation(fresh_emulator)
    async with client_for(fresh_emulator) as c:
        c.recordings = Recordings(c.api)
        recs = await c.recordings.list(cid, "OGG_OPUS", max_wait_ms=0)
        assert recs and recs[0].media_uri() and recs[0].output_size_in_bytes
        one = await c.recordings.get(cid, recs[0].id, "WAV")
        async with c.api.presigned(one.media_uri()) as resp:
            body = await resp.aread()
        assert len(body) == one.output_size_in_bytes
        meta = await c.recordings.metadata(cid)
        assert [m.id for m in meta] == [r.id for r in recs]


async def test_archived_recording_is_reported_and_restorable(fresh_emulator):
    cid = recorded_conversation(fresh_emulator, archived=True)
    async with client_for(fresh_emulator) as c:
        recs = await c.recordings.list(cid, "WAV")
        assert recs[0].file_state == "ARCHIVED" and recs[0].media_uri() is None
        with pytest.raises(E.RecordingArchived, match="restore"):
            await c.recordings.get(cid, recs[0].id, "WAV")
        restored = await c.recordings.restore(cid, recs[0].id)
        assert restored.file_state == "RESTORING"
        # The deletion schedule survives the restore (the PUT sent it back unchanged).
        assert restored.delete_date == recs[0].delete_date and recs[0].delete_date is not None
    # What a careless client sends: the archiveDate alone, which would remove the deleteDate.
    url = f"{fresh_emulator.base_url}/api/v2/conversations/{cid}/recordings/{recs[0].id}"
    from tests.integration.helpers import user_token

    r = httpx.put(
        url,
        json={"archiveDate": "2030-01-01T00:00:00.000Z"},
        headers={"Authorization": f"Bearer {user_token(fresh_emulator)}"},
    )
    assert r.status_code == 400 and "deleteDate" in r.json()["message"]


async def test_a_denied_permission_is_the_real_403_body():
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(
        small_org(deny_permissions=("recording:recording:restore", "routing:queue:view"))
    ) as srv:
        cid = recorded_conversation(srv, archived=True)
        async with client_for(srv) as c:
            rec = (await c.recordings.list(cid, "NONE"))[0]
            with pytest.raises(E.PermissionDenied) as refused:
                await c.recordings.restore(cid, rec.id)
            with pytest.raises(E.PermissionDenied) as queues:
                await c.directory.queues()
    body = refused.value.body
    assert body["status"] == 403 and body["code"] == "missing.any.permissions"
    assert body["messageParams"]["permissions"] == "[recording:recording:restore]"
    assert "routing:queue:view" in str(queues.value)


async def test_batch_download_and_transcripts(emulator):
    org = emulator.emulator.org
    ids = [
        org.ids[i]
        for i in range(len(org.ids))
        if org.recorded[i] and not org.archived[i] and not org.live[i]
    ][:5]
    async with client_for(emulator) as c:
        job = await c.recordings.submit_batch([(cid, None) for cid in ids])
        status = await c.recordings.wait_batch(job, interval=0.1)
        assert status.done and {r.conversation_id for r in status.results} == set(ids)
        with pytest.raises(ValueError, match="at most 100"):
            await c.recordings.submit_batch([(ids[0], None)] * 101)
        tid = recorded_conversation(emulator, transcribed=True)
        conv = await c.conversations.get(tid)
        url = await c.transcripts.url(tid, conv.customer_call_id())
        async with c.api.presigned(url.url) as resp:
            doc = await resp.aread()
        assert b'"phrases"' in doc
        urls = await c.transcripts.urls(tid, conv.customer_call_id())
        assert urls.urls and urls.communication_id == conv.customer_call_id()


async def test_recording_jobs(fresh_emulator):
    from genesys_tui.genesys.analytics import interval_string

    b = fresh_emulator.emulator.s.anchor
    async with client_for(fresh_emulator) as c:
        job = await c.recordings.create_export_job(
            "11111111-2222-4333-8444-555555555555", interval_string(b - timedelta(days=2), b)
        )
        assert job.state == "PENDING"
        import asyncio

        for _ in range(50):
            job = await c.recordings.get_job(job.id)
            if job.state == "READY":
                break
            await asyncio.sleep(0.05)
        job = await c.recordings.execute_job(job.id)
        assert job.state == "PROCESSING"
        assert [j.id for j in await c.recordings.list_jobs()] == [job.id]
        await c.recordings.cancel_job(job.id)
        assert (await c.recordings.get_job(job.id)).state == "CANCELLED"


async def test_pkce_login_and_supervisor_actions(fresh_emulator):
    import threading
    import time

    from genesys_tui.genesys.auth import PkceUserAuth, SignInExpired
    from genesys_tui.genesys.http import new_http_client
    from genesys_tui.genesys.pkce import login_with_pkce
    from tests.conftest import REDIRECT_PORT

    hosts = hosts_for("", fresh_emulator.base_url)
    s = fresh_emulator.emulator.s

    def browser(url: str) -> None:
        assert "code_challenge_method=S256" in url and "state=" in url
        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True), daemon=True).start()

    http = new_http_client()
    tok = await login_with_pkce(
        hosts,
        s.pkce_client_id,
        http=http,
        port=REDIRECT_PORT,
        announce=browser,
        open_browser=False,
        timeout=20,
    )
    assert tok.refresh_token is None  # PKCE gives no refresh token (as the SDKs read it)
    c = GenesysClient(
        hosts, PkceUserAuth(tok.access_token, time.time() + tok.expires_in), http=http, retry=FAST
    )
    me = await c.directory.me()
    assert me and me.name == "Sam Supervisor"
    ended = GenesysClient(
        hosts, PkceUserAuth(tok.access_token, time.time() - 1), http=http, retry=FAST
    )
    before = fresh_emulator.emulator.stats["api"]
    with pytest.raises(SignInExpired, match="sign in again"):
        await ended.directory.me()
    assert fresh_emulator.emulator.stats["api"] == before  # nothing was sent on an ended sign-in
    import numpy as np

    org = fresh_emulator.emulator.org
    live = [org.ids[int(i)] for i in np.flatnonzero(org.live)]
    call = await c.conversations.get_call(live[1])
    agent = next(p for p in call.participants if p.purpose == "agent")
    sent = await c.conversations.supervise("monitor", call.id, agent.id)
    assert sent.status == 201 and sent.correlation_id
    after = await c.conversations.get_call(call.id)
    assert any(p.monitored_participant_id == agent.id for p in after.participants)
    await http.aclose()


async def test_client_credentials_cannot_supervise(emulator):
    import numpy as np

    org = emulator.emulator.org
    cid = org.ids[int(np.flatnonzero(org.live)[1])]
    async with client_for(emulator) as c:
        call = await c.conversations.get_call(cid)
        agent = next(p for p in call.participants if p.purpose == "agent")
        with pytest.raises(E.UserContextRequired, match="login --user"):
            await c.conversations.supervise("barge", cid, agent.id)
        assert await c.directory.me() is None


async def test_user_refresh_tokens_are_shared_across_processes(emulator):
    """Refresh tokens are single-use: two clients (the TUI and a CLI command) on one stored sign-in
    each read the newest stored token before refreshing, and retry once with it when Genesys says
    the one they used is spent."""
    import httpx

    from genesys_tui.genesys.auth import UserTokenAuth
    from genesys_tui.genesys.regions import hosts_for
    from tests.integration.helpers import user_tokens

    hosts = hosts_for("", emulator.base_url)
    s = emulator.emulator.s
    cid = s.code_client_id  # a confidential code-grant client: the only kind with refresh tokens
    stored = {
        "refresh": user_tokens(emulator, confidential=True)["refresh_token"]
    }  # the keyring, shared
    async with httpx.AsyncClient() as http:

        def auth(load):
            return UserTokenAuth(
                hosts,
                cid,
                stored["refresh"],
                http=http,
                client_secret=s.code_client_secret,
                on_refresh_token=lambda t: stored.__setitem__("refresh", t),
                load_refresh_token=load,
            )

        a, b = auth(lambda: stored["refresh"]), auth(lambda: stored["refresh"])
        assert (
            await a._fetch() and await b._fetch() and await a._fetch()
        )  # each rotation seen by the other
        # A reads the stored token, then B rotates it before A's request lands: A's refresh is
        # refused, A reads again and succeeds with B's.
        reads = iter([stored["refresh"]])
        late = auth(lambda: next(reads, stored["refresh"]))
        late._refresh = stored["refresh"]
        await b._fetch()
        assert await late._fetch()
        # Without the shared store, the second client is knocked out (what users saw before).
        c, d = auth(None), auth(None)
        await c._fetch()
        with pytest.raises(Exception, match="expired or was revoked"):
            await d._fetch()
