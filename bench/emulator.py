"""How fast the emulator makes a recording: synthesis of a 10-minute dual-channel call (target: well
under a second), and each format's encoder on it.

Run: python bench/emulator.py   (appends its numbers to bench/RESULTS.md; --smoke: a tiny org)
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

import io
import statistics
import time
from datetime import UTC, datetime

write_section = _results.write_section

from genesys_tui.emulator import audio
from genesys_tui.emulator.org import Org
from genesys_tui.emulator.settings import EmulatorSettings

LENGTH_MS = _results.scaled(600_000, 20_000)  # the call's length (a smoke: a short one)


def ten_minute_call(org: Org):
    best = None
    for i in range(len(org.ids)):
        if org.recorded[i] and not org.live[i] and not org.transfer[i]:
            d = org.detail(i)
            rec = d.recordings[0]
            if best is None or abs(rec.media_ms - LENGTH_MS) < abs(best[1].media_ms - LENGTH_MS):
                best = (d, rec)
    return best


def main() -> None:
    org = Org(EmulatorSettings(conversations=60 if _results.SMOKE else 2000, seed=5))
    d, rec = ten_minute_call(org)
    minutes = rec.media_ms / 60000
    audio.render(d, rec)  # warm caches (carrier tiles)
    times = []
    for _ in range(1 if _results.SMOKE else 5):
        t = time.perf_counter()
        _ = d.phrases
        pcm = audio.render(d, rec)
        times.append(time.perf_counter() - t)
    synth = statistics.median(times)
    lines = [
        f" ({datetime.now(UTC):%Y-%m-%d}, `python bench/emulator.py`)",
        "",
        f"Call of {minutes:.1f} min, 8 kHz stereo, {len(d.phrases)} phrases.",
        "",
        "| step | seconds | per 10 min of audio |",
        "|---|---|---|",
        f"| synthesis (render) | {synth:.3f} | {synth * 10 / minutes:.3f} |",
    ]
    for fmt in audio.FORMATS:
        buf = io.BytesIO()
        t = time.perf_counter()
        audio.encode(pcm, 8000, fmt, buf)
        el = time.perf_counter() - t
        lines.append(f"| encode {fmt} | {el:.3f} | {el * 10 / minutes:.3f} |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    write_section("Emulator media generation", text)


if __name__ == "__main__":
    main()
