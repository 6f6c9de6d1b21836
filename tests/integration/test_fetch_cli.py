"""`genesys-tui fetch` and `genesys-tui jobs`, in-process against the shared emulator."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from genesys_tui.cli.main import main
from genesys_tui.flows.pull.runner import QueueRunner
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
    assert main(["jobs", "--json", "--base-url", srv.base_url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2 and all(r["state"] == "done" and r["conversationId"] == cid for r in rows)
    assert main(["jobs", "--base-url", srv.base_url]) == 0
    assert "2 done" in capsys.readouterr().err
    assert main(["jobs", "clear", "--base-url", srv.base_url]) == 0
    assert "removed 2 job(s)" in capsys.readouterr().out


def test_fetch_reports_archived_and_exits_non_zero(demo_env, tmp_path, capsys):
    cid = recorded_conversation(demo_env, archived=True)
    rc = main(
        [
            "fetch",
            cid,
            "--base-url",
            demo_env.base_url,
            "--to",
            str(tmp_path),
            "--format",
            "wav",
            "-q",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert "archived" in err and "--restore-archived" in err
    assert main(["jobs", "retry", "--base-url", demo_env.base_url]) == 0
    assert "queued again" in capsys.readouterr().out
    assert main(["jobs", "--json", "--state", "queued", "--base-url", demo_env.base_url]) == 0
    queued = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert queued and all(r["conversationId"] == cid for r in queued)
    ids = [str(r["id"]) for r in queued]
    # no queue runs: cancelled in the store exactly as the running queue cancels
    assert main(["jobs", "cancel", *ids, "999999", "--base-url", demo_env.base_url]) == 0
    assert f"cancelled {len(ids)} of {len(ids) + 1} job(s)" in capsys.readouterr().out
    assert main(["jobs", "--json", "--state", "cancelled", "--base-url", demo_env.base_url]) == 0
    gone = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(str(r["id"]) for r in gone) == sorted(ids)
    assert all(r["lastError"] == "cancelled" for r in gone)


def test_fetch_needs_something_to_do(demo_env, capsys):
    assert main(["fetch", "--base-url", demo_env.base_url]) == 2
    assert "--interval" in capsys.readouterr().err


def test_fetch_rejects_a_bad_target(demo_env, capsys):
    nil = "00000000-0000-4000-8000-000000000000"
    assert main(["fetch", nil, "--base-url", demo_env.base_url, "--to", "s3://Bad_Bucket"]) == 2
    assert "not an S3 URL" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "not-an-id"],
        ["transcript", "12345"],
        ["supervise", "monitor", "../../etc"],
        ["evaluate", "x" * 36],
        ["export", "status", "not-a-job"],
    ],
)
def test_what_is_not_an_id_is_refused_before_any_request(demo_env, capsys, argv):
    before = demo_env.emulator.stats["api"], demo_env.emulator.tokens.issued
    with pytest.raises(SystemExit) as refused:
        main([*argv, "--base-url", demo_env.base_url])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "is not a" in err and "UUID" in err, err
    assert (demo_env.emulator.stats["api"], demo_env.emulator.tokens.issued) == before


def test_fetch_wrong_id_is_clear(demo_env, tmp_path, capsys):
    rc = main(
        [
            "fetch",
            "00000000-0000-4000-8000-000000000000",
            "--base-url",
            demo_env.base_url,
            "--to",
            str(tmp_path),
        ]
    )
    assert rc == 1 and "not found" in capsys.readouterr().err


def test_jobs_are_kept_per_org(demo_env, tmp_path, capsys):
    """A store filled from one org is never listed (or resumed) under another profile's org."""
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import ANCHOR, small_org

    cid = recorded_conversation(demo_env)
    assert (
        main(
            [
                "fetch",
                cid,
                "--base-url",
                demo_env.base_url,
                "--to",
                str(tmp_path / "a"),
                "--format",
                "wav",
                "-q",
            ]
        )
        == 0
    )
    with EmulatorServer(
        small_org(seed=99, conversations=40)
    ) as other:  # another org (another seed)
        assert other.emulator.org.id != demo_env.emulator.org.id
        capsys.readouterr()
        assert (
            main(["jobs", "--json", "--base-url", other.base_url]) == 0
        )  # never fetched from there
        out, err = capsys.readouterr()
        assert out == "" and "nothing was fetched with this profile" in err
        assert main(
            [
                "fetch",
                "--interval",
                f"{(ANCHOR - timedelta(days=3)).isoformat()}/{ANCHOR.isoformat()}",
                "--limit",
                "1",
                "--base-url",
                other.base_url,
                "--to",
                str(tmp_path / "b"),
                "--format",
                "wav",
                "-q",
            ]
        ) in (0, 1)
        capsys.readouterr()
        assert main(["jobs", "--json", "--base-url", other.base_url]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert rows and cid not in {r["conversationId"] for r in rows}
    assert main(["jobs", "--json", "--base-url", demo_env.base_url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["conversationId"] for r in rows] == [cid]
    assert main(["jobs", "--json", "--org", other.emulator.org.id]) == 0
    assert cid not in capsys.readouterr().out


def test_planted_symlinks_in_the_output_are_never_followed(demo_env, tmp_path, capsys):
    cid = recorded_conversation(demo_env)
    out = tmp_path / "out"
    args = [
        "fetch",
        cid,
        "--base-url",
        demo_env.base_url,
        "--to",
        str(out),
        "--format",
        "wav",
        "-q",
    ]
    assert main(args) == 0
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert main(["jobs", "clear", "--base-url", demo_env.base_url]) == 0
    victim = tmp_path / "victim"
    victim.write_text("precious")
    for f in files:  # an attacker with write access to the output directory
        f.unlink()
        f.with_name(f.name + ".part").symlink_to(victim)
    capsys.readouterr()
    assert main(args) == 0
    assert victim.read_text() == "precious"
    assert all(f.is_file() and not f.is_symlink() for f in files)
    assert main(["jobs", "clear", "--base-url", demo_env.base_url]) == 0
    files[0].unlink()
    files[0].symlink_to(victim)  # a link at a final name: refused, with the reason
    capsys.readouterr()
    assert main(args) == 1
    assert "symbolic link" in capsys.readouterr().err and victim.read_text() == "precious"


def test_ids_with_spaces_are_trimmed_and_bad_templates_refused_before_work(
    demo_env, tmp_path, capsys
):
    cid = recorded_conversation(demo_env)
    out = tmp_path / "out"
    assert (
        main(["fetch", f"  {cid} ", "--base-url", demo_env.base_url, "--to", str(out), "-q"]) == 0
    )
    assert list(out.rglob(f"*{cid}*")), "the recording must really be downloaded"
    with pytest.raises(SystemExit) as refused:  # not an ID: the parser refuses it (exit 2)
        main(["fetch", "../etc/passwd", "--base-url", demo_env.base_url, "--to", str(out), "-q"])
    assert refused.value.code == 2
    cfg = tmp_path / "c.toml"
    cfg.write_text('[profiles.default]\nnaming = "{date:%Y}/{conversationId}.{ext}"\n')
    before = demo_env.emulator.stats["s3"]
    capsys.readouterr()
    assert (
        main(
            [
                "fetch",
                cid,
                "--config",
                str(cfg),
                "--base-url",
                demo_env.base_url,
                "--to",
                str(tmp_path / "o2"),
                "-q",
            ]
        )
        == 2
    )
    assert "naming template" in capsys.readouterr().err and demo_env.emulator.stats["s3"] == before


def test_a_rerun_retries_what_failed_and_quiet_still_lists_failures(
    fresh_emulator, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("GENESYS_CLIENT_ID", fresh_emulator.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", fresh_emulator.emulator.s.client_secret)
    cid = recorded_conversation(fresh_emulator)
    missing = "00000000-0000-4000-8000-000000000000"
    args = [
        "fetch",
        cid,
        "--base-url",
        fresh_emulator.base_url,
        "--to",
        str(tmp_path / "o"),
        "--format",
        "wav",
        "-q",
    ]
    fresh_emulator.emulator.faults.set(
        "500@analytics.details.get=1,500@conversations.get=1"
    )  # cannot be read
    assert main([*args, "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert f"✗ {cid}" in err and "jobs retry" in err
    fresh_emulator.emulator.faults.set("")
    assert main(args) == 0
    assert "failed in an earlier run" in capsys.readouterr().err
    assert main([*args[:1], missing, *args[2:]]) == 1  # a conversation that cannot be expanded
    err = capsys.readouterr().err
    assert f"✗ {missing} conversation: could not be planned" in err and "not found" in err
    good = recorded_conversation(fresh_emulator, transfer=True)  # one bad ID never stops the others
    assert main([*args[:1], missing, good, *args[2:]]) == 1
    assert list((tmp_path / "o").rglob(f"*{good}*"))


def test_a_full_disk_is_one_clear_line_and_the_next_run_completes(
    demo_env, tmp_path, capsys, monkeypatch
):
    import errno

    import genesys_tui.storage.presigned as presigned

    real = presigned.open_nofollow

    class Full:
        def __init__(self, f, path):
            self.f, self.path = f, path

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(
        presigned, "open_nofollow", lambda path, mode="ab": Full(real(path, mode), path)
    )
    cid = recorded_conversation(demo_env, transfer=True)
    args = [
        "fetch",
        cid,
        "--base-url",
        demo_env.base_url,
        "--to",
        str(tmp_path / "o"),
        "--format",
        "mono",
        "-q",
    ]
    assert main(args) == 1
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if "space" in x]
    assert (
        line.startswith("genesys-tui: no space left in ")
        and "staging" in line
        and "Traceback" not in err
    )
    monkeypatch.setattr(presigned, "open_nofollow", real)
    assert main(["jobs", "--json", "--base-url", demo_env.base_url]) == 0
    states = {json.loads(x)["state"] for x in capsys.readouterr().out.splitlines()}
    assert states <= {"queued", "downloading", "resolving"}  # nothing claims done, nothing lost
    assert main(args) == 0
    assert len(list((tmp_path / "o").rglob("*.wav"))) == 2


def test_planning_rides_out_server_errors_and_revoked_tokens(
    fresh_emulator, tmp_path, capsys, monkeypatch
):
    """120 ids at 500=0.05 used to fail every run: planning retries like every other call."""
    import genesys_tui.flows.pull.outcomes as outcomes
    from genesys_tui.flows.pull import service

    monkeypatch.setenv("GENESYS_CLIENT_ID", fresh_emulator.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", fresh_emulator.emulator.s.client_secret)
    real = outcomes.retrying
    monkeypatch.setattr(service, "retrying", lambda call, **kw: real(call, delay=0.01))
    org = fresh_emulator.emulator.org
    ids = [
        org.ids[i]
        for i in range(len(org.ids))
        if org.recorded[i] and not org.live[i] and not org.archived[i]
    ][:40]
    fresh_emulator.emulator.faults.set(
        "500@analytics.details.get=0.5,revoke@analytics.details.get=0.2,"
        "500@conversations.get=0.1,revoke@conversations.get=0.05"
    )
    from genesys_tui.cli import fetch

    seen = {}

    def record(ctx, jobs):
        seen["jobs"] = jobs
        return 0

    monkeypatch.setattr(fetch, "summary", record)
    monkeypatch.setattr(QueueRunner, "run", lambda self, ids=None: _nothing())
    assert (
        main(["fetch", *ids, "--base-url", fresh_emulator.base_url, "--to", str(tmp_path), "-q"])
        == 0
    )
    planned = [j for j in seen["jobs"] if j.is_expansion]
    assert len(planned) == len(ids) and not [j for j in planned if j.state == "failed"]
    stats = fresh_emulator.emulator.stats
    assert (
        stats["analytics.details.get"] + stats["conversations.get"] > 1
    )  # what failed was asked again


async def _nothing():
    return None


def test_progress_counts_this_runs_recordings_not_the_store(tmp_path):
    from rich.console import Console
    from rich.progress import Progress

    from genesys_tui.cli.fetch import ProgressView, _Amount
    from genesys_tui.flows.pull.model import QueueTotals
    from genesys_tui.flows.pull.store import JobStore

    store = JobStore(tmp_path / "jobs.sqlite3")
    old, _ = store.add("old", "*", "wav", "/t")
    for n in range(20):  # an earlier run's 20 recordings, all done
        j, _ = store.add("old", f"r{n}", "wav", "/t", parent_id=old.id)
        store.update(j, state="done")
    mine, _ = store.add("new", "*", "wav", "/t")
    kids = [store.add("new", f"r{n}", "wav", "/t", parent_id=mine.id)[0] for n in range(3)]
    store.update(kids[0], state="done")
    console = Console(record=True, width=120, file=open("/dev/null", "w"))  # noqa: SIM115
    with Progress(_Amount(), console=console) as progress:
        view = ProgressView(progress)
        view.follow(store, [mine.id])
        view.handle(QueueTotals({"done": 21, "queued": 2}, 0, 0, 0.0, None))
        task = progress.tasks[0]
        assert (task.completed, task.total) == (1, 3) and "1/3 finished" in task.description
        assert str(_Amount().render(task)) == "1/3 recordings"
        from genesys_tui.cli.fetch import _Speed

        assert str(_Speed().render(task)) == ""  # no "B/s" for a count of recordings


def test_clear_all_forgets_what_a_crash_left_mid_step_unless_a_queue_runs(
    demo_env, tmp_path, capsys
):
    from genesys_tui.flows.pull.holder import lock_queue
    from genesys_tui.flows.pull.store import JobStore

    cid = recorded_conversation(demo_env)
    base = ["--base-url", demo_env.base_url]
    assert main(["fetch", cid, *base, "--to", str(tmp_path / "o"), "--format", "wav", "-q"]) == 0
    store = JobStore(_store_of(demo_env))
    [job] = [j for j in store.all() if not j.is_expansion and j.conversation_id == cid]
    store.update(job, state="downloading")  # as a kill -9 leaves it
    fd = lock_queue(store.path)
    capsys.readouterr()
    assert main(["jobs", "clear", "--all", *base]) == 1
    assert "another genesys-tui is running this queue" in capsys.readouterr().err
    import os

    os.close(fd)
    assert main(["jobs", "clear", "--all", *base]) == 0
    assert not [j for j in store.all() if j.conversation_id == cid]


def _store_of(srv):
    import os
    from pathlib import Path

    return (
        Path(os.environ["XDG_DATA_HOME"])
        / "genesys-tui"
        / "orgs"
        / srv.emulator.org.id
        / "jobs.sqlite3"
    )


def test_explicit_ids_are_planned_100_a_request(fresh_emulator, tmp_path, capsys, monkeypatch):
    from genesys_tui.cli import fetch

    monkeypatch.setenv("GENESYS_CLIENT_ID", fresh_emulator.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", fresh_emulator.emulator.s.client_secret)
    org = fresh_emulator.emulator.org
    ids = [org.ids[i] for i in range(len(org.ids)) if org.recorded[i] and not org.live[i]][:150]
    monkeypatch.setattr(QueueRunner, "run", lambda self, ids=None: _nothing())
    monkeypatch.setattr(fetch, "summary", lambda ctx, jobs: 0)
    assert (
        main(["fetch", *ids, "--base-url", fresh_emulator.base_url, "--to", str(tmp_path), "-q"])
        == 0
    )
    stats = fresh_emulator.emulator.stats
    assert stats["analytics.details.get"] == 2 and stats["conversations.get"] == 0


def test_the_progress_shows_the_conversations_being_planned():
    from rich.console import Console
    from rich.progress import Progress

    from genesys_tui.cli.fetch import ProgressView, _Amount
    from genesys_tui.flows.pull.model import JobEvent, QueueTotals

    console = Console(record=True, width=120, file=open("/dev/null", "w"))  # noqa: SIM115
    with Progress(_Amount(), console=console) as progress:
        view = ProgressView(progress)
        view.handle(QueueTotals({}, 0, 0, 0.0, None, planning=120))
        note = "batch 1 of 2: waiting for Genesys (37 of 100 recordings ready)"
        view.handle(JobEvent(7, "resolving", label="c all recordings", note=note, planning=True))
        line = next(t for t in progress.tasks if t.description.startswith("planning"))
        assert line.description == f"planning 120 conversations: {note}"
        assert str(_Amount().render(line)) == ""
        assert len(progress.tasks) == 2  # the run's bar and the planning line: no bar per call
        view.handle(QueueTotals({"queued": 300}, 0, 0, 0.0, None, planning=0))
        assert not [t for t in progress.tasks if t.description.startswith("planning")]


def test_a_batch_leaving_out_sensitive_recordings_is_said_with_why(
    fresh_emulator, monkeypatch, tmp_path, capsys
):
    """post_recording_batchrequests (SDK 257.1.0): without viewSensitiveData, in an org that
    redacts, recordings with sensitive data are left out of a batch download without error. fetch
    finds out (what the conversation holds against what came back) and says what and why."""
    from genesys_tui.emulator.permissions import ALL_PERMISSIONS, VIEW_SENSITIVE

    srv = fresh_emulator
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    org = srv.emulator.org
    usable = [
        i
        for i in range(len(org.ids))
        if org.recorded[i] and not org.live[i] and not org.archived[i]
    ]
    hidden = next(org.ids[i] for i in usable if org.sensitive[i])
    plain = next(org.ids[i] for i in usable if not org.sensitive[i])
    srv.emulator.granted = ALL_PERMISSIONS - {VIEW_SENSITIVE}
    args = ["fetch", hidden, plain, "--base-url", srv.base_url, "--to", str(tmp_path / "a"), "-q"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "left out of the batch download" in err and VIEW_SENSITIVE in err, err
    assert any(plain in str(p) for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert not any(hidden in str(p) for p in (tmp_path / "a").rglob("*") if p.is_file())
    srv.emulator.granted = ALL_PERMISSIONS  # with the permission, the batch holds it
    args[6] = str(tmp_path / "b")
    assert main(args) == 0
    assert any(hidden in str(p) for p in (tmp_path / "b").rglob("*") if p.is_file())


def test_a_live_call_is_in_progress_not_a_failure(demo_env, tmp_path, capsys):
    """Its recording comes when it ends: said, exit 3, and no job is left that nothing runs."""
    org = demo_env.emulator.org
    live = next(org.ids[i] for i in range(len(org.ids)) if org.live[i])
    args = ["fetch", live, "--base-url", demo_env.base_url, "--to", str(tmp_path), "-q"]
    assert main(args) == 3
    assert "in progress: its recording comes when the call ends" in capsys.readouterr().err
    assert main(["jobs", "--json", "--base-url", demo_env.base_url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert not [r for r in rows if r["conversationId"] == live]


def test_a_call_without_recordings_says_so_and_exits_3(demo_env, tmp_path, capsys):
    org = demo_env.emulator.org
    bare = next(org.ids[i] for i in range(len(org.ids)) if not org.recorded[i] and not org.live[i])
    base = ["--base-url", demo_env.base_url]
    assert main(["fetch", bare, *base, "--to", str(tmp_path), "-q"]) == 3
    err = capsys.readouterr().err
    assert f"{bare}: the conversation has no recordings" in err and "nothing to fetch" in err
    assert main(["recordings", bare, *base]) == 3
    assert "has no recordings" in capsys.readouterr().err


def test_a_run_whose_bars_nobody_sees_prints_a_line_now_and_then(
    fresh_emulator, monkeypatch, tmp_path, capsys
):
    """Piped (capsys is no terminal) or -q: while Genesys prepares a batch, a line on stderr
    says where the run stands (every 10 s; here every 0.05 s)."""
    from genesys_tui.cli import fetch as fetch_cli

    srv = fresh_emulator
    srv.emulator.s.batch_seconds = 1.0
    monkeypatch.setattr(fetch_cli, "HEARTBEAT", 0.05)
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    cid = recorded_conversation(srv)
    args = ["fetch", cid, "--batch", "--base-url", srv.base_url, "--to", str(tmp_path), "-q"]
    assert main(args) == 0
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("fetch: ")]
    assert len(lines) >= 3 and any("planning 1 conversation" in x for x in lines), lines
    assert any("Genesys is" in x for x in lines), lines
