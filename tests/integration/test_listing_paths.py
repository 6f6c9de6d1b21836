"""Listing an interval by the details query or, when it is big, by an async details job (issue 33),
over real HTTP against the emulator, with the switching threshold lowered so that a small org is
"big": both paths give the same conversations in the same order, each once; the part the data lake
has not caught up with is queried; the progress says which path was taken and why."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from genesys_tui.cli.main import main
from genesys_tui.emulator import EmulatorServer
from genesys_tui.emulator.api_analytics_jobs import availability_ms
from genesys_tui.flows.browse.listing import LAKE_MARGIN, Listing, ListingProgress
from genesys_tui.genesys.client import GenesysClient
from tests.conftest import small_org
from tests.integration.test_cli import interval


def client_of(srv) -> GenesysClient:
    from genesys_tui.context import Target, build_client
    from genesys_tui.core.config import Profile
    from genesys_tui.genesys.regions import hosts_for

    s = srv.emulator.s
    profile = Profile(name="t", region="us_east_1", base_url=srv.base_url, client_id=s.client_id)
    target = Target(profile, hosts_for("us_east_1", srv.base_url), False, False)
    return build_client(target, s.client_id, s.client_secret)


def listed(
    srv, *, path: str, order: str, threshold: int
) -> tuple[list[str], list[ListingProgress]]:
    _, a, b = interval(srv)
    start, end = (datetime.fromtimestamp(x / 1000, UTC) for x in (a, b))
    seen: list[ListingProgress] = []

    async def go() -> list[str]:
        async with client_of(srv) as c:
            c.details_jobs.poll = 0.05
            listing = Listing(c, threshold)

            def note(p: ListingProgress) -> None:
                if not seen or (seen[-1].path, seen[-1].why) != (p.path, p.why):
                    seen.append(ListingProgress(p.path, p.why))

            return [
                s.conversation_id
                async for s in listing.conversations(
                    start, end, order=order, path=path, progress=note
                )
            ]

    return asyncio.run(go()), seen


@pytest.fixture(scope="module")
def pinned():
    """An org whose clock runs from its anchor, so that its live calls are live now and the data
    lake's date (an hour behind its clock) falls inside the interval listed."""
    with EmulatorServer(small_org(pin_clock=True)) as srv:
        yield srv


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_a_big_interval_is_listed_by_a_job_with_what_the_lake_lacks_queried(pinned, order):
    emulator = pinned
    org = emulator.emulator.org
    by_query, _ = listed(emulator, path="query", order=order, threshold=5)
    by_job, notes = listed(emulator, path="auto", order=order, threshold=5)
    assert len(by_query) > 100
    assert by_job == by_query  # the same rows, the same order, each once
    # The job's part and the queried part, cut a day before the lake's date, each said with why.
    paths = [(n.path, n.why) for n in notes]
    assert ("job", next(w for p, w in paths if p == "job")) in paths
    job_why = next(w for p, w in paths if p == "job")
    assert "over 5" in job_why
    assert any(p == "query" and "not all in the data lake" in w for p, w in paths)
    # What makes the cut matter: calls that the lake does not hold yet are listed all the same.
    lake = availability_ms(emulator.emulator)
    idx = {org.ids[i]: i for i in range(len(org.ids))}
    outside = [c for c in by_job if org.live[idx[c]] or org.end[idx[c]] > lake]
    assert outside, "the org has no call beyond the data lake: the test proves nothing"
    cut = lake - LAKE_MARGIN / timedelta(milliseconds=1)
    assert any(org.start[idx[c]] < cut for c in by_job)  # and the job's part is not empty


def test_a_small_interval_stays_on_the_query_and_makes_no_job(fresh_emulator):
    srv = fresh_emulator
    by_auto, notes = listed(srv, path="auto", order="desc", threshold=100_000)
    by_query, _ = listed(srv, path="query", order="desc", threshold=100_000)
    assert by_auto == by_query and by_auto
    assert {n.path for n in notes} == {"query"}
    assert any("at most 100,000" in n.why for n in notes)
    assert not srv.emulator.details_jobs  # no job was submitted


def test_conversations_cli_says_which_path_and_streams_the_same_rows(pinned, monkeypatch, capsys):
    monkeypatch.setenv("GENESYS_CLIENT_ID", pinned.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", pinned.emulator.s.client_secret)
    iv, _, _ = interval(pinned)
    base = ["conversations", "--base-url", pinned.base_url, "--interval", iv, "--json"]
    assert main(base + ["--via", "query"]) == 0
    plain = capsys.readouterr()
    assert main(base + ["--job-threshold", "5"]) == 0
    big = capsys.readouterr()
    rows = [json.loads(line)["conversationId"] for line in big.out.splitlines()]
    assert rows == [json.loads(line)["conversationId"] for line in plain.out.splitlines()]
    # Not a terminal: a line each time the path changes, and the summary names both.
    assert "listing by details job: " in big.err and "over 5" in big.err
    assert "listing by details query: from " in big.err
    assert f"{len(rows)} conversation(s)" in big.err and " s (" in big.err
    assert "listing by details job" not in plain.err


def test_calls_still_going_long_before_the_lake_are_merged_in_order(emulator):
    """This org's clock is the wall clock, months after its calls: its live calls look stuck
    (live for months), which a real org also shows now and then. The lake never holds them; the
    listing still does, each in its place."""
    org = emulator.emulator.org
    by_query, _ = listed(emulator, path="query", order="desc", threshold=5)
    by_job, notes = listed(emulator, path="auto", order="desc", threshold=5)
    assert [n.path for n in notes] == ["job"]  # the whole interval is long before the lake's date
    idx = {org.ids[i]: i for i in range(len(org.ids))}
    assert any(org.live[idx[c]] for c in by_query)
    assert by_job == by_query


def test_via_job_takes_a_job_whatever_the_size_and_lists_the_same(pinned):
    by_query, _ = listed(pinned, path="query", order="desc", threshold=5)
    by_job, notes = listed(pinned, path="job", order="desc", threshold=10**9)
    assert by_job == by_query
    assert ("job", "asked for") in [(n.path, n.why) for n in notes]


def test_the_count_that_decides_is_the_7_days_next_to_where_the_listing_starts(pinned):
    """The older part is 9 days: newest first, its last 7 days decide (about 170 calls here),
    not its 2-day remainder at the other end (about 50)."""
    _, notes = listed(pinned, path="auto", order="desc", threshold=100)
    assert [n.path for n in notes][-1] == "job", [(n.path, n.why) for n in notes]
