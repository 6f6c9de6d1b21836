"""`genesys-tui fetch` and `genesys-tui jobs`, in-process against the shared emulator."""

from __future__ import annotations

import json

from genesys_tui.cli import main
from tests.integration.test_emulator_contract import recorded_conversation


def test_fetch_by_id_then_again_then_jobs(demo_env, tmp_path, capsys):
    srv = demo_env
    cid = recorded_conversation(srv, transfer=True)  # two recordings
    out = tmp_path / "out"
    args = ["fetch", cid, "--base-url", srv.base_url, "--format", "split", "--to", str(out), "-q"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "fetch summary" in captured.out and "done" in captured.out
    files = sorted(p.name for p in out.rglob("*.wav"))
    assert len(files) == 4 and sum(f.endswith(".customer.wav") for f in files) == 2
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert main(args) == 0  # the same command again: nothing redone, nothing duplicated
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == mtimes
    capsys.readouterr()
    assert main(["jobs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2 and all(r["state"] == "done" and r["conversationId"] == cid for r in rows)
    assert main(["jobs"]) == 0
    assert "2 done" in capsys.readouterr().err
    assert main(["jobs", "clear"]) == 0
    assert "removed 2 job(s)" in capsys.readouterr().out


def test_fetch_reports_archived_and_exits_non_zero(demo_env, tmp_path, capsys):
    cid = recorded_conversation(demo_env, archived=True)
    rc = main(["fetch", cid, "--base-url", demo_env.base_url, "--to", str(tmp_path), "--format", "wav", "-q"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "archived" in err and "--restore-archived" in err
    assert main(["jobs", "retry"]) == 0
    assert "queued again" in capsys.readouterr().out


def test_fetch_needs_something_to_do(demo_env, capsys):
    assert main(["fetch", "--base-url", demo_env.base_url]) == 2
    assert "--interval" in capsys.readouterr().err


def test_fetch_rejects_a_bad_target(demo_env, capsys):
    assert main(["fetch", "x", "--base-url", demo_env.base_url, "--to", "s3://Bad_Bucket"]) == 2
    assert "not an S3 URL" in capsys.readouterr().err


def test_fetch_wrong_id_is_clear(demo_env, tmp_path, capsys):
    rc = main(["fetch", "00000000-0000-4000-8000-000000000000", "--base-url", demo_env.base_url, "--to", str(tmp_path)])
    assert rc == 1 and "not found" in capsys.readouterr().err
