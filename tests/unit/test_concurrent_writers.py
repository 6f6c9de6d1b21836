"""Two real processes writing one file: neither destroys the other's temporary, and two
read-modify-writes of a small store (bookmarks, evaluation drafts) both land. The processes
meet at events, so the overlap happens on every machine, however fast or busy."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from genesys_tui.core.files import atomic_output, open_nofollow
from genesys_tui.flows.review.evaluation import Draft, DraftStore
from genesys_tui.flows.review.marks import MarkStore, new_mark

CTX = mp.get_context("fork")
WAIT = 30  # a bound on a broken run, not a timing assertion


def _slow_writer(final: str, text: str, started, go, done) -> None:
    with atomic_output(Path(final)) as part, open_nofollow(part, "w") as f:
        f.write(text)
        f.flush()
        started.set()
        assert go.wait(WAIT)
    done.set()


def _quick_writer(final: str, text: str) -> None:
    with atomic_output(Path(final)) as part, open_nofollow(part, "w") as f:
        f.write(text)


def test_two_writers_of_one_file_both_finish_whole(tmp_path):
    final = tmp_path / "man.jsonl"
    started, go, done = CTX.Event(), CTX.Event(), CTX.Event()
    slow = CTX.Process(target=_slow_writer, args=(str(final), "first\n", started, go, done))
    slow.start()
    assert started.wait(WAIT)  # the first holds its temporary, half written
    quick = CTX.Process(target=_quick_writer, args=(str(final), "second\n"))
    quick.start()
    quick.join(WAIT)
    assert quick.exitcode == 0 and final.read_text() == "second\n"
    go.set()
    slow.join(WAIT)
    assert slow.exitcode == 0 and done.is_set()  # its temporary was never taken from it
    assert final.read_text() == "first\n"  # whole, the last one in place
    assert not list(tmp_path.glob("*.part"))


def _hold_marks(path: str, loaded, go) -> None:
    """A bookmark added by a process that dawdles between reading the file and writing it."""
    store = MarkStore(Path(path))
    real_load = store.load

    def slow_load():
        marks = real_load()
        loaded.set()
        go.wait(2)  # the other writer tries meanwhile (it must wait for the lock: see below)
        return marks

    store.load = slow_load  # type: ignore[method-assign]
    store.add(new_mark("c1", "r1", 1000, "first"))


def _add_mark(path: str, note: str) -> None:
    MarkStore(Path(path)).add(new_mark("c1", "r1", 2000, note))


def test_two_processes_bookmarking_at_once_keep_both(tmp_path):
    path = tmp_path / "bookmarks.json"
    loaded, go = CTX.Event(), CTX.Event()
    first = CTX.Process(target=_hold_marks, args=(str(path), loaded, go))
    first.start()
    assert loaded.wait(WAIT)
    second = CTX.Process(target=_add_mark, args=(str(path), "second"))
    second.start()
    second.join(0.5)  # without the lock it would finish now, and the first would overwrite it
    go.set()
    first.join(WAIT)
    second.join(WAIT)
    assert first.exitcode == 0 and second.exitcode == 0
    assert sorted(m.note for m in MarkStore(path).load()) == ["first", "second"]


def _hold_draft(path: str, loaded, go) -> None:
    store = DraftStore(Path(path))
    real = store._all

    def slow_all():
        data = real()
        loaded.set()
        go.wait(2)
        return data

    store._all = slow_all  # type: ignore[method-assign]
    store.put(Draft("c1", "form-a", overall="first"))


def _put_draft(path: str) -> None:
    DraftStore(Path(path)).put(Draft("c2", "form-a", overall="second"))


def test_two_processes_keeping_drafts_at_once_keep_both(tmp_path):
    path = tmp_path / "evaluations.json"
    loaded, go = CTX.Event(), CTX.Event()
    first = CTX.Process(target=_hold_draft, args=(str(path), loaded, go))
    first.start()
    assert loaded.wait(WAIT)
    second = CTX.Process(target=_put_draft, args=(str(path),))
    second.start()
    second.join(0.5)
    go.set()
    first.join(WAIT)
    second.join(WAIT)
    store = DraftStore(path)
    assert store.get("c1", "form-a").overall == "first"
    assert store.get("c2", "form-a").overall == "second"


@pytest.mark.parametrize(
    "doc",
    [
        '{"c1/f": {"conversation_id": "c1", "form_id": "f", "overall": ["not", "text"]}}',
        '{"c1/f": {"conversation_id": "c1", "form_id": "f", "answers": {"q": 7}}}',
        '{"c1/f": {"conversation_id": "c1", "form_id": "f", "comments": "x"}}',
        '{"c1/f": {"conversation_id": "c1", "form_id": "f", "unknown": 1}}',
    ],
)
def test_a_draft_of_the_wrong_shape_is_a_fresh_one(tmp_path, doc):
    path = tmp_path / "evaluations.json"
    path.write_text(doc)
    d = DraftStore(path).get("c1", "f")
    assert d.overall == "" and d.answers == {} and d.comments == {}


def test_oversized_or_special_local_files_are_refused_unread(tmp_path):
    import os

    from genesys_tui.flows.review.evaluation import EvaluationError
    from genesys_tui.flows.review.text_index import TextIndex

    drafts = tmp_path / "evaluations.json"
    with open(drafts, "wb") as f:
        f.truncate(64 << 20)  # sparse: 64 MB of nothing
    with pytest.raises(EvaluationError, match="move it aside"):
        DraftStore(drafts).get("c1", "f")
    index = TextIndex(tmp_path / "index")
    (tmp_path / "index").mkdir()
    os.mkfifo(index.path("c1"))  # a FIFO: opening it must not block
    assert index.get("c1", None, None) is None
    with open(index.path("c2"), "wb") as f:
        f.truncate(1 << 30)
    assert index.get("c2", None, None) is None
