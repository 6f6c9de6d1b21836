"""`genesys-tui export …` against the emulator over real HTTP: Genesys's bulk EXPORT jobs writing
into a directory and into moto's S3 server, with the real layout, the 2-job limit, skips on a
second export, failed recordings, cancel, and a resumed export."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from genesys_tui.cli.main import main
from genesys_tui.emulator import EmulatorServer
from genesys_tui.emulator.exports import fails
from tests.conftest import ANCHOR, small_org

DAY = f"{(ANCHOR - timedelta(days=2)).date()}/{(ANCHOR - timedelta(days=1)).date()}"


def exporting(target: str, **kw):
    return EmulatorServer(
        small_org(**{"duration_scale": 0.05, "export_target": target, "job_seconds": 0.5, **kw})
    )


@pytest.fixture
def env(monkeypatch, isolated_home):
    def use(srv):
        monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
        cfg = Path(isolated_home["XDG_CONFIG_HOME"]) / "genesys-tui.toml"
        cfg.write_text(f'[profiles.default]\nbase_url = "{srv.base_url}"\n')
        monkeypatch.setenv("GENESYS_TUI_CONFIG", str(cfg))

    return use


def wait_done(srv, timeout=60.0) -> list[dict]:
    """Every job once none is pending or processing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        from genesys_tui.emulator.api_recording_jobs import _job_doc

        docs = [_job_doc(srv.emulator, j) for j in srv.emulator.jobs.values()]
        if all(d["state"] not in ("PENDING", "PROCESSING") for d in docs):
            return docs
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def test_export_writes_the_real_layout_and_a_second_export_skips(env, tmp_path, capsys):
    bucket = tmp_path / "bucket"
    with exporting(f"dir:{bucket}") as srv:
        env(srv)
        assert main(["export", "start", "--interval", DAY, "--yes", "--poll", "0.1"]) == 0
        out = capsys.readouterr()
        assert "recordings in" in out.out and "1 of 1 job(s) started" in out.out
        (job,) = wait_done(srv)
        assert job["state"] == "FULFILLED" and job["percentProgress"] == 100, job
        org = srv.emulator.org
        audio = sorted(bucket.rglob("*.opus"))
        assert len(audio) == job["totalProcessedRecordings"] > 0
        assert (
            job["totalProcessedRecordings"] + job["totalFailedRecordings"] == job["totalRecordings"]
        )
        for path in audio:
            rel = path.relative_to(bucket).parts
            assert (
                rel[0] == org.id
                and rel[1].startswith("year=")
                and rel[5].startswith("conversation_id=")
            )
            meta = json.loads(path.with_name(path.name + "_metadata.json").read_text())
            assert meta["mediaType"] == "Call" and meta["recordingId"] == path.stem
            assert path.read_bytes()[:4] == b"OggS"
        # the same range again: a new job, and everything exported before is skipped
        assert main(["export", "start", "--interval", DAY, "--yes", "--poll", "0.1"]) == 0
        docs = wait_done(srv)
        second = next(d for d in docs if d["id"] != job["id"])
        assert second["totalSkippedRecordings"] == job["totalProcessedRecordings"]
        assert second["totalProcessedRecordings"] == 0
        assert len(sorted(bucket.rglob("*.opus"))) == len(audio)
        # failed recordings are listed, as many as the job counted
        capsys.readouterr()
        assert main(["export", "failed", job["id"], "--json"]) == 0
        failed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert len(failed) == job["totalFailedRecordings"]
        assert all(fails(f["recordingId"]) for f in failed)
        assert main(["export", "list", "--json"]) == 0
        listed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert {x["id"] for x in listed} == {d["id"] for d in docs}


def test_export_into_s3_through_the_s3_protocol(env, s3, capsys):
    client, bucket, endpoint = s3
    with exporting(f"s3:{endpoint}/{bucket}") as srv:
        env(srv)
        assert main(["export", "start", "--interval", DAY, "--yes", "--poll", "0.1"]) == 0
        (job,) = wait_done(srv)
        keys = [
            o["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])
        ]
        audio = [k for k in keys if k.endswith(".opus")]
        assert len(audio) == job["totalProcessedRecordings"] > 0
        assert all(k + "_metadata.json" in keys for k in audio)
        assert all(k.startswith(f"{srv.emulator.org.id}/year=") for k in keys)


def test_without_an_integration_it_says_how_to_get_one(env, capsys):
    with EmulatorServer(small_org()) as srv:
        env(srv)
        assert main(["export", "start", "--interval", DAY, "--yes"]) == 1
        assert "no active AWS S3 Recording Bulk Actions integration" in capsys.readouterr().err
        assert not srv.emulator.jobs


def test_the_org_limit_of_two_active_jobs_is_waited_for(env, tmp_path, capsys):
    """Two jobs pending already (someone else's): ours waits for room, then runs."""
    import httpx

    with exporting(f"dir:{tmp_path / 'b'}", job_seconds=1.0) as srv:
        env(srv)
        s = srv.emulator.s
        tok = httpx.post(
            f"{srv.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(s.client_id, s.client_secret),
        ).json()["access_token"]
        body = {
            "action": "EXPORT",
            "actionAge": 0,
            "integrationId": "x",
            "conversationQuery": {
                "interval": DAY.replace("/", "T00:00:00.000Z/") + "T00:00:00.000Z"
            },
        }
        for _ in range(2):
            r = httpx.post(
                f"{srv.base_url}/api/v2/recording/jobs",
                json=body,
                headers={"Authorization": f"Bearer {tok}"},
            )
            assert r.status_code == 202
        third = httpx.post(
            f"{srv.base_url}/api/v2/recording/jobs",
            json=body,
            headers={"Authorization": f"Bearer {tok}"},
        )
        assert third.status_code == 400  # Genesys's limit, as the emulator keeps it
        assert main(["export", "start", "--interval", DAY, "--yes", "--poll", "0.2"]) == 0
        assert (
            "waiting: the org has 2 recording jobs pending or processing" in capsys.readouterr().err
        )


def test_declined_and_cancelled(env, tmp_path, capsys, monkeypatch):
    import io

    with exporting(f"dir:{tmp_path / 'b'}") as srv:
        env(srv)
        monkeypatch.setattr("genesys_tui.cli.export.is_tty", lambda: True)
        monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
        assert main(["export", "start", "--interval", DAY, "--poll", "0.1"]) == 4  # said no
        (job,) = srv.emulator.jobs.values()
        assert job["state"] == "CANCELLED"
        capsys.readouterr()
        assert main(["export", "cancel", job["id"]]) == 1  # over: nothing to cancel
        assert "nothing to cancel" in capsys.readouterr().err


def test_an_interrupted_export_resumes_where_it_stood(env, tmp_path, capsys, monkeypatch):
    """Two months: two jobs. The first run stops after creating the first; the second run
    continues with it instead of creating it again."""
    from genesys_tui.flows.export import service as export_service

    two_months = f"{(ANCHOR - timedelta(days=40)).date()}/{ANCHOR.date()}"
    with exporting(f"dir:{tmp_path / 'b'}", days=45, conversations=60) as srv:
        env(srv)
        real = export_service.ExportService._counted
        calls = {"n": 0}

        async def stop_once(self, piece, step):
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt
            return await real(self, piece, step)

        monkeypatch.setattr(export_service.ExportService, "_counted", stop_once)
        assert main(["export", "start", "--interval", two_months, "--yes", "--poll", "0.1"]) == 130
        assert len(srv.emulator.jobs) == 1
        assert main(["export", "start", "--interval", two_months, "--yes", "--poll", "0.1"]) == 0
        assert "resuming" in capsys.readouterr().err
        assert len(srv.emulator.jobs) == 2  # the first job reused, the second created


def test_an_interval_without_recordings_asks_nothing_and_cancels_its_job(env, tmp_path, capsys):
    empty = f"{(ANCHOR - timedelta(days=400)).date()}/{(ANCHOR - timedelta(days=399)).date()}"
    with exporting(f"dir:{tmp_path / 'b'}") as srv:
        env(srv)
        assert main(["export", "start", "--interval", empty, "--yes", "--poll", "0.1"]) == 0
        err = capsys.readouterr().err
        assert "no recordings from" in err
        (job,) = srv.emulator.jobs.values()
        assert job["state"] == "CANCELLED"


def test_an_interval_past_the_data_lake_is_cut_and_said(env, tmp_path, capsys):
    """RecordingJobsQuery (SDK 257.1.0): a job's query runs against the analytics data lake, so
    calls that ended after its dataAvailabilityDate are not matched; `export start` stops there
    and says how much is left, and refuses an interval the lake holds nothing of."""
    from genesys_tui.emulator.api_analytics_jobs import DATALAKE_LAG_MS

    bucket = tmp_path / "bucket"
    start = ANCHOR - timedelta(hours=6)
    interval = f"{start.isoformat()}/{ANCHOR.isoformat()}"
    with exporting(f"dir:{bucket}", pin_clock=True) as srv:  # its clock runs from ANCHOR
        env(srv)
        assert main(["export", "start", "--interval", interval, "--yes", "--poll", "0.1"]) == 0
        said = capsys.readouterr()
        err = said.err
        assert "sensitive data (PCI DSS or PII) are left out" in said.out  # and how to take them
        assert re.search(r"the last (59 min|1 h) of the interval is not exportable yet", err), err
        (job,) = srv.emulator.jobs.values()
        lake_ms = srv.emulator.now_ms() - DATALAKE_LAG_MS
        cut = job["query"]["conversationQuery"]["interval"].split("/")[1]
        assert (
            abs(datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp() * 1000 - lake_ms)
            < 120_000
        )
        org = srv.emulator.org
        assert job["matched"] and all(
            not org.live[i] and org.end[i] <= lake_ms and not org.sensitive[i]
            for i in job["matched"]
        )
        late = f"{(ANCHOR - timedelta(minutes=30)).isoformat()}/{ANCHOR.isoformat()}"
        assert main(["export", "start", "--interval", late, "--yes", "--poll", "0.1"]) != 0
        assert "nothing of the interval is in the analytics data lake" in capsys.readouterr().err
