"""Media engine against sox and ffmpeg, on the same inputs, in the same run.

- mono downmix throughput vs `sox -D in.wav -c 1 out.wav` (1-hour 8 kHz and 48 kHz stereo WAV);
- peak memory downmixing and transcoding a 2 GB WAV;
- WebM/Opus encoding vs `ffmpeg -i in.wav -c:a libopus -b:a 32k out.webm`;
- peaks for a 2-hour call (cold cache).

Run: python bench/media.py   (installs sox and ffmpeg with apt if missing; writes bench/RESULTS.md;
     --smoke: seconds-long inputs, no install, nothing written)
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
verdict = _results.verdict

import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

WORK, best_of, ensure_tools, max_rss_kb, write_section, scaled = (
    _results.WORK,
    _results.best_of,
    _results.ensure_tools,
    _results.max_rss_kb,
    _results.write_section,
    _results.scaled,
)

from genesys_tui.media.convert import ConvertOptions, convert_file  # noqa: E402
from genesys_tui.media.peaks import PeaksCache  # noqa: E402
from genesys_tui.media.wavio import S16, WavWriter  # noqa: E402


def make_call(path: Path, seconds: float, rate: int) -> Path:
    """Stereo 16-bit: speech-like bursts on alternating channels over a noise floor."""
    if path.exists() and path.stat().st_size >= seconds * rate * 4:
        return path
    rng = np.random.default_rng(1)
    w = WavWriter(path, rate, 2, S16)
    block = rate * 10
    t = np.arange(block) / rate
    voice = (np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)) * (
        0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    )
    for k in range(int(seconds // 10)):
        x = rng.standard_normal((block, 2)) * 60
        x[:, k % 2] += voice * 9000
        w.write(np.clip(x, -32768, 32767).astype(np.int16))
    w.close()
    return path


def clear(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def downmix_times(src: Path) -> tuple[float, float, float]:
    """(ours in-process, sox, ours through the CLI with the interpreter's start) in seconds."""
    out_dir, sox_out = WORK / "ours", WORK / "sox_mono.wav"
    ours = best_of(
        lambda: convert_file(src, out_dir, ConvertOptions("mono")), before=lambda: clear(out_dir)
    )
    sox = _results.other(
        "sox",
        lambda: best_of(
            lambda: subprocess.run(["sox", "-D", str(src), "-c", "1", str(sox_out)], check=True),
            before=lambda: clear(sox_out),
        ),
    )
    cli_cmd = [sys.executable, "-m", "genesys_tui", "convert", str(src), "--format", "mono",
               "--to", str(out_dir), "-q"]  # fmt: skip
    cli = best_of(lambda: subprocess.run(cli_cmd, check=True), before=lambda: clear(out_dir))
    return ours, sox, cli


def downmix_rows(label: str, src: Path, cli_target: float | None = None) -> list[str]:
    ours, sox, cli = downmix_times(src)
    _SOX[src] = sox
    mb = src.stat().st_size / 1e6
    judged = (
        f" **{verdict(sox / cli >= cli_target)}** (target {cli_target:g}x)" if cli_target else ""
    )
    return [
        f"| mono downmix, {label} ({mb:.0f} MB) | {ours:.3f} s ({mb / ours:.0f} MB/s) | "
        f"sox -D -c 1: {sox:.3f} s | **{sox / ours:.2f}x** (target 1.5x) |",
        f"| same via `genesys-tui convert` (process start included) | {cli:.3f} s | sox: {sox:.3f} s | "
        f"{sox / cli:.2f}x{judged} |",
    ]


BARE_NUMPY = """
import sys, numpy as np
a = np.fromfile(sys.argv[1], np.int16, offset=44).reshape(-1, 2)
((a[:, 0].astype(np.int32) + a[:, 1]) >> 1).astype(np.int16).tofile(sys.argv[2])
"""


def downmix_floor(src: Path) -> list[str]:
    """What no downmix through a new process can beat here: the interpreter's start with numpy,
    and moving the bytes (the source read, half of it written) with nothing done to them."""
    out = WORK / "floor.raw"
    start = best_of(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True))
    half = src.stat().st_size // 2 // (1 << 20)
    io = best_of(
        lambda: subprocess.run(
            f"dd if={src} of=/dev/null bs=1M status=none && "
            f"dd if=/dev/zero of={out} bs=1M count={half} status=none",
            shell=True,
            check=True,
        ),
        before=lambda: clear(out),
    )
    bare = best_of(
        lambda: subprocess.run([sys.executable, "-c", BARE_NUMPY, str(src), str(out)], check=True),
        before=lambda: clear(out),
    )
    clear(out)
    return [
        f"| the floor: `python -c 'import numpy'` + `dd` reading the file and writing half of it "
        f"| {start:.3f} s + {io:.3f} s = {start + io:.3f} s | | best possible: "
        f"**{_SOX[src] / (start + io):.2f}x** sox |",
        f"| the bare library: numpy in a new process (one core, the whole file in memory) | "
        f"{bare:.3f} s | | {_SOX[src] / bare:.2f}x sox |",
    ]


_SOX: dict[Path, float] = {}  # each source's sox time, for the floor rows


def downmix_only() -> None:
    """Issue 31's figure: the CLI against sox, process start included, on 30 minutes and an hour
    of 48 kHz stereo (and an hour of 8 kHz), in the same run. Target: 3x sox through the CLI."""
    import os
    import platform

    ensure_tools("sox", packages=("sox",))
    WORK.mkdir(exist_ok=True)
    rows = []
    for label, secs, rate in (("30 min, 48 kHz stereo", 1800, 48000),
                              ("1 h, 48 kHz stereo", 3600, 48000),
                              ("1 h, 8 kHz stereo", 3600, 8000)):  # fmt: skip
        src = make_call(WORK / f"dm_{secs}_{rate}.wav", scaled(secs, 20), rate)
        rows += downmix_rows(label, src, cli_target=3.0)
        rows += downmix_floor(src)
    body = "\n".join(
        [
            f" ({datetime.now():%Y-%m-%d}, `python bench/media.py --downmix`)",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores. Medians of 3 runs, outputs "
            "deleted before each; the CLI rows include the interpreter's start and imports.",
            "",
            "| measurement | genesys-tui | other tool | ratio / verdict |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    write_section("Downmix through the CLI (issue 31)", body)


def main() -> None:
    if "--downmix" in sys.argv:
        downmix_only()
        return
    ensure_tools("sox", "ffmpeg", packages=("sox", "libsox-fmt-all", "ffmpeg"))
    WORK.mkdir(exist_ok=True)
    rows = []
    inputs = {
        "1 h, 8 kHz stereo": make_call(WORK / "call_8k_1h.wav", scaled(3600, 20), 8000),
        "1 h, 48 kHz stereo": make_call(WORK / "call_48k_1h.wav", scaled(3600, 20), 48000),
    }

    # 1. mono downmix throughput
    for label, src in inputs.items():
        rows += downmix_rows(label, src)

    # 2. WebM/Opus encoding at the same bitrate
    src = inputs["1 h, 8 kHz stereo"]
    ours = best_of(
        lambda: convert_file(src, WORK / "ours", ConvertOptions("webm", bitrate=32000)),
        runs=1,
        before=lambda: clear(WORK / "ours"),
    )
    ff_out = WORK / "ffmpeg.webm"
    ff = _results.other(
        "ffmpeg",
        lambda: best_of(
            lambda: subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    str(src),
                    "-c:a",
                    "libopus",
                    "-b:a",
                    "32k",
                    str(ff_out),
                ],
                check=True,
            ),
            runs=1,
            before=lambda: clear(ff_out),
        ),
    )
    rows.append(
        f"| WebM/Opus 32 kb/s, 1 h 8 kHz stereo | {ours:.2f} s | ffmpeg -c:a libopus -b:a 32k: {ff:.2f} s | "
        f"**{ff / ours:.2f}x** (target 1.0x) |"
    )

    # 3. peaks for a 2-hour call, cold cache
    two_h = make_call(WORK / "call_8k_2h.wav", scaled(7200, 20), 8000)
    cache_dir = WORK / "peaks-cache"
    cold = best_of(lambda: PeaksCache(cache_dir).get(two_h), before=lambda: clear(cache_dir))
    t = time.perf_counter()
    PeaksCache(cache_dir).get(two_h)
    warm = time.perf_counter() - t
    rows.append(
        f"| peaks, 2 h 8 kHz stereo (SHA-256 + all levels + save) | cold {cold:.3f} s, warm {warm * 1000:.1f} ms "
        f"| target < 0.5 s | **{verdict(cold < 0.5)}** |"
    )

    # 4. peak memory on a 2 GB WAV
    big = make_call(WORK / "big_2gb.wav", scaled(2.0e9, 2.0e6) / (48000 * 4), 48000)
    gb = big.stat().st_size / 1e9
    for fmt, other in (
        ("mono", ["sox", "-D", str(big), "-c", "1", str(WORK / "sox_big.wav")]),
        (
            "webm",
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-i",
                str(big),
                "-c:a",
                "libopus",
                "-b:a",
                "32k",
                str(WORK / "ff_big.webm"),
            ],
        ),
    ):
        clear(WORK / "ours")
        el, kb = max_rss_kb(
            [
                sys.executable,
                "-m",
                "genesys_tui",
                "convert",
                str(big),
                "--format",
                fmt,
                "--to",
                str(WORK / "ours"),
                "-q",
            ]
        )
        oel, okb = (float("nan"), 0) if _results.skipped(other[0]) else max_rss_kb(other)
        rows.append(
            f"| peak memory, {'downmix' if fmt == 'mono' else 'WebM/Opus transcode'} of a {gb:.1f} GB WAV | "
            f"{kb / 1024:.0f} MB ({el:.1f} s) | {other[0]}: {okb / 1024:.0f} MB ({oel:.1f} s) | "
            f"**{'under' if kb < 100 * 1024 else 'OVER'} 100 MB** |"
        )
    clear(
        WORK / "ours",
        WORK / "sox_big.wav",
        WORK / "ff_big.webm",
        WORK / "ffmpeg.webm",
        WORK / "sox_mono.wav",
    )

    import platform

    body = (
        f" ({datetime.now(UTC):%Y-%m-%d}, `python bench/media.py`)\n\n"
        f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}. "
        "Times are medians of 3 runs with outputs deleted before each run (Opus: 1 run). "
        "Ratios are the other tool's time divided by ours (higher is better for us).\n\n"
        "| measurement | genesys-tui | other tool | ratio / verdict |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    print(body)
    write_section("Media engine", body)


if __name__ == "__main__":
    main()
