"""Bookmarks kept on this machine: saved and read back, a file that is not ours refused with a
clear error (nothing lost), notes bounded to Genesys's limit, Genesys's own merged once."""

from __future__ import annotations

import pytest

from genesys_tui.flows.review.marks import MAX_NOTE, Mark, MarkError, MarkStore, merged, new_mark


def test_saved_read_back_updated_and_removed(tmp_path):
    store = MarkStore(tmp_path / "bookmarks.json")
    assert store.of("c") == []
    a = store.add(new_mark("c", "r1", 9000, "  late greeting  "))
    b = store.add(new_mark("c", "r1", 2000, "x" * 900))
    store.add(new_mark("other", "r9", 1, "elsewhere"))
    assert [m.ms for m in store.of("c")] == [2000, 9000]  # in recording order
    assert a.note == "late greeting" and len(b.note) == MAX_NOTE and a.clock == "00:09"
    a.annotation_id = "ann-1"
    store.update(a)
    assert next(m for m in store.of("c") if m.id == a.id).annotation_id == "ann-1"
    store.remove(b.id)
    assert [m.id for m in store.of("c")] == [a.id]


def test_a_file_that_is_not_ours_is_refused_and_kept(tmp_path):
    path = tmp_path / "bookmarks.json"
    for junk in (b"{not json", b'{"bookmarks": [{"id": 1}]}', b'{"x": 1}', b"[" * 100_000):
        path.write_bytes(junk)
        with pytest.raises(MarkError, match="bookmarks"):
            MarkStore(path).of("c")
        assert path.read_bytes() == junk  # nothing lost


def test_genesys_bookmarks_are_merged_once():
    local = new_mark("c", "r", 1000, "mine")
    local.annotation_id = "a1"
    theirs = [
        Mark("a1", "c", "r", 1000, "mine", "", annotation_id="a1", source="genesys"),
        Mark("a2", "c", "r", 500, "a colleague's", "", annotation_id="a2", source="genesys"),
    ]
    got = merged([local], theirs)
    assert [(m.note, m.source) for m in got] == [("a colleague's", "genesys"), ("mine", "local")]
