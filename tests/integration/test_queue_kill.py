"""kill -9 at random moments, then run again: everything completes, nothing is duplicated, no
partial file and no orphaned multipart upload remains."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import soundfile as sf

from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.pull.model import DONE
from genesys_tui.flows.pull.store import JobStore
from tests.conftest import small_org

INTERVAL = "2026-05-01/2026-05-15"


def fetch_cmd(base_url: str, out: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "genesys_tui",
        "fetch",
        "--base-url",
        base_url,
        "--interval",
        INTERVAL,
        "--to",
        out,
        "-q",
        *extra,
    ]


def env_for(srv: EmulatorServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GENESYS_CLIENT_ID": srv.emulator.s.client_id,
        "GENESYS_CLIENT_SECRET": srv.emulator.s.client_secret,
        **extra,
    }


def expected(srv: EmulatorServer, limit: int) -> set[str]:
    org = srv.emulator.org
    ids = set()
    count = 0
    for i in range(len(org.ids)):  # the same conversations fetch plans: recorded, in start order
        if org.recorded[i] and not org.live[i]:
            count += 1
            if count > limit:
                break
            if not org.archived[i]:
                ids |= {r.id for r in org.detail(i).recordings}
    return ids


def kill_and_restart(cmd, env, rng, kills: int, *, wait_for=None) -> list[float]:
    moments = []
    for _ in range(kills):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait_for is not None:
            deadline = time.monotonic() + 60
            while not wait_for() and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.02)
            moment = 0.0
        else:
            moment = rng.uniform(0.4, 3.0)
            time.sleep(moment)
        moments.append(moment)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
    return moments


def test_kill_9_at_random_moments_then_complete(tmp_path, isolated_home):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    with EmulatorServer(
        small_org(conversations=120, duration_scale=0.3, seed=17, transcode_seconds=0.1)
    ) as srv:
        out = tmp_path / "out"
        cmd = fetch_cmd(
            srv.base_url, str(out), "--format", "mono", "--limit", "25", "--workers", "3"
        )
        env = env_for(srv)
        moments = kill_and_restart(cmd, env, rng, kills=4)
        store = JobStore(
            Path(isolated_home["XDG_DATA_HOME"])
            / "genesys-tui"
            / "orgs"
            / srv.emulator.org.id
            / "jobs.sqlite3"
        )
        before = [j for j in store.all() if not j.is_expansion]
        assert before and any(j.state != DONE for j in before), (
            "the kills must leave work to resume"
        )
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode in (0, 1), (
            final.stderr
        )  # 1: some archived recordings failed, as they should
        want = expected(srv, 25)
    context = f"seed {seed}, kills at {moments}"
    files = sorted(out.rglob("*.mono.wav"))
    assert not list(out.rglob("*.part")), context
    names = [f.name for f in files]
    assert len(names) == len(set(names)) == len(want), context
    assert {n.split("_", 1)[1].split(".")[0] for n in names} == want, context
    for f in files:
        info = sf.info(str(f))
        assert info.channels == 1 and info.frames > 0
    done = [j for j in store.all([DONE]) if not j.is_expansion]
    assert {j.recording_id for j in done} == want, context
    for j in done:
        assert (
            hashlib.sha256(Path(j.outputs[0]["location"]).read_bytes()).hexdigest()
            == j.outputs[0]["sha256"]
        )
    staging = Path(isolated_home["XDG_DATA_HOME"]) / "genesys-tui" / "staging"
    assert not [p for p in staging.iterdir() if p.is_file()] if staging.exists() else True, context


def test_kill_9_mid_s3_upload_leaves_no_orphan(tmp_path, s3, isolated_home):
    client, bucket, endpoint = s3
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[profiles.default]\n[profiles.default.s3]\nendpoint_url = "{endpoint}"\n')
    with EmulatorServer(
        small_org(conversations=60, duration_scale=1.0, seed=23, transcode_seconds=0.1)
    ) as srv:
        target = f"s3://{bucket}/calls"
        cmd = fetch_cmd(
            srv.base_url, target, "--format", "wav", "--limit", "6", "--config", str(cfg)
        )
        env = env_for(srv)

        def uploading() -> bool:
            return bool(client.list_multipart_uploads(Bucket=bucket).get("Uploads"))

        kill_and_restart(cmd, env, random.Random(0), kills=1, wait_for=uploading)
        assert uploading(), "the kill was meant to land mid-upload"
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode in (0, 1), final.stderr
        want = expected(srv, 6)
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    wavs = [k for k in keys if k.endswith(".wav")]
    assert len(wavs) == len(set(wavs)) == len(want)
    assert all(k.replace(".wav", ".json") in keys for k in wavs)


def test_ctrl_c_stops_cleanly_and_the_same_command_continues(tmp_path, isolated_home):
    with EmulatorServer(
        small_org(conversations=120, duration_scale=0.3, seed=19, transcode_seconds=0.1)
    ) as srv:
        out = tmp_path / "out"
        cmd = fetch_cmd(
            srv.base_url, str(out), "--format", "wav", "--limit", "20", "--workers", "2"
        )
        env = env_for(srv)
        store_path = (
            Path(isolated_home["XDG_DATA_HOME"])
            / "genesys-tui"
            / "orgs"
            / srv.emulator.org.id
            / "jobs.sqlite3"
        )
        # Downloads past the third wait in the emulator until released: the run cannot finish
        # before the interrupt, however fast or busy the machine is.
        control = httpx.Client(base_url=srv.base_url)
        assert control.post("/__emulator/hold", json={"media_after": 3}).status_code == 200
        p = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # interrupt once some, not all, recordings are done
            held = control.get("/__emulator/state").json()["stats"].get("s3.held", 0)
            if held and store_path.exists():
                jobs = [j for j in JobStore(store_path).all() if not j.is_expansion]
                if any(j.state == DONE for j in jobs):
                    break
            assert p.poll() is None, p.communicate()[1][-2000:]
            time.sleep(0.05)
        else:
            raise AssertionError("no recording was done, or no download held, in 120 s")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        control.post("/__emulator/hold", json={"release": True})
        assert p.returncode == 130 and "run the same command again" in err
        jobs = [j for j in JobStore(store_path).all() if not j.is_expansion]
        assert jobs and any(j.state != DONE for j in jobs)
        assert all(j.state in (DONE, "queued", "failed") for j in jobs)  # nothing left mid-step
        assert not list(out.rglob("*.part"))
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode in (0, 1), final.stderr
        want = expected(srv, 20)
    names = [f.name for f in out.rglob("*.wav")]
    assert len(names) == len(set(names)) == len(want)
