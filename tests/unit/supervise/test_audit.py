"""The audit log: a hash chain that reveals edits, insertions, reordering and deletions (the end
included, through the head file), readable newest first, with fsync'd appends."""

from __future__ import annotations

import json

import pytest

from genesys_tui.flows.supervise.audit import AuditLog, verify


@pytest.fixture
def log(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for k in range(5):
        log.append(
            {
                "supervisor": {"id": "s1", "name": "Sam"},
                "action": "monitor",
                "conversationId": f"c{k}",
                "result": "dispatched" if k % 2 else "refused",
                "ts": f"2026-05-11T12:0{k}:00.000Z",
            }
        )
    return log


def lines(log):
    return log.path.read_bytes().splitlines(keepends=True)


def test_a_clean_log_verifies(log):
    v = verify(log)
    assert v.ok and v.records == 5 and not v.notes
    recs = list(log.records())
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5] and recs[0]["prev"] == "0" * 64


def test_an_edited_line_is_found(log):
    ls = lines(log)
    rec = json.loads(ls[2])
    assert rec["result"] == "refused"
    rec["result"] = "dispatched"  # a refusal rewritten as an action
    ls[2] = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    log.path.write_bytes(b"".join(ls))
    v = verify(log)
    assert not v.ok and any("line 4" in p for p in v.problems)


def test_a_deleted_line_is_found(log):
    ls = lines(log)
    del ls[1]
    log.path.write_bytes(b"".join(ls))
    v = verify(log)
    assert not v.ok and any("does not follow" in p for p in v.problems)


def test_reordered_lines_are_found(log):
    ls = lines(log)
    ls[1], ls[2] = ls[2], ls[1]
    log.path.write_bytes(b"".join(ls))
    assert not verify(log).ok


def test_lines_cut_from_the_end_are_found(log):
    log.path.write_bytes(b"".join(lines(log)[:3]))
    v = verify(log)
    assert not v.ok and any("head says seq 5" in p for p in v.problems)


def test_a_removed_head_is_found(log):
    log.head_path.unlink()
    assert any("missing" in p for p in verify(log).problems)


def test_a_crash_between_line_and_head_is_a_note_not_tampering(log):
    head = log.head_path.read_text()
    log.append({"action": "barge", "result": "allowed"})
    log.head_path.write_text(head)  # as if the program died before replacing the head
    v = verify(log)
    assert v.ok and v.notes and v.records == 6


def test_newest_first_and_the_rate_limit_count(log):
    assert [r["seq"] for r in log.reverse()] == [5, 4, 3, 2, 1]
    assert [r["seq"] for r in log.tail(2)] == [4, 5]
    assert log.actions_since("s1", "2026-05-11T12:02:00.000Z") == 1  # seq 4 (12:03)
    assert log.actions_since("s1", "2026-05-11T12:00:00.000Z") == 2
    assert log.actions_since("someone-else", "2026-05-11T12:00:00.000Z") == 0


def test_appends_are_fsynced(tmp_path, monkeypatch):
    import os

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    AuditLog(tmp_path / "a.jsonl").append({"action": "monitor"})
    assert len(synced) >= 2  # the line, then the head


def test_a_big_log_reads_backwards_across_blocks(tmp_path):
    log = AuditLog(tmp_path / "big.jsonl")
    for k in range(300):
        log.append({"pad": "x" * 500, "k": k})
    assert [r["k"] for r in log.tail(3)] == [297, 298, 299]
    assert verify(log).ok and verify(log).records == 300


def test_a_damaged_last_line_stops_recording_and_says_why(log):
    from genesys_tui.flows.supervise.audit import AuditError

    with open(log.path, "ab") as f:
        f.write(b'{"seq": 6, "ts": "2026-05-11T12:09')  # a crash mid-write, or an edit
    with pytest.raises(AuditError, match="last line is damaged"):
        log.append({"action": "barge"})
    assert [r["seq"] for r in log.records()] == [
        1,
        2,
        3,
        4,
        5,
    ]  # readers skip what they cannot parse
    assert [r["seq"] for r in log.reverse()] == [5, 4, 3, 2, 1]
    v = verify(log)
    assert not v.ok and any("incomplete" in p for p in v.problems)


def test_every_attempt_that_may_have_reached_genesys_counts(tmp_path):
    from genesys_tui.flows.supervise.audit import AuditLog

    log = AuditLog(tmp_path / "a.jsonl")
    base = {"supervisor": {"id": "s1"}, "stage": "dispatch"}
    log.append({**base, "result": "failed", "status": None})  # lost response: may have happened
    log.append({**base, "result": "failed", "status": 502})
    log.append({**base, "result": "failed", "status": 403})  # refused: it did not happen
    log.append({**base, "result": "refused", "stage": "dispatch"})
    log.append({**base, "result": "allowed", "stage": "confirm"})
    log.append({**base, "result": "dispatched", "status": 201})
    assert log.actions_since("s1", "2000-01-01T00:00:00.000Z") == 3
