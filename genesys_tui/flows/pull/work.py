"""The CPU-heavy steps, as plain top-level functions so they can run in a process pool (the event
loop, and the TUI, stay responsive): verify a download, convert it to the wanted outputs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from genesys_tui.media import decode
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.errors import MediaError
from genesys_tui.media.hashing import hash_file


def verify(path: str, expected_size: int | None, expected_ms: int | None) -> dict:
    """Size against outputSizeInBytes, a full decode against the advertised duration. Returns
    {"ok": bool, "problem": str, "duration_ms": int}. Decoding also catches truncation the headers
    reveal (WAV sizes, MP3/WebM durations, the Ogg end-of-stream page)."""
    p = Path(path)
    size = p.stat().st_size
    if expected_size and size != expected_size:  # 0 means unknown (no transcoded media yet)
        return {
            "ok": False,
            "problem": f"size {size} bytes, expected {expected_size}",
            "duration_ms": None,
        }
    try:
        info = decode.probe(p)
        # Every format is read through to the end (for PCM that is cheap), so a file whose bytes
        # cannot all be read is caught here, not in the conversion.
        frames = sum(len(b) for b in decode.blocks(info, 1 << 16))
    except MediaError as e:
        return {"ok": False, "problem": e.problem, "duration_ms": None}
    ms = int(round(frames * 1000 / info.rate))
    if expected_ms:
        tolerance = max(250, expected_ms // 100)  # codecs pad a frame or two
        if abs(ms - expected_ms) > tolerance:
            return {
                "ok": False,
                "problem": f"decodes to {ms} ms, expected {expected_ms} ms",
                "duration_ms": ms,
            }
    return {"ok": True, "problem": "", "duration_ms": ms}


def convert(
    src: str, out_dir: str, fmt: str, customer_channel: int, agent_channel: int, bitrate: int
) -> list[dict]:
    """The outputs for one job format, in out_dir: [{"path", "sha256", "bytes", "kind"}]."""
    src_p, out = Path(src), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    known: dict[Path, str] = {}
    if fmt in ("original", "as-is"):
        target = out / src_p.name
        shutil.copyfile(src_p, target) if not _same(src_p, target) else None
        paths = [target]
    else:
        opts = ConvertOptions(
            format={"wav": "wav", "mono": "mono", "webm": "webm", "split": "split"}[fmt],
            customer_channel=customer_channel,
            agent_channel=agent_channel,
            bitrate=bitrate,
        )
        paths = convert_file(src_p, out, opts, hashes=known)
    result = []
    for p in paths:
        sha = known.get(p) if fmt != "original" else None
        sha = sha or hash_file(p).sha256_hex
        kind = p.name.rsplit(".", 2)[-2] if fmt == "split" else fmt
        result.append({"path": str(p), "sha256": sha, "bytes": p.stat().st_size, "kind": kind})
    return result


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False
