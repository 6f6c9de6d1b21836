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
