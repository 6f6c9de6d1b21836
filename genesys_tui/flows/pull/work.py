"""The CPU-heavy step of a job, as a plain top-level function so it can run in a process pool (the
event loop, and the TUI, stay responsive): verify a download and convert it, in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genesys_tui.media import decode
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.errors import MediaError
from genesys_tui.media.hashing import hash_file


@dataclass(frozen=True)
class Conversion:
    """What process() is asked to do (pickled to a worker process)."""

    src: str
    out_dir: str
    fmt: str
    as_is: bool  # the source is the output: decoded only to verify it
    customer_channel: int
    agent_channel: int
    bitrate: int
    expected_size: int | None  # outputSizeInBytes; 0 or None: unknown
    expected_ms: int | None
    src_sha256: str | None = None  # taken while it downloaded


def warm() -> None:
    """In a new worker: what the first conversion would load (this module's imports came with
    the call; libopus is loaded on first use)."""
    from genesys_tui.media import oggopus

    oggopus.libopus()


def process(c: Conversion) -> dict:
    """Verify the download and make the outputs in the same pass: the size against
    outputSizeInBytes, the whole file decoded (for Ogg every page's CRC, the end-of-stream page,
    the granule position; WAV sizes; MP3/WebM durations) to the advertised duration, while the
    conversion writes and hashes. `as_is`: the source is the output, decoded only to verify it
    (its SHA-256, taken while it downloaded, is `src_sha256`).

    Returns {"ok", "problem", "duration_ms", "outputs": [{"path", "sha256", "bytes", "kind"}]};
    a bad source is ok=False (no output is left). A write failure (a full disk) raises."""
    p, out = Path(c.src), Path(c.out_dir)
    fmt, as_is, src_sha256, expected_ms = c.fmt, c.as_is, c.src_sha256, c.expected_ms
    size = p.stat().st_size
    if c.expected_size and size != c.expected_size:  # 0: unknown (no transcoded media yet)
        return _bad(f"size {size} bytes, expected {c.expected_size}")
    frames = 0

    def count(done: int, _total: int | None) -> None:
        nonlocal frames
        frames = done

    try:
        info = decode.probe(p)
        if as_is:
            frames = sum(len(b) for b in decode.blocks(info, 1 << 16))
            paths, known = [p], ({p: src_sha256} if src_sha256 else {})
        else:
            out.mkdir(parents=True, exist_ok=True)
            known: dict[Path, str] = {}
            opts = ConvertOptions(
                format=fmt,
                customer_channel=c.customer_channel,
                agent_channel=c.agent_channel,
                bitrate=c.bitrate,
            )
            paths = convert_file(p, out, opts, progress=count, hashes=known)
    except MediaError as e:
        if e.errno:  # the output could not be written (ENOSPC...): not the source's fault
            raise
        return _bad(e.problem)
    ms = int(round(frames * 1000 / info.rate))
    if expected_ms:
        tolerance = max(250, expected_ms // 100)  # codecs pad a frame or two
        if abs(ms - expected_ms) > tolerance:
            for q in paths:
                if q != p:
                    q.unlink(missing_ok=True)
            return _bad(f"decodes to {ms} ms, expected {expected_ms} ms", ms)
    outputs = []
    for q in paths:
        sha = known.get(q) or hash_file(q).sha256_hex
        kind = q.name.rsplit(".", 2)[-2] if fmt == "split" else fmt
        outputs.append({"path": str(q), "sha256": sha, "bytes": q.stat().st_size, "kind": kind})
    return {"ok": True, "problem": "", "duration_ms": ms, "outputs": outputs}


def _bad(problem: str, ms: int | None = None) -> dict:
    return {"ok": False, "problem": problem, "duration_ms": ms, "outputs": []}
