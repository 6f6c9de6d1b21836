"""Speed with the pitch kept: Review's player stretches time with libavfilter's atempo through
PyAV, a block at a time as it plays (media/tempo.py). Measured on the same clips against
`sox tempo` (WSOLA too), the tool a user would reach for: speed (seconds of audio stretched per
second of CPU) and what is heard (the pitch of a 440 Hz tone, and the length, at 1.5x), beside
the plain resampling the player did before (pitch follows speed).

Run: python bench/tempo.py   (installs sox with apt if missing; writes its table to RESULTS.md)
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

_spec = importlib.util.spec_from_file_location("_results", Path(__file__).with_name("_results.py"))
_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_results)

RATE, SPEED = 8000, 1.5


def a_call(path: Path) -> float:
    """A rendered call of the emulator (speech-like, stereo, 8 kHz) as WAV; its seconds."""
    from genesys_tui.emulator import audio
    from genesys_tui.emulator.org import Org
    from genesys_tui.emulator.settings import EmulatorSettings

    org = Org(EmulatorSettings(seed=3, conversations=_results.scaled(200, 40),
                               anchor=datetime(2026, 5, 14, tzinfo=UTC)))  # fmt: skip
    want = _results.scaled(300_000, 20_000)
    calls = [(d, r) for i in range(len(org.ids)) if org.recorded[i] and not org.live[i]
             for d in (org.detail(i),) for r in d.recordings]  # fmt: skip
    d, r = min(calls, key=lambda dr: abs(dr[1].wall_ms - want))
    samples = audio.render(d, r, RATE)
    sf.write(path, samples, RATE, subtype="PCM_16")
    return len(samples) / RATE


def stretch_ours(data: np.ndarray) -> np.ndarray:
    from genesys_tui.media.tempo import Stretcher

    s = Stretcher(RATE, data.shape[1], SPEED)
    out = [s.push(data[k : k + 1024]) for k in range(0, len(data), 1024)]
    out.append(s.flush())
    return np.concatenate(out)


def resampled(data: np.ndarray) -> np.ndarray:
    """What the player did before: read at `SPEED` frames a frame (the pitch goes up)."""
    idx = np.arange(0, len(data) - 1, SPEED)
    i0 = idx.astype(np.int64)
    frac = (idx - i0)[:, None]
    return data[i0] * (1 - frac) + data[i0 + 1] * frac


def peak_hz(x: np.ndarray) -> float:
    x = x[len(x) // 4 : len(x) // 4 + RATE]
    return float(np.argmax(np.abs(np.fft.rfft(x * np.hanning(len(x))))) * RATE / len(x))


def main() -> None:
    _results.ensure_tools("sox", packages=("sox",))
    work = _results.WORK / "tempo"
    work.mkdir(parents=True, exist_ok=True)
    call = work / "call.wav"
    secs = a_call(call)
    data, _ = sf.read(call, dtype="float32", always_2d=True)
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(4 * RATE) / RATE)).astype(np.float32)
    tone2 = np.stack([tone, tone], axis=1)
    sf.write(work / "tone.wav", tone2, RATE, subtype="FLOAT")

    def cpu(fn) -> float:
        t = time.process_time()
        fn()
        return time.process_time() - t

    runs = _results.scaled(3, 1)
    ours_s = min(cpu(lambda: stretch_ours(data)) for _ in range(runs))
    ours_tone = stretch_ours(tone2)[:, 0]
    rows = [("ours: atempo through PyAV, 1024-frame blocks", ours_s, peak_hz(ours_tone),
             len(ours_tone) / len(tone))]  # fmt: skip

    def sox(src: Path, dst: Path) -> None:
        subprocess.run(["sox", str(src), str(dst), "tempo", str(SPEED)], check=True)

    if not _results.skipped("sox"):
        t = []
        for _ in range(runs):
            s0 = time.perf_counter()
            sox(call, work / "call.sox.wav")
            t.append(time.perf_counter() - s0)
        sox(work / "tone.wav", work / "tone.sox.wav")
        sox_tone, _ = sf.read(work / "tone.sox.wav", dtype="float32", always_2d=True)
        rows.append(("sox tempo (process start included)", min(t), peak_hz(sox_tone[:, 0]),
                     len(sox_tone) / len(tone)))  # fmt: skip
    res_tone = resampled(tone2)[:, 0]
    rows.append(("resampling (the player before)", cpu(lambda: resampled(data)), peak_hz(res_tone),
                 len(res_tone) / len(tone)))  # fmt: skip

    body = [
        f" (issue 30; `python bench/tempo.py`; {secs:.0f} s of a rendered call, 8 kHz stereo, "
        f"at {SPEED}x)",
        "",
        "| how | seconds for the call | audio seconds per second | a 440 Hz tone comes out at "
        "| length (1/speed = 0.667) |",
        "|---|---|---|---|---|",
    ]
    for name, s, hz, length in rows:
        body.append(
            f"| {name} | {s:.3f} | {secs / max(s, 1e-9):.0f}x | {hz:.0f} Hz | {length:.3f} |"
        )
    if len(rows) == 3:
        body += ["", f"Ours against sox's tempo: {rows[1][1] / max(rows[0][1], 1e-9):.1f}x its speed "
                 "on the same call, the same pitch kept."]  # fmt: skip
    text = "\n".join(body)
    print(text)
    _results.write_section("Speed with the pitch kept", text)


if __name__ == "__main__":
    main()
