"""Async analytics details jobs over real HTTP: the emulator's contract (202 {jobId}, QUEUED ->
PENDING -> FULFILLED, cursor paging, overlap matching, the data lake's edge, errors), the client's
DetailsJobs reading every conversation once, and `export reconcile --source jobs` owing exactly
what the synchronous query owes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from genesys_tui.emulator import EmulatorServer
from genesys_tui.emulator.api_analytics_jobs import DATALAKE_LAG_MS
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.analytics_jobs import DetailsJobError
from tests.conftest import ANCHOR, small_org
from tests.integration.helpers import Api

J = "/api/v2/analytics/conversations/details/jobs"
ISO = "%Y-%m-%dT%H:%M:%S.000Z"


def span(a, b) -> str:
    return f"{a:{ISO}}/{b:{ISO}}"


def fulfilled(api: Api, job_id: str) -> dict:
    return api.until(
        lambda: (lambda s: s if s["state"] == "FULFILLED" else None)(
            api.get(f"{J}/{job_id}").json()
        )
    )


def all_results(api: Api, job_id: str, page_size: int) -> tuple[list[dict], int]:
    rows, pages, cursor = [], 0, None
    while True:
        params = {"pageSize": page_size} | ({"cursor": cursor} if cursor else {})
        r = api.get(f"{J}/{job_id}/results", **params)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert set(doc) <= {"conversations", "cursor", "dataAvailabilityDate"}
        rows += doc.get("conversations", [])
        pages += 1
        cursor = doc.get("cursor")
        if not cursor:
            return rows, pages


def test_a_job_is_accepted_queued_then_fulfilled_and_read_by_cursor(fresh_emulator):
    api = Api(fresh_emulator)
    org = fresh_emulator.emulator.org
    a, b = ANCHOR - timedelta(days=4), ANCHOR - timedelta(days=1)
    created = api.post(J, {"interval": span(a, b), "order": "asc", "orderBy": "conversationStart"})
    assert created.status_code == 202 and set(created.json()) == {"jobId"}
    job_id = created.json()["jobId"]
    first = api.get(f"{J}/{job_id}").json()
    assert first["state"] in ("QUEUED", "PENDING") and "submissionDate" in first
    early = api.get(f"{J}/{job_id}/results")
    assert early.status_code == 400 or first["state"] == "FULFILLED"
    st = fulfilled(api, job_id)
    assert {"completionDate", "expirationDate", "submissionDate"} <= set(st)
    rows, pages = all_results(api, job_id, 7)
    # Overlap matching: every conversation whose lifetime touches the interval, ended ones only.
    lo, hi = a.timestamp() * 1000, b.timestamp() * 1000
    want = {
        org.ids[i]
        for i in range(len(org.ids))
        if org.start[i] < hi and not org.live[i] and org.end[i] > lo
    }
    got = [r["conversationId"] for r in rows]
    assert len(got) == len(set(got)) and set(got) == want
    assert pages == -(-len(want) // 7)
    starts = [r["conversationStart"] for r in rows]
    assert starts == sorted(starts)
    assert any("attributes" in p for r in rows for p in r["participants"])  # AnalyticsParticipant


def test_job_errors_are_genesys_errors(fresh_emulator):
    api = Api(fresh_emulator)
    iv = span(ANCHOR - timedelta(days=2), ANCHOR - timedelta(days=1))
    assert api.post(J, {"order": "asc"}).status_code == 400  # interval is required
    assert api.post(J, {"interval": iv, "orderBy": "sideways"}).status_code == 400
    assert api.post(J, {"interval": iv, "limit": 0}).status_code == 400
    assert api.post(J, {"interval": iv, "startOfDayIntervalMatching": "yes"}).status_code == 400
    assert api.get(f"{J}/00000000-0000-4000-8000-000000000000").status_code == 404
    job_id = api.post(J, {"interval": iv, "limit": 3}).json()["jobId"]
    fulfilled(api, job_id)
    assert api.get(f"{J}/{job_id}/results", pageSize=1001).status_code == 400
    assert api.get(f"{J}/{job_id}/results", cursor="not-a-cursor").status_code == 400
    other = api.post(J, {"interval": iv}).json()["jobId"]
    fulfilled(api, other)
    stolen = api.get(f"{J}/{other}/results", pageSize=1).json()["cursor"]
    assert api.get(f"{J}/{job_id}/results", cursor=stolen).status_code == 400  # not this job's
    rows, _ = all_results(api, job_id, 1000)
    assert len(rows) == 3  # limit
    assert api.delete(f"{J}/{job_id}").status_code == 204
    assert api.get(f"{J}/{job_id}").json()["state"] == "CANCELLED"
    assert api.get(f"{J}/{job_id}/results").status_code == 400


def test_start_of_day_matching_is_the_querys_and_the_lake_ends_an_hour_back():
    with EmulatorServer(small_org(pin_clock=True)) as srv:
        api = Api(srv)
        org = srv.emulator.org
        iv = span(ANCHOR - timedelta(days=1, hours=6), ANCHOR)
        lake = api.get(J + "/availability").json()["dataAvailabilityDate"]
        cut = ANCHOR.timestamp() * 1000 - DATALAKE_LAG_MS
        assert lake.startswith(f"{ANCHOR - timedelta(hours=1):%Y-%m-%dT%H:%M}")
        by_day = api.post(J, {"interval": iv, "startOfDayIntervalMatching": True}).json()["jobId"]
        overlap = api.post(J, {"interval": iv}).json()["jobId"]
        fulfilled(api, by_day)
        fulfilled(api, overlap)
        day_rows, _ = all_results(api, by_day, 1000)
        over_rows, _ = all_results(api, overlap, 1000)
        query = api.post(
            "/api/v2/analytics/conversations/details/query",
            {"interval": iv, "paging": {"pageSize": 100, "pageNumber": 1}},
        ).json()["conversations"]
        in_lake = {
            c["conversationId"]
            for c in query
            if "conversationEnd" in c
            and org.end[org.find(c["conversationId"])] <= cut  # ended before the lake's edge
        }
        assert {r["conversationId"] for r in day_rows} == in_lake
        assert len(in_lake) < len(query)  # live and recent calls are not in the lake yet
        assert {r["conversationId"] for r in day_rows} <= {r["conversationId"] for r in over_rows}
        assert max(org.end[org.find(r["conversationId"])] for r in over_rows) <= cut


def test_the_client_reads_each_conversation_once_and_deletes_its_job(fresh_emulator):
    from genesys_tui.context import Target, build_client
    from genesys_tui.core.config import Profile
    from genesys_tui.genesys.regions import hosts_for

    srv = fresh_emulator
    s = srv.emulator.s
    profile = Profile(name="t", region="us_east_1", base_url=srv.base_url, client_id=s.client_id)
    client = build_client(
        Target(profile, hosts_for("us_east_1", srv.base_url), False, False),
        s.client_id,
        s.client_secret,
    )
    a, b = ANCHOR - timedelta(days=6), ANCHOR - timedelta(days=1)
    flt = ConversationFilter(has_recording=True, ended=True)

    async def both():
        async with client:
            client.details_jobs.poll = 0.05
            jobs = client.details_jobs
            by_job = [x.conversation_id async for x in jobs.iter_conversations(a, b, flt)]
            by_query = [
                x.conversation_id async for x in client.analytics.iter_conversations(a, b, flt)
            ]
            (job,) = srv.emulator.details_jobs.values()
            deleted = job["state"] == "CANCELLED"  # deleted once read
            job["state"] = "FAILED"
            with pytest.raises(DetailsJobError, match="FAILED"):  # a job that fails says so
                await jobs.wait(job["id"])
            return by_job, by_query, deleted

    by_job, by_query, deleted = asyncio.run(both())
    assert by_job and sorted(by_job) == sorted(by_query) and len(set(by_job)) == len(by_job)
    org = srv.emulator.org
    assert all(org.recorded[org.find(c)] for c in by_job) and deleted
    assert srv.emulator.stats["analytics.jobs.results"] >= 1
