"""The reconciler's classification on hand-made listings: padded and plain folders, a
conversation with one recording failed and one missing, archived, unexpected."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

from genesys_tui.flows.export.bucket import Obj, day_prefixes, parse_key
from genesys_tui.flows.export.reconcile import Reconciler
from genesys_tui.genesys.summaries import ConversationSummary

ORG = "org-1"
DAY = date(2026, 3, 4)


@dataclass
class Rec:
    id: str
    file_state: str | None = None


class Listing:
    def __init__(self, keys):
        self.keys = keys

    def objects(self, prefix):
        for k in self.keys:
            if k.startswith(prefix):
                yield Obj(k, 10, "etag")


def key(conv, name, plain=False, day=4, hour=9):
    m, d = ("3", str(day)) if plain else ("03", f"{day:02d}")
    return f"{ORG}/year=2026/month={m}/day={d}/hour={hour}/conversation_id={conv}/{name}"


def run(listing, owed_ids, recordings, failed=(), window=None):
    async def recordings_of(cid):
        return recordings.get(cid, [])

    async def owed():
        for c in owed_ids:
            yield ConversationSummary(c, datetime(2026, 3, 4, 9, tzinfo=UTC))

    rows = []
    r = Reconciler(ORG, listing, recordings_of, failed, window=window)
    asyncio.run(r.run(owed(), rows.append))
    return {(r.conversation_id, r.recording_id): r.status for r in rows}


def test_keys_parse_padded_or_not_and_both_prefixes_are_listed():
    for plain in (False, True):
        p = parse_key(key("c1", "r1.opus_metadata.json", plain), ORG)
        assert p and p.day == DAY and p.recording_id == "r1" and p.is_metadata
    assert parse_key(key("c1", "r1.opus"), "another-org") is None
    assert parse_key("org-1/something/else.opus", ORG) is None
    assert len(day_prefixes(ORG, DAY)) == 2 and len(day_prefixes(ORG, date(2026, 11, 12))) == 1


def test_every_status():
    listing = Listing(
        [
            key("c1", "r1.opus"),
            key("c1", "r1.opus_metadata.json"),
            key("c2", "r2.opus", plain=True),  # no metadata
            key("zz", "rz.opus"),  # nobody owed it
        ]
    )
    got = run(
        listing,
        ["c1", "c2", "c3", "c4"],
        {"c3": [Rec("r3a"), Rec("r3b")], "c4": [Rec("r4", "ARCHIVED")]},
        failed=[("c3", "r3a")],
    )
    assert got == {
        ("c1", "r1"): "exported",
        ("c2", "r2"): "incomplete",
        ("c3", "r3a"): "failed",
        ("c3", "r3b"): "missing",  # the other recording of a conversation with a failure
        ("c4", "r4"): "archived",
        ("zz", "rz"): "unexpected",
    }


def test_within_a_window_days_without_owed_calls_are_listed_and_cut_hours_are_not_judged():
    listing = Listing(
        [
            key("c1", "r1.opus"),
            key("c1", "r1.opus_metadata.json"),
            key("q", "rq.opus", day=3, hour=12),  # the day before: nothing owed on it
            key("e", "re.opus", day=5, hour=7),  # the day after, after the owed one
            key("h", "rh.opus", day=5, hour=8),  # in the hour the window's end cuts
            key("o", "ro.opus", day=2, hour=12),  # outside the window
        ]
    )
    window = (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 5, 8, 30, tzinfo=UTC))
    got = run(listing, ["c1"], {}, window=window)
    assert got == {
        ("c1", "r1"): "exported",
        ("q", "rq"): "unexpected",
        ("e", "re"): "unexpected",
    }
    assert parse_key(key("x", "r.opus", hour=24), ORG) is None


def test_the_manifest_is_written_whole_or_not_at_all_and_never_through_a_link(tmp_path):
    import pytest

    from genesys_tui.core.files import UnsafePath
    from genesys_tui.flows.export.reconcile import Manifest, Row

    m = Manifest(tmp_path / "m")
    with pytest.raises(RuntimeError), m.writing() as write:
        write(Row("c", "r", "exported"))
        raise RuntimeError("the bucket went away")
    assert not list(tmp_path.iterdir())  # no manifest, no temporaries
    with m.writing() as write:
        write(Row("c", "r", "exported"))
    assert m.csv_path.read_text().splitlines()[1].startswith("c,r,exported")
    assert '"status": "exported"' in m.jsonl_path.read_text()
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    m.csv_path.unlink()
    m.csv_path.symlink_to(target)
    with pytest.raises(UnsafePath), m.writing() as write:
        write(Row("c", "r", "exported"))
    assert target.read_text() == "keep"


def test_a_hostile_sidecar_is_corrupt_not_a_crash():
    class Reading(Listing):
        def read(self, key, limit):
            return (b"[" * 200_000 if key.endswith("_metadata.json") else b"OggS")[:limit]

        def download(self, key, dest):
            dest.write_bytes(b"OggS")

    listing = Reading([key("c1", "r1.opus"), key("c1", "r1.opus_metadata.json")])

    async def recordings_of(cid):
        return []

    async def owed():
        yield ConversationSummary("c1", datetime(2026, 3, 4, 9, tzinfo=UTC))

    rows = []
    r = Reconciler(ORG, listing, recordings_of, verify="all", duration_of=lambda b: 0)
    asyncio.run(r.run(owed(), rows.append))
    assert [(x.status, x.detail) for x in rows] == [("corrupt", "the metadata is not JSON")]


def test_keys_outside_the_layout_are_unexpected_not_ignored():
    listing = Listing(
        [
            key("c1", "r1.opus"),
            key("c1", "r1.opus_metadata.json"),
            f"{ORG}/year=2026/month=03/day=04/hour=9/conversation_id=../../x.opus",
            key("=HYPERLINK(1)", "r9.opus"),
            key("c1", "..opus"),
        ]
    )
    got = run(listing, ["c1"], {})
    assert got[("c1", "r1")] == "exported"
    assert got[("", "")] == "unexpected"
    statuses = []

    async def recordings_of(cid):
        return []

    async def owed():
        yield ConversationSummary("c1", datetime(2026, 3, 4, 9, tzinfo=UTC))

    r = Reconciler(ORG, listing, recordings_of)
    asyncio.run(r.run(owed(), lambda row: statuses.append((row.key, row.status))))
    strangers = [k for k, st in statuses if st == "unexpected"]
    assert len(strangers) == 3 and any("../../x.opus" in k for k in strangers)
