"""The queue against the shell pipeline a user would otherwise write, same machine, same run:
500 recordings from the emulator to local mono WAV.

- ours: `genesys-tui fetch --interval ... --format mono --batch` (plan, resolve, download, verify,
  convert, sidecar), end to end, as a separate process;
- theirs: `curl --parallel` on the same presigned URLs (handed to it for free), then
  `sox -D in.wav -c 1 out.wav` on each file.

Targets: at least 1.5x faster end to end; fewer than 0.1 API calls per recording with --batch.
Run: python bench/queue.py   (installs curl and sox with apt if missing; writes bench/RESULTS.md)
"""

from __future__ import annotations

import sys

# bench/queue.py is named like the standard library's queue: keep this folder off sys.path and load
# the shared helper by its path.
sys.path = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]

import importlib.util  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

_spec = importlib.util.spec_from_file_location("_results", _Path(__file__).with_name("_results.py"))
_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_results)

import asyncio
import importlib.util
import os
import platform
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta

WORK, ensure_tools, write_section = _results.WORK, _results.ensure_tools, _results.write_section

from genesys_tui.emulator import EmulatorServer, EmulatorSettings  # noqa: E402

RECORDINGS = 500


def settings() -> EmulatorSettings:
    anchor = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)
    return EmulatorSettings(
        seed=3,
        conversations=620,
        days=10,
        anchor=anchor,
        transcode_seconds=0.0,
        batch_seconds=0.5,
        original_format="WAV",
        rate_limit_per_minute=300,
        archive_rate=0.0,
    )


async def presigned_urls(srv: EmulatorServer, limit: int) -> list[tuple[str, str]]:
    """(file name, URL) for the recordings of the first conversations holding `limit` recordings,
    through batch requests (not timed)."""
    from genesys_tui.genesys.client import GenesysClient
    from genesys_tui.genesys.regions import hosts_for

    org = srv.emulator.org
    s = srv.emulator.s
    pairs = []
    async with GenesysClient.with_client_credentials(
        hosts_for("", srv.base_url), s.client_id, s.client_secret, rate_limit_per_minute=100_000
    ) as c:
        cids = [
            org.ids[i]
            for i in range(len(org.ids))
            if org.recorded[i] and not org.live[i] and not org.archived[i]
        ]
        for k in range(0, len(cids), 100):
            job = await c.recordings.submit_batch([(cid, None) for cid in cids[k : k + 100]])
            status = await c.recordings.wait_batch(job, interval=0.2)
            for cid in cids[k : k + 100]:
                pairs += [
                    (f"{r.conversation_id}_{r.recording_id}.wav", r.result_url)
                    for r in status.results
                    if r.result_url and r.conversation_id == cid
                ]
                if len(pairs) >= limit:
                    return pairs
    return pairs


def main() -> None:
    ensure_tools("curl", "sox", packages=("curl", "sox"))
    WORK.mkdir(exist_ok=True)
    ours_dir, theirs_dl, theirs_out = WORK / "q-ours", WORK / "q-curl", WORK / "q-sox"
    for d in (ours_dir, theirs_dl, theirs_out):
        shutil.rmtree(d, ignore_errors=True)
    home = WORK / "q-home"
    shutil.rmtree(home, ignore_errors=True)
    with EmulatorServer(settings()) as srv:
        # Warm the emulator's media cache so neither side pays for synthesis.
        pairs = asyncio.run(presigned_urls(srv, RECORDINGS))
        n = len(pairs)
        conversations = {name.split("_")[0] for name, _ in pairs}
        anchor = srv.emulator.s.anchor
        interval = f"{(anchor - timedelta(days=11)).date()}/{(anchor + timedelta(days=1)).date()}"
        env = {
            **os.environ,
            "GENESYS_CLIENT_ID": srv.emulator.s.client_id,
            "GENESYS_CLIENT_SECRET": srv.emulator.s.client_secret,
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_STATE_HOME": str(home / "state"),
        }
        api_before = srv.emulator.stats["api"]

        # ours
        t = time.perf_counter()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "genesys_tui",
                "fetch",
                "--base-url",
                srv.base_url,
                "--interval",
                interval,
                "--limit",
                str(len(conversations)),
                "--format",
                "mono",
                "--batch",
                "--to",
                str(ours_dir),
                "--workers",
                "8",
                "-q",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        ours = time.perf_counter() - t
        api_calls = srv.emulator.stats["api"] - api_before
        ours_files = list(ours_dir.rglob("*.mono.wav"))
        if r.returncode not in (0, 1):
            raise SystemExit(f"fetch failed: {r.stderr[-2000:]}")

        # theirs: curl --parallel, then sox on each file
        theirs_dl.mkdir(parents=True)
        theirs_out.mkdir(parents=True)
        cfg = WORK / "q-curl.cfg"
        cfg.write_text(
            "".join(f'url = "{url}"\noutput = "{theirs_dl / name}"\n' for name, url in pairs)
        )
        t = time.perf_counter()
        subprocess.run(
            ["curl", "--parallel", "--parallel-max", "8", "-sS", "--fail", "-K", str(cfg)],
            check=True,
        )
        t_curl = time.perf_counter() - t
        t2 = time.perf_counter()
        for f in sorted(theirs_dl.iterdir()):
            subprocess.run(["sox", "-D", str(f), "-c", "1", str(theirs_out / f.name)], check=True)
        t_sox = time.perf_counter() - t2
        theirs = t_curl + t_sox

    mb = sum(f.stat().st_size for f in theirs_dl.iterdir()) / 1e6
    rows = [
        f"| {n} recordings ({mb:.0f} MB of WAV) to mono WAV, end to end | {ours:.1f} s ({len(ours_files)} files, "
        f"verified, with sidecars) | curl --parallel 8: {t_curl:.1f} s + sox on each: {t_sox:.1f} s = {theirs:.1f} s | "
        f"**{theirs / ours:.2f}x** (target 1.5x) |",
        f"| API calls with --batch (planning included) | {api_calls} for {len(ours_files)} recordings = "
        f"{api_calls / max(1, len(ours_files)):.3f} per recording | (the shell pipeline was handed its URLs) | "
        f"**{'met' if api_calls / max(1, len(ours_files)) < 0.1 else 'MISSED'}** (target < 0.1) |",
    ]
    body = (
        f" ({datetime.now(UTC):%Y-%m-%d}, `python bench/queue.py`)\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores. The emulator serves both sides from one process "
        "on 127.0.0.1 with its media cache warmed first; originals are 16-bit stereo WAV at 8 kHz. Ours runs "
        "`genesys-tui fetch --format mono --batch --workers 8` as its own process (start-up, planning and "
        "resolution included); theirs gets the presigned URLs for free.\n\n"
        "| measurement | genesys-tui | shell pipeline | ratio / verdict |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    print(body)
    write_section("Download queue", body)
    for d in (ours_dir, theirs_dl, theirs_out, home):
        shutil.rmtree(d, ignore_errors=True)
    cfg.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
