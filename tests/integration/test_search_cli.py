"""`genesys-tui search` against the emulator over real HTTP: Genesys's transcript search finds the
calls, each transcript (through Review's cache) says where; scanning finds the same; a role narrows
it; a refused search falls back to scanning and says so; past 60 days it says search cannot."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from genesys_tui.cli.main import main
from genesys_tui.emulator import EmulatorServer
from tests.conftest import small_org

NOW = datetime.now(UTC)
SPAN = f"{(NOW - timedelta(days=5)).date()}/{(NOW + timedelta(days=1)).date()}"


@pytest.fixture
def recent_org(monkeypatch):
    with EmulatorServer(small_org(anchor=NOW, conversations=36, days=4)) as srv:
        monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
        yield srv


def hits(capsys, srv, *args) -> tuple[list[dict], str]:
    code = main(["search", *args, "--interval", SPAN, "--json", "--base-url", srv.base_url])
    out = capsys.readouterr()
    assert code == (0 if out.out else 3)  # 3: nothing found (the README's exit codes)
    return [json.loads(x) for x in out.out.splitlines()], out.err


def test_search_finds_moments_the_same_as_a_scan(recent_org, capsys):
    srv = recent_org
    org = srv.emulator.org
    found, err = hits(capsys, srv, "refund")
    assert found and "Genesys's transcript search" in err
    assert re.search(r"hit\(s\) in \d+ call\(s\), by .*, in \d+\.\d s", err)  # how long it took
    assert srv.emulator.stats["transcripts.search"] >= 1
    for h in found:
        assert "refund" in h["text"].lower()
        d = org.detail(org.find(h["conversationId"]))
        assert any(p.text == h["text"] for p in d.phrases)
        assert h["moment"].startswith(h["conversationId"] + "@")
        began = datetime.fromisoformat(h["conversationStart"])
        assert abs(began.timestamp() * 1000 - org.start[org.find(h["conversationId"])]) < 1000
    # Warm: the same search opens no call again (their transcripts are indexed here).
    opened = srv.emulator.stats["conversations.get"]
    again, _ = hits(capsys, srv, "refund")
    assert again == found and srv.emulator.stats["conversations.get"] == opened
    scanned, err = hits(capsys, srv, "refund", "--scan")
    assert "scanning transcripts" in err
    assert {h["conversationId"] for h in scanned} == {h["conversationId"] for h in found}
    agents, _ = hits(capsys, srv, "refund", "--role", "customer")
    assert all(h["role"] == "customer" for h in agents) and len(agents) < len(found)

    # a filter Genesys's search does not know (the queue, the direction) narrows it
    def queues(h):
        return set(org.detail(org.find(h["conversationId"])).queue_ids)

    by_name = {q.id: q.name for q in org.queues}
    used = set().union(*(queues(h) for h in found))
    one = sorted(used)[0]
    in_queue, _ = hits(capsys, srv, "refund", "--queue", by_name[one])
    assert in_queue == [h for h in found if one in queues(h)]
    other = next(q.id for q in org.queues if q.id not in used)
    assert hits(capsys, srv, "refund", "--queue", by_name[other])[0] == []
    outbound, _ = hits(capsys, srv, "refund", "--direction", "outbound")
    assert all(org.detail(org.find(h["conversationId"])).outbound for h in outbound)


def test_a_refused_search_scans_and_says_so(recent_org, capsys, monkeypatch):
    from genesys_tui.genesys import errors as E
    from genesys_tui.genesys.transcript_search import TranscriptSearch

    async def refused(self, text, start, end):
        raise E.PermissionDenied("not licensed for transcript search", status=403)
        yield  # pragma: no cover

    monkeypatch.setattr(TranscriptSearch, "conversations", refused)
    found, err = hits(capsys, recent_org, "refund")
    assert found and "not available" in err and "scanning transcripts" in err
    # Warm: every call's text comes from the local index, nothing is asked of Genesys per call.
    stats = recent_org.emulator.stats
    before = stats["api"]
    again, _ = hits(capsys, recent_org, "refund", "--scan")
    assert again == found
    assert stats["api"] - before <= 3  # the token, the interval's listing (a page or two)


def test_an_index_entry_for_another_call_is_not_used(tmp_path):
    """A re-seeded org can give an id to another call: the entry's times must still match."""
    from genesys_tui.flows.review.text_index import TextIndex

    class Conv:
        start_time, end_time = NOW - timedelta(minutes=5), NOW

    class Phrase:
        recording_id, media_ms, role, text = "r1", 1500, "agent", "a refund then"

    class Review:
        id, conversation, audio = "c-1", Conv(), []
        transcript = type("T", (), {"phrases": [Phrase()]})()

    index = TextIndex(tmp_path)
    index.put(Review())
    said = index.get("c-1", Conv.start_time, Conv.end_time)
    assert said and said[0].text == "a refund then" and said[0].ms == 1500
    assert index.get("c-1", Conv.start_time - timedelta(minutes=1), Conv.end_time) is None
    index.path("c-1").write_text("[" * 100_000)  # hostile or cut: read from Genesys again
    assert index.get("c-1", Conv.start_time, Conv.end_time) is None


def test_older_than_sixty_days_is_said(capsys, monkeypatch):
    old = NOW - timedelta(days=80)
    with EmulatorServer(small_org(anchor=old, conversations=30, days=2)) as srv:
        monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
        span = f"{(old - timedelta(days=5)).date()}/{old.date()}"
        code = main(["search", "refund", "--interval", span, "--base-url", srv.base_url])
        out = capsys.readouterr()
        # Genesys's search would find nothing: the calls are scanned instead, and it is said
        assert code == 0 and "refund" in out.out.lower()
        assert "searchable for 60 days" in out.err and "scanning transcripts" in out.err
        assert srv.emulator.stats["transcripts.search"] == 0


def test_past_a_thousand_results_the_range_is_split_and_nothing_is_left_out(
    recent_org, monkeypatch
):
    """Genesys pages only through the first 1,000 results: with the cap lowered to 10 (and the
    emulator's with it), every conversation is still found, each once."""
    import asyncio

    from genesys_tui.emulator import api_search
    from genesys_tui.genesys import transcript_search as ts
    from genesys_tui.genesys.transcript_search import TranscriptSearch
    from tests.integration.test_client import client_for

    start, end = NOW - timedelta(days=5), NOW + timedelta(days=1)

    async def ids() -> list[str]:
        async with client_for(recent_org) as c:
            return [x async for x in TranscriptSearch(c.api).conversations("the", start, end)]

    everything = asyncio.run(ids())
    assert len(everything) > 10 and len(set(everything)) == len(everything)
    monkeypatch.setattr(api_search, "MAX_RESULTS", 10)
    monkeypatch.setattr(ts, "MAX_RESULTS", 10)
    monkeypatch.setattr(ts, "PAGE_SIZE", 5)
    before = recent_org.emulator.stats["transcripts.search"]
    split = asyncio.run(ids())
    assert sorted(split) == sorted(everything) and len(set(split)) == len(split)
    assert recent_org.emulator.stats["transcripts.search"] - before > len(everything) // 5


def test_only_a_definite_answer_is_indexed(recent_org, tmp_path, monkeypatch):
    """A call's text is indexed, and so is Genesys saying it has no transcript; a transcript
    that could not be had this time (no leg to look it up by) is not indexed as silence."""
    import asyncio

    from genesys_tui.flows.review import session
    from genesys_tui.flows.review.session import ReviewCache, load_review
    from tests.integration.test_client import client_for
    from tests.integration.test_emulator_contract import recorded_conversation

    cache = ReviewCache(tmp_path)
    said = recorded_conversation(recent_org, transcribed=True)
    silent = recorded_conversation(recent_org, transcribed=False)

    async def load(cid):
        async with client_for(recent_org) as c:
            return await load_review(c, cid, cache, audio=False)

    for cid in (said, silent):
        review = asyncio.run(load(cid))
        entry = cache.index.get(cid, review.conversation.start_time, review.conversation.end_time)
        assert entry is not None and bool(entry) == (cid == said)
        cache.index.path(cid).unlink()

    async def no_leg(*_args):
        return []

    monkeypatch.setattr(session, "communication_ids", no_leg)
    review = asyncio.run(load(said))
    assert review.transcript is None and not cache.index.path(said).exists()


def test_a_transferred_call_is_one_row_a_transcript_and_listed_once():
    """Transcript search answers a row per transcript (a transferred call has one a recorded
    leg): `total` counts rows; the client lists each conversation once."""
    with EmulatorServer(small_org(anchor=NOW, conversations=160, days=4)) as srv:
        raw, ids, org = _raw_rows_and_listed(srv)
        grouped = _raw_rows_and_listed(srv, types=["transcripts_metadata"])[0]["results"]
    rows = [r["conversationId"] for r in raw["results"]]
    several = {cid for cid in rows if len(org.detail(org.find(cid)).recordings) > 1}
    assert several and raw["total"] == len(rows) > len(set(rows))  # rows, not conversations
    for cid in several:
        assert rows.count(cid) == len(org.detail(org.find(cid)).recordings)
    assert len(ids) == len(set(ids)) and set(rows) <= set(ids)  # each once
    # transcripts_metadata is grouped by conversation, with how many transcripts each has
    assert sorted(g["conversationId"] for g in grouped) == sorted(set(rows))
    assert all(g["totalTranscripts"] == rows.count(g["conversationId"]) for g in grouped)


def _raw_rows_and_listed(srv, types=("transcripts",)):
    """Every row transcript search answers for "the" over SPAN, and what the client lists."""
    import asyncio

    from genesys_tui.genesys.transcript_search import TranscriptSearch, search_body
    from tests.integration.test_client import client_for

    org = srv.emulator.org
    start, end = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in SPAN.split("/"))

    async def go():
        async with client_for(srv) as c:
            raw, page = {"results": []}, 1
            while True:  # every row, page by page
                got = await c.api.post_json(
                    "/api/v2/speechandtextanalytics/transcripts/search",
                    {
                        **search_body("the", start, end, page),
                        "pageSize": 100,
                        "types": list(types),
                        "returnFields": [],
                    },
                )
                raw = {**got, "results": raw["results"] + got["results"]}
                if page >= got["pageCount"]:
                    break
                page += 1
            ids = [cid async for cid in TranscriptSearch(c.api).conversations("the", start, end)]
            return raw, ids

    raw, ids = asyncio.run(go())
    return raw, ids, org


def test_the_full_text_index_answers_for_every_call_at_once(tmp_path):
    """One query for all the calls it holds: candidates with every word, the listed call's
    times checked, a call put again replaced; a damaged database leaves the files to answer."""
    from genesys_tui.flows.review.text_index import DB_NAME, TextIndex

    def review(cid, texts, start=NOW - timedelta(minutes=5)):
        class Conv:
            start_time, end_time = start, NOW

        phrases = [
            type("P", (), {"recording_id": "r1", "media_ms": 1000 * k, "role": "customer",
                           "text": t})()
            for k, t in enumerate(texts)
        ]  # fmt: skip
        return type("R", (), {"id": cid, "conversation": Conv(), "audio": [],
                              "transcript": type("T", (), {"phrases": phrases})()})()  # fmt: skip

    index = TextIndex(tmp_path)
    index.put(review("c-1", ["I want a refund please", "thanks"]))
    index.put(review("c-2", ["refund? no", "please call me"]))
    index.put(review("c-3", ["nothing here"]))
    known, hits = index.find(("refund", "please"))
    assert set(known) == {"c-1", "c-2", "c-3"}
    assert [s.text for s in hits["c-1"]] == ["I want a refund please"] and "c-2" not in hits
    assert index.same_call(known["c-1"], NOW - timedelta(minutes=5), NOW)
    assert not index.same_call(known["c-1"], NOW - timedelta(minutes=6), NOW)
    index.put(review("c-1", ["no longer"]))  # opened again: its old phrases go
    assert "c-1" not in index.find(("refund",))[1]
    index.forget("c-2")  # pruned from the cache: out of the index too
    known, hits = index.find(("refund",))
    assert "c-2" not in known and not hits
    # a damaged database: made anew, empty (the search reads the files of what it lacks)
    index._db.close()
    (tmp_path / DB_NAME).write_bytes(b"not a database" * 100)
    fresh = TextIndex(tmp_path)
    assert fresh.find(("refund",)) == ({}, {})
    assert fresh.get("c-2", NOW - timedelta(minutes=5), NOW)[0].text == "refund? no"
    fresh.put(review("c-2", ["refund please"]))
    assert [s.text for s in fresh.find(("refund",))[1]["c-2"]] == ["refund please"]
