"""`transcript`, `metrics` and `serve` against the emulator over real HTTP; archiving to a local
directory and to S3 (moto's server)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from genesys_tui.cli.main import main
from tests.integration.test_emulator_contract import recorded_conversation


def test_transcript_to_stdout_in_each_format(demo_env, capsys):
    cid = recorded_conversation(demo_env, pause=True, transcribed=True)
    base = ["--base-url", demo_env.base_url]
    assert main(["transcript", cid, *base]) == 0
    txt = capsys.readouterr().out
    assert txt.startswith(f"# conversation {cid}") and re.search(
        r"^\[00:00:\d\d\] (Agent|Customer|IVR): ", txt, re.M
    )
    assert main(["transcript", cid, "--format", "vtt", "--role", "customer", *base]) == 0
    vtt = capsys.readouterr().out
    assert vtt.startswith("WEBVTT") and "<v Customer>" in vtt and "<v Agent>" not in vtt
    assert main(["transcript", cid, "--format", "json", *base]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["conversationId"] == cid and all(
        p["recordingOffsetMs"] is not None for p in doc["phrases"]
    )
    assert main(["transcript", cid, "--format", "srt", *base]) == 0
    assert re.search(r"^\d\d:\d\d:\d\d,\d{3} --> ", capsys.readouterr().out, re.M)


def test_no_transcript_exits_3_with_the_reason(demo_env, capsys):
    cid = recorded_conversation(demo_env, transcribed=False)
    assert main(["transcript", cid, "--base-url", demo_env.base_url]) == 3
    err = capsys.readouterr().err
    assert "voice transcription is not enabled" in err and "Traceback" not in err


def test_a_transcript_that_cannot_be_downloaded_exits_1_not_3(
    fresh_emulator, capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("GENESYS_CLIENT_ID", fresh_emulator.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", fresh_emulator.emulator.s.client_secret)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    fresh_emulator.emulator.faults.set("expire=1")  # every transcript URL refused
    assert main(["transcript", cid, "--base-url", fresh_emulator.base_url]) == 1
    assert main(["metrics", cid, "--base-url", fresh_emulator.base_url]) == 1
    assert "could not be" in capsys.readouterr().err


def test_a_wrong_id_is_one_line(demo_env, capsys):
    with pytest.raises(SystemExit) as refused:  # not an ID: refused before any request
        main(["transcript", "not-an-id", "--base-url", demo_env.base_url])
    assert refused.value.code == 2 and "not a conversation ID" in capsys.readouterr().err
    assert (
        main(["metrics", "00000000-0000-4000-8000-000000000000", "--base-url", demo_env.base_url])
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not found" in err[0]


def test_metrics_table_json_and_csv(demo_env, capsys):
    cid = recorded_conversation(demo_env, pause=True, transcribed=True)
    base = ["--base-url", demo_env.base_url]
    assert main(["metrics", cid, "--json", *base]) == 0
    m = json.loads(capsys.readouterr().out)
    assert (
        m["secure_pause_ms"] > 0
        and m["speaker_turns"] > 0
        and set(m["talk_ms"]) >= {"agent", "customer"}
    )
    assert main(["metrics", cid, "--csv", *base]) == 0
    rows = {r[0]: r[1] for r in csv.reader(io.StringIO(capsys.readouterr().out))}
    assert rows["speaker_turns"] == str(m["speaker_turns"])
    assert main(["metrics", cid, *base]) == 0
    assert "longest dead air" in capsys.readouterr().out


def test_transcript_archived_to_a_directory(demo_env, capsys, tmp_path):
    cid = recorded_conversation(demo_env, transcribed=True)
    assert (
        main(
            [
                "transcript",
                cid,
                "--format",
                "vtt",
                "--to",
                str(tmp_path),
                "--base-url",
                demo_env.base_url,
            ]
        )
        == 0
    )
    written = capsys.readouterr().out.split()
    assert len(written) == 3 and any(p.endswith(".metrics.csv") for p in written)
    vtt = next(p for p in written if p.endswith(".transcript.vtt"))
    summary = next(p for p in written if p.endswith(".summary.json"))
    from pathlib import Path

    assert Path(vtt).read_text().startswith("WEBVTT") and cid in os.path.basename(vtt)
    assert json.loads(Path(summary).read_text())["metrics"]["phrases"] > 0
    assert not list(tmp_path.rglob("*.part"))


def test_transcript_archived_to_s3(demo_env, s3, capsys):
    client, bucket, endpoint = s3
    cid = recorded_conversation(demo_env, transcribed=True)
    cfg = demo_env  # the profile's S3 endpoint comes from the config file
    path = os.environ["XDG_CONFIG_HOME"] + "/genesys-tui/config.toml"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(
            f'[profiles.default]\nbase_url = "{cfg.base_url}"\n[profiles.default.s3]\nendpoint_url = "{endpoint}"\n'
        )
    assert main(["transcript", cid, "--format", "json", "--to", f"s3://{bucket}/qa"]) == 0
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 3 and all(k.startswith("qa/") for k in keys)
    tkey = next(k for k in keys if k.endswith(".transcript.json"))
    body = json.loads(client.get_object(Bucket=bucket, Key=tkey)["Body"].read())
    assert body["conversationId"] == cid
    tags = {
        t["Key"]: t["Value"] for t in client.get_object_tagging(Bucket=bucket, Key=tkey)["TagSet"]
    }
    assert tags["conversationId"] == cid and tags["format"] == "transcript"


def test_serve_in_a_subprocess(demo_env, tmp_path):
    cid = recorded_conversation(demo_env, transcribed=True)
    env = {
        **os.environ,
        "GENESYS_CLIENT_ID": demo_env.emulator.s.client_id,
        "GENESYS_CLIENT_SECRET": demo_env.emulator.s.client_secret,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "genesys_tui", "serve", cid, "--base-url", demo_env.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            m = re.search(r"(http://127\.0\.0\.1:\d+/[\w-]+/)", line)
            url = m.group(1) if m else None
        assert url, proc.stderr.read()
        for _ in range(100):
            try:
                page = httpx.get(url)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert page.status_code == 200 and "audio/0.webm" in page.text
        audio = httpx.get(url + "audio/0.webm", timeout=60)
        assert audio.status_code == 200 and audio.content[:4] == b"\x1a\x45\xdf\xa3"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _cue_starts(vtt: str) -> list[str]:
    return re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> ", vtt, re.M)


def test_a_transferred_call_exports_one_valid_file_per_recording(demo_env, capsys, tmp_path):
    """Two recordings: each gets its own VTT named like its audio, cues in order from its own zero;
    on stdout VTT asks for --recording, TXT marks each recording's section."""
    from pathlib import Path

    cid = recorded_conversation(demo_env, transfer=True, transcribed=True)
    base = ["--base-url", demo_env.base_url]
    assert main(["transcript", cid, "--format", "vtt", "--to", str(tmp_path), *base]) == 0
    vtts = sorted(p for p in capsys.readouterr().out.split() if p.endswith(".transcript.vtt"))
    assert len(vtts) == 2 and len({os.path.basename(p).split(".")[0] for p in vtts}) == 2
    for p in vtts:
        starts = _cue_starts(Path(p).read_text())
        assert starts and starts == sorted(starts)  # never restarting halfway
    assert main(["transcript", cid, "--format", "vtt", *base]) == 2
    assert "--recording" in capsys.readouterr().err
    for n in ("1", "2"):
        assert main(["transcript", cid, "--format", "vtt", "--recording", n, *base]) == 0
        starts = _cue_starts(capsys.readouterr().out)
        assert starts and starts == sorted(starts)
    assert main(["transcript", cid, *base]) == 0
    txt = capsys.readouterr().out
    assert "# recording 1 of 2:" in txt and "# recording 2 of 2:" in txt
    assert main(["transcript", cid, "--recording", "3", *base]) == 2


def test_the_html_report_is_one_self_contained_page(demo_env, capsys):
    import html as h

    cid = recorded_conversation(demo_env, pause=True, transcribed=True)
    assert main(["transcript", cid, "--format", "html", "--base-url", demo_env.base_url]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<svg" in page and page.count("<line x1=") > 100  # the waveform, drawn
    assert "<h2>QA metrics</h2>" in page and "<h2>Transcript</h2>" in page
    d = demo_env.emulator.org.detail(demo_env.emulator.org.find(cid))
    spoken = [p.text for p in d.phrases][:5]
    assert all(h.escape(t, quote=True) in page for t in spoken)
    assert "<script" not in page and "http" not in page.split("<body>", 1)[1]  # nothing remote
