"""Conversions of one file: mono WAV (average or one channel), WAV, WebM/Opus or OGG/Opus, or one
WAV per party. Streaming, atomic (outputs appear only when complete), with progress."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genesys_tui.core.files import atomic_output
from genesys_tui.media import decode, oggopus
from genesys_tui.media.errors import MediaError
from genesys_tui.media.mix import average_s16_stereo, convert, to_mono
from genesys_tui.media.names import AVERAGE, MODES, OUTPUT_FORMATS
from genesys_tui.media.opus import remux_opus, write_opus
from genesys_tui.media.resample import resample
from genesys_tui.media.wavio import FORMATS, SampleFormat, WavWriter

# Genesys dual-channel recordings: "audio channel 0 stores the external participant, audio channel 1
# stores the internal participant" (Resource Center, Enable line recording). Configurable.
DEFAULT_PARTIES = {"customer": 0, "agent": 1}

ProgressFn = Callable[[int, int | None], None]  # (frames done, frames total or None)


@dataclass(frozen=True)
class ConvertOptions:
    format: str = "mono"
    mode: str = AVERAGE
    rate: int | None = None
    depth: str | None = (
        None  # u8, s16, s24, s32, f32, f64; None keeps the input's (16-bit for compressed)
    )
    bitrate: int = 32000
    customer_channel: int = 0
    agent_channel: int = 1

    def __post_init__(self) -> None:
        if self.format not in OUTPUT_FORMATS:
            raise ValueError(
                f"unknown output format {self.format!r}; one of {', '.join(OUTPUT_FORMATS)}"
            )
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")
        if self.depth is not None and self.depth not in FORMATS:
            raise ValueError(f"unknown sample format {self.depth!r}; one of {', '.join(FORMATS)}")
        if self.rate is not None and not 1000 <= self.rate <= 384_000:
            raise ValueError(f"sample rate {self.rate} Hz is out of range")

    @property
    def parties(self) -> dict[str, int]:
        return {"customer": self.customer_channel, "agent": self.agent_channel}


def output_paths(src: Path, out_dir: Path, opts: ConvertOptions) -> list[Path]:
    stem = src.stem
    if opts.format == "mono":
        return [out_dir / f"{stem}.mono.wav"]
    if opts.format == "wav":
        return [out_dir / f"{stem}.wav"]
    if opts.format in ("webm", "ogg"):
        return [out_dir / f"{stem}.{opts.format}"]
    return [out_dir / f"{stem}.{party}.wav" for party in opts.parties]


def _counted(
    blocks: Iterator[np.ndarray], total: int | None, progress: ProgressFn | None
) -> Iterator[np.ndarray]:
    done = 0
    for b in blocks:
        done += len(b)
        yield b
        if progress:
            progress(done, total)


def _depth(info: decode.AudioInfo, opts: ConvertOptions) -> SampleFormat:
    return FORMATS[opts.depth] if opts.depth else info.default_output


def convert_file(
    src: str | Path,
    out_dir: str | Path,
    opts: ConvertOptions,
    progress: ProgressFn | None = None,
    hashes: dict[Path, str] | None = None,
    *,
    threads: int = 1,
) -> list[Path]:
    """Convert one file; returns the outputs. Raises MediaError naming the file and the problem;
    on any failure no output (and no .part) is left behind. `hashes`, when given, receives the
    SHA-256 of the outputs whose hash came for free while writing. `threads` 2 decodes Opus on
    both cores (one file at a time, as `convert` does)."""
    src, out_dir = Path(src), Path(out_dir)
    info = decode.probe(src)
    outputs = output_paths(src, out_dir, opts)
    for out in outputs:
        if out.resolve() == src.resolve():
            raise MediaError(
                src, f"the output {out.name} would overwrite the input; choose another --to"
            )
    remux = opts.format in ("webm", "ogg") and info.opus is not None and not opts.rate
    if remux:  # Opus already: repackaged, not re-encoded (nothing lost, next to no CPU)
        return _remux(src, outputs[0], progress)
    offset = _fast_mono(info, opts) if threads > 1 and hashes is None else None
    if offset is not None:
        try:
            with atomic_output(outputs[0]) as part:
                _mono_on_cores(info, offset, part, threads, progress)
        except OSError as e:
            reason = "disk full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
            raise MediaError(outputs[0], f"cannot write: {reason}", errno=e.errno) from None
        return outputs
    # A mono average straight from the decoder where it can (Opus mixes down inside libopus).
    downmix = info.can_downmix and opts.format == "mono" and opts.mode == AVERAGE
    blocks = _counted(
        decode.blocks(info, 1 << 16, downmix=downmix, threads=threads), info.frames, progress
    )
    try:
        with contextlib.ExitStack() as stack:
            parts = [stack.enter_context(atomic_output(o)) for o in outputs]
            written = _run(info, blocks, parts, opts, hashes is not None, downmix)
        if hashes is not None:
            hashes.update({out: h for out, h in zip(outputs, written, strict=True) if h})
    except MediaError:
        raise
    except OSError as e:
        where = e.filename or (outputs[0] if outputs else src)
        reason = "disk full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
        raise MediaError(where, f"cannot write: {reason}", errno=e.errno) from None
    return outputs


def _remux(src: Path, out: Path, progress: ProgressFn | None) -> list[Path]:
    """The stream checked page by page and packet by packet (oggopus.check: no decoding needed
    for a copy), then its packets into the new container."""
    frames = oggopus.check(src)
    if progress:
        progress(frames, frames)
    try:
        with atomic_output(out) as part:
            remux_opus(src, part, out.suffix.lstrip("."))
    except OSError as e:
        reason = "disk full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
        raise MediaError(e.filename or out, f"cannot write: {reason}", errno=e.errno) from None
    return [out]


FAST_MIN_FRAMES = 1 << 20  # below this, threads cost more than they give
FAST_BLOCK = 1 << 18  # frames a thread averages at a time (1 MB of stereo 16-bit)


def _fast_mono(info: decode.AudioInfo, opts: ConvertOptions) -> int | None:
    """A plain stereo 16-bit WAV averaged to a mono WAV of the same depth and rate, the case a
    whole file can be split between cores (each part read and written at its own place): where
    its samples start; None otherwise (and for a file shorter than its header says: the
    decoder's way)."""
    import os

    fmt = info.sample_format
    fits = (
        opts.format == "mono"
        and opts.mode == AVERAGE
        and info.is_pcm
        and info.wav is not None
        and info.channels == 2
        and fmt is not None
        and fmt.name == "s16"
        and (opts.depth is None or opts.depth == "s16")
        and (not opts.rate or opts.rate == info.rate)
        and info.frames >= FAST_MIN_FRAMES
        and _depth(info, opts) is fmt
    )
    if not fits:
        return None
    start = info.wav.data_offset
    try:
        whole = os.path.getsize(info.path) >= start + 4 * info.frames
    except OSError:
        return None
    return start if whole else None


def _mono_on_cores(
    info: decode.AudioInfo,
    offset: int,
    part: Path,
    threads: int,
    progress: ProgressFn | None,
) -> None:
    """The frames split between `threads` threads, each reading its share into a buffer of its
    own (a mapping would cost a page fault per 4 KB) and writing its mono samples at their
    offset; numpy and the reads and writes let go of the GIL."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    frames = info.frames
    w = WavWriter(part, info.rate, 1, info.sample_format, frames)
    try:
        w.f.flush()
        start, fd = w.f.tell(), w.f.fileno()
        try:  # the blocks reserved now: a full disk is known before any work
            os.posix_fallocate(fd, start, 2 * frames)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise
            os.ftruncate(fd, start + 2 * frames)  # a filesystem that cannot reserve
        cuts = [frames * k // threads for k in range(threads + 1)]
        done = [0] * threads
        src = os.open(info.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

        def share(k: int) -> None:
            stereo = np.empty((FAST_BLOCK, 2), np.int16)
            raw = memoryview(stereo).cast("B")
            mono = np.empty(FAST_BLOCK, np.int16)
            for a in range(cuts[k], cuts[k + 1], FAST_BLOCK):
                n = min(a + FAST_BLOCK, cuts[k + 1]) - a
                if os.preadv(src, [raw[: 4 * n]], offset + 4 * a) != 4 * n:
                    raise OSError(errno.EIO, "the file became shorter while it was read")
                average_s16_stereo(stereo[:n], mono[:n])
                os.pwrite(fd, memoryview(mono[:n]).cast("B"), start + 2 * a)
                done[k] += n

        try:
            with ThreadPoolExecutor(threads) as pool:
                futures = [pool.submit(share, k) for k in range(threads)]
                for f in futures:
                    while True:
                        try:
                            f.result(timeout=0.1)
                            break
                        except TimeoutError:
                            if progress is not None:
                                progress(sum(done), frames)
        finally:
            os.close(src)
        if progress is not None:
            progress(frames, frames)
        w.data_bytes = 2 * frames
        w.f.seek(0, os.SEEK_END)
    finally:
        w.close()


def _run(
    info: decode.AudioInfo,
    blocks: Iterator[np.ndarray],
    parts: list[Path],
    opts: ConvertOptions,
    want_hash: bool = False,
    downmixed: bool = False,
) -> list[str | None]:
    """Write the outputs; returns their SHA-256 where it was computed on the way (else None)."""
    rate = opts.rate or info.rate
    # An exact frame count lets the writers put the final header first and hash as they go (an
    # Ogg/Opus stream's last granule position gives it too).
    exact = info.is_pcm or info.opus is not None
    frames = info.frames if exact and rate == info.rate else None
    src_fmt = info.sample_format
    if opts.format in ("webm", "ogg"):
        channels = info.channels
        if channels > 2:
            blocks, channels = to_mono(blocks, AVERAGE, channels, info.path), 1
        if opts.rate:
            blocks = resample(blocks, info.rate, rate, channels, src_fmt)
        write_opus(
            blocks, parts[0], rate, channels, src_fmt, bitrate=opts.bitrate, container=opts.format
        )
        return [None]
    out_fmt = _depth(info, opts)
    if opts.format == "split":
        if info.channels < 2:
            raise MediaError(info.path, "a mono recording has nothing to split into parties")
        indexes = list(opts.parties.values())
        for idx in indexes:
            if not 0 <= idx < info.channels:
                raise MediaError(
                    info.path,
                    f"party channel {idx} does not exist in a {info.channels}-channel file",
                )
        blocks = resample(blocks, info.rate, rate, info.channels, src_fmt)
        writers = [WavWriter(p, rate, 1, out_fmt, frames, want_hash) for p in parts]
        try:
            for b in blocks:
                conv = convert(b, src_fmt, out_fmt)
                for w, idx in zip(writers, indexes, strict=True):
                    w.write(np.ascontiguousarray(conv[:, idx : idx + 1]))
        finally:
            for w in writers:
                w.close()
        return [w.sha256 for w in writers]
    channels = info.channels
    if opts.format == "mono":
        if not downmixed:
            blocks = to_mono(blocks, opts.mode, info.channels, info.path)
        channels = 1
    blocks = resample(blocks, info.rate, rate, channels, src_fmt)
    w = WavWriter(parts[0], rate, channels, out_fmt, frames, want_hash)
    try:
        for b in blocks:
            w.write(convert(b, src_fmt, out_fmt))
    finally:
        w.close()
    return [w.sha256]
