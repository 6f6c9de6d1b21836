from __future__ import annotations

import sqlite3
from pathlib import Path, PurePosixPath

import pytest

from genesys_tui.flows.pull.model import (
    ALL_RECORDINGS,
    CANCELLED,
    DONE,
    DOWNLOADING,
    FAILED,
    QUEUED,
)
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.storage.naming import (
    NamingError,
    check_template,
    fields_for,
    inside,
    render,
    sanitize,
)
from genesys_tui.storage.s3 import parse_s3_url, s3_metadata, s3_tags
from genesys_tui.storage.sinks import SinkError

META = {
    "conversationId": "c1",
    "conversationStart": "2026-05-01T09:30:00.000Z",
    "direction": "inbound",
    "queues": [{"id": "q", "name": "Billing / Disputes"}],
    "agents": [{"id": "a", "name": "José Müller"}],
}


def test_default_template():
    rel = render(
        "{date}/{queue}/{conversationId}_{recordingId}.{ext}",
        fields_for(META, "r1", "mono", "mono.wav"),
    )
    assert rel == PurePosixPath("2026-05-01/Billing _ Disputes/c1_r1.mono.wav")


@pytest.mark.parametrize(
    "evil", ["../../etc", "..", ".", "/abs/path", "a/../../b", "\x00nul", "C:\\Windows", " . "]
)
def test_fields_cannot_escape(evil):
    meta = {**META, "queues": [{"id": "q", "name": evil}], "conversationId": evil}
    rel = render(
        "{queue}/{conversationId}_{recordingId}.{ext}", fields_for(meta, evil, "wav", "wav")
    )
    assert all(p not in ("..", ".", "") and "/" not in p and "\\" not in p for p in rel.parts)
    assert len(rel.parts) == 2


def test_sanitize():
    assert sanitize("José Müller") == "Jose Muller"
    assert sanitize("") == "unknown" and sanitize("...") == "unknown"
    assert len(sanitize("x" * 500)) == 80


def test_template_checks():
    with pytest.raises(NamingError, match="unknown field"):
        check_template("{date}/{bogus}.{ext}")
    with pytest.raises(NamingError, match="ext"):
        check_template("{date}/{conversationId}")
    with pytest.raises(NamingError, match="relative"):
        check_template("/tmp/{conversationId}.{ext}")


def test_inside_refuses_symlink_escape(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(NamingError, match="escape"):
        inside(root, PurePosixPath("link/x.wav"))
    assert inside(root, PurePosixPath("a/x.wav")) == (root / "a" / "x.wav").resolve()


def test_s3_tags_and_metadata_limits():
    meta = {**META, "queues": [{"id": "q", "name": "Q" * 400 + "!#&"}]}
    tags = dict(p.split("=", 1) for p in s3_tags(meta, "r1", "wav").split("&"))
    assert len(tags) <= 10 and all(len(k) <= 128 for k in tags)
    from urllib.parse import unquote_plus

    assert all(len(unquote_plus(v)) <= 256 for v in tags.values())
    assert "!" not in unquote_plus(tags["queue"]) and "#" not in unquote_plus(tags["queue"])
    md = s3_metadata(META, "r1", "ab" * 32)
    assert (
        all(v.isascii() for v in md.values()) and sum(len(k) + len(v) for k, v in md.items()) < 2048
    )
    assert md["agent"] == "Jos%C3%A9 M%C3%BCller" and md["sha256"] == "ab" * 32


def test_parse_s3_url():
    assert parse_s3_url("s3://calls/2026/may/") == ("calls", "2026/may/")
    assert parse_s3_url("s3://calls") == ("calls", "")
    with pytest.raises(SinkError):
        parse_s3_url("s3://UPPER/x")


def test_store_dedupes_and_commits_every_change(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    a, created = store.add("c1", "r1", "mono", str(tmp_path / "out"))
    b, created2 = store.add("c1", "r1", "mono", str(tmp_path / "out") + "/")
    assert created and not created2 and a.id == b.id
    store.update(a, state=DOWNLOADING, bytes_done=10)
    # another connection (another process) sees it at once: committed, WAL mode
    other = sqlite3.connect(path)
    assert other.execute("SELECT state, bytes_done FROM jobs").fetchone() == (DOWNLOADING, 10)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.recover() == 1 and store.get(a.id).state == QUEUED
    store.update(a, state=FAILED, last_error="boom", attempts=5)
    assert store.get(a.id).finished_at
    assert store.retry_failed() == 1
    j = store.get(a.id)
    assert (j.state, j.attempts, j.last_error, j.finished_at) == (QUEUED, 0, None, None)
    store.update(j, state=DONE)
    parent, _ = store.add("c2", ALL_RECORDINGS, "mono", "x")
    child, _ = store.add("c2", "r9", "mono", "x", parent_id=parent.id)
    assert [c.id for c in store.children(parent.id)] == [child.id]
    store.update(child, state=CANCELLED)
    assert store.clear([DONE]) == 1 and store.get(a.id) is None


def test_one_form_for_a_target_in_every_front_end(tmp_path, monkeypatch):

    from genesys_tui.storage.sinks import normalize_target

    assert (
        normalize_target("s3://bucket/calls/")
        == normalize_target(" s3://bucket/calls")
        == "s3://bucket/calls"
    )
    monkeypatch.chdir(tmp_path)
    assert normalize_target("out/") == str(tmp_path / "out")
    assert normalize_target("~/x") == str(Path.home() / "x")
