"""WAV without a library in the hot path: parse the header, read raw sample blocks straight into
numpy, write WAV (RIFF, or RF64 past 4 GiB). This is what makes mono downmix faster than sox."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from genesys_tui.core.files import open_nofollow
from genesys_tui.media.errors import MediaError
from genesys_tui.media.names import SAMPLE_FORMATS

PCM, FLOAT, ALAW, ULAW, EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
PLACEHOLDER_SIZES = (0, 0xFFFFFFFF)  # written by streaming encoders that never went back


@dataclass(frozen=True)
class SampleFormat:
    """How samples are stored in a file and held in memory."""

    name: str  # u8, s16, s24, s32, f32, f64
    bits: int
    is_float: bool
    dtype: np.dtype  # in-memory block dtype

    @property
    def bytes(self) -> int:
        return self.bits // 8

    @property
    def full_scale(self) -> float:
        return 1.0 if self.is_float else float(2 ** (self.bits - 1))


U8 = SampleFormat("u8", 8, False, np.dtype(np.int16))  # held centred, as int16
S16 = SampleFormat("s16", 16, False, np.dtype(np.int16))
S24 = SampleFormat("s24", 24, False, np.dtype(np.int32))  # held in int32, 24-bit range
S32 = SampleFormat("s32", 32, False, np.dtype(np.int32))
F32 = SampleFormat("f32", 32, True, np.dtype(np.float32))
F64 = SampleFormat("f64", 64, True, np.dtype(np.float64))
FORMATS = {f.name: f for f in (U8, S16, S24, S32, F32, F64)}
assert tuple(FORMATS) == SAMPLE_FORMATS  # the names the parser offers


@dataclass(frozen=True)
class WavHeader:
    format_tag: int  # PCM, FLOAT, ALAW, ULAW (EXTENSIBLE resolved)
    channels: int
    rate: int
    bits: int
    block_align: int
    data_offset: int
    data_bytes: int

    @property
    def frames(self) -> int:
        return self.data_bytes // self.block_align

    @property
    def sample_format(self) -> SampleFormat | None:
        if self.format_tag == PCM:
            return {8: U8, 16: S16, 24: S24, 32: S32}.get(self.bits)
        if self.format_tag == FLOAT:
            return {32: F32, 64: F64}.get(self.bits)
        return None


def read_header(f: BinaryIO, path: Path, file_size: int) -> WavHeader:
    head = f.read(12)
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        raise MediaError(path, "not a WAV file")
    rf64 = head[:4] != b"RIFF"
    ds64_data: int | None = None
    fmt: tuple[int, int, int, int, int] | None = None
    while True:
        ch = f.read(8)
        if len(ch) < 8:
            raise MediaError(
                path, "truncated WAV: no data chunk" if fmt else "truncated WAV: no fmt chunk"
            )
        cid, size = ch[:4], struct.unpack("<I", ch[4:])[0]
        if cid == b"ds64":
            body = f.read(size)
            if len(body) < 24:
                raise MediaError(path, "corrupt RF64 header (ds64 chunk too short)")
            ds64_data = struct.unpack("<Q", body[8:16])[0]
            f.seek(size % 2, 1)
        elif cid == b"fmt ":
            body = f.read(size)
            if len(body) < 16:
                raise MediaError(path, "corrupt WAV header (fmt chunk too short)")
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == EXTENSIBLE:
                if len(body) < 26:
                    raise MediaError(path, "corrupt WAV header (extensible fmt chunk too short)")
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits, align)
            f.seek(size % 2, 1)
        elif cid == b"data":
            if fmt is None:
                raise MediaError(path, "corrupt WAV header (data before fmt)")
            offset = f.tell()
            available = file_size - offset
            if rf64 and size == 0xFFFFFFFF and ds64_data is not None:
                size = ds64_data
            if size in PLACEHOLDER_SIZES:
                size = available  # a streamed WAV whose writer never filled in the size
            tag, channels, rate, bits, align = fmt
            _check_fmt(path, tag, channels, rate, bits, align)
            if size > available:
                raise MediaError(
                    path,
                    f"truncated: the header promises {size} bytes of audio, the file has {available}",
                )
            if size % align:
                raise MediaError(
                    path,
                    f"truncated: {size} bytes of audio is not a whole number of "
                    f"{align}-byte frames",
                )
            if size == 0:
                raise MediaError(path, "no audio (zero length)")
            return WavHeader(tag, channels, rate, bits, align, offset, size)
        else:
            f.seek(size + size % 2, 1)
            if f.tell() > file_size:
                raise MediaError(
                    path, f"truncated WAV: chunk {cid!r} runs past the end of the file"
                )


MIN_RATE, MAX_RATE = 1000, 384_000  # below: a lying header (1 Hz would make hours of output)
MAX_CHANNELS = 64


def check_stream(path: Path, rate: int, channels: int) -> None:
    """Sample rate and channel count within what any real recording has."""
    if not 1 <= channels <= MAX_CHANNELS:
        raise MediaError(path, f"lying header: {channels} channels")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise MediaError(
            path, f"lying header: sample rate {rate} Hz (expected {MIN_RATE}-{MAX_RATE})"
        )


def _check_fmt(path: Path, tag: int, channels: int, rate: int, bits: int, align: int) -> None:
    check_stream(path, rate, channels)
    if align < 1:
        raise MediaError(path, f"lying header: block align {align}")
    if tag in (ALAW, ULAW) and (bits != 8 or align != channels):
        raise MediaError(
            path,
            f"lying header: {'A' if tag == ALAW else 'µ'}-law with {bits} bits and block "
            f"align {align} for {channels} channels (expected 8 bits, align {channels})",
        )
    if tag in (PCM, FLOAT) and (bits not in (8, 16, 24, 32, 64) or bits % 8):
        raise MediaError(path, f"unsupported sample size: {bits} bits")
    if tag in (PCM, FLOAT) and align != channels * bits // 8:
        raise MediaError(
            path,
            f"lying header: block align {align} does not match {channels} channels of {bits} bits",
        )
    if tag not in (PCM, FLOAT, ALAW, ULAW):
        raise MediaError(path, f"unsupported WAV encoding (format tag 0x{tag:04x})")


def probe_wav(path: Path) -> WavHeader:
    size = path.stat().st_size
    with open(path, "rb") as f:
        return read_header(f, path, size)


def memmap(path: Path) -> tuple[np.ndarray, float] | None:
    """The samples of a PCM/float WAV mapped from disk, (frames, channels), and their full scale;
    None for formats that need decoding (8/24-bit, µ-law, A-law). Playback of a two-hour call
    then costs pages, not half a gigabyte."""
    header = probe_wav(Path(path))
    fmt = header.sample_format
    if fmt is None or fmt.name not in ("s16", "s32", "f32", "f64") or not header.frames:
        return None
    dtype = fmt.dtype.newbyteorder("<")
    data = np.memmap(
        path,
        dtype=dtype,
        mode="r",
        offset=header.data_offset,
        shape=(header.frames, header.channels),
    )
    return data, fmt.full_scale


def read_blocks(
    path: Path,
    header: WavHeader,
    block_frames: int,
    start_frame: int = 0,
    end_frame: int | None = None,
) -> Iterator[np.ndarray]:
    """Raw PCM/float blocks as (frames, channels) arrays of the format's in-memory dtype."""
    sf_ = header.sample_format
    assert sf_ is not None
    ch, align = header.channels, header.block_align
    end = header.frames if end_frame is None else min(end_frame, header.frames)
    direct = sf_.name in ("s16", "s32", "f32", "f64")  # little-endian on disk, same dtype in memory
    buf = bytearray(block_frames * align) if not direct else None
    with open(path, "rb", buffering=0) as f:
        f.seek(header.data_offset + start_frame * align)
        pos = start_frame
        while pos < end:
            frames = min(block_frames, end - pos)
            want = frames * align
            if direct:
                # Read straight into a fresh array: one copy (the kernel's), not two.
                out = np.empty((frames, ch), sf_.dtype.newbyteorder("<"))
                view = memoryview(out).cast("B")
            else:
                view = memoryview(buf)[:want]
            got = f.readinto(view)
            while got < want:
                more = f.readinto(view[got:])
                if not more:
                    raise MediaError(
                        path,
                        f"truncated: audio ends at frame {pos + got // align} of {header.frames}",
                    )
                got += more
            yield out if direct else _decode(bytes(view), sf_, ch)
            pos += frames


def _decode(raw, fmt: SampleFormat, channels: int) -> np.ndarray:
    if fmt.name == "s16":
        return np.frombuffer(raw, "<i2").reshape(-1, channels).copy()
    if fmt.name == "u8":
        return (np.frombuffer(raw, np.uint8).astype(np.int16) - 128).reshape(-1, channels)
    if fmt.name == "s24":
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        v = (
            b[:, 0].astype(np.int32)
            | (b[:, 1].astype(np.int32) << 8)
            | (b[:, 2].astype(np.int32) << 16)
        )
        v = (v << 8) >> 8  # sign-extend 24 -> 32
        return v.reshape(-1, channels)
    if fmt.name == "s32":
        return np.frombuffer(raw, "<i4").reshape(-1, channels).copy()
    if fmt.name == "f32":
        return np.frombuffer(raw, "<f4").reshape(-1, channels).copy()
    return np.frombuffer(raw, "<f8").reshape(-1, channels).copy()


def encode_samples(block: np.ndarray, fmt: SampleFormat) -> bytes | np.ndarray:
    """In-memory block to the bytes of `fmt` (little endian)."""
    if fmt.name == "s16":
        return np.ascontiguousarray(block, "<i2")
    if fmt.name == "u8":
        return (block.astype(np.int16) + 128).astype(np.uint8)
    if fmt.name == "s24":
        v = np.ascontiguousarray(block, "<i4").reshape(-1)
        return v.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    if fmt.name == "s32":
        return np.ascontiguousarray(block, "<i4")
    if fmt.name == "f32":
        return np.ascontiguousarray(block, "<f4")
    return np.ascontiguousarray(block, "<f8")


class WavWriter:
    """Streaming WAV writer. Sizes are filled in on close; RF64 when the data passes 4 GiB.

    With `frames` known in advance the final header goes first; with `hash` too, `sha256` is
    computed as the file is written (no second read). If the count turns out wrong the header is
    fixed on close and `sha256` is None."""

    def __init__(
        self,
        path: Path,
        rate: int,
        channels: int,
        fmt: SampleFormat,
        frames: int | None = None,
        hash: bool = False,
    ):
        import hashlib

        self.path, self.rate, self.channels, self.fmt = path, rate, channels, fmt
        self.f = open_nofollow(path, "wb")  # a streaming writer owns its file until close()
        self.data_bytes = channels * fmt.bytes * frames if frames is not None else 0
        self._promised = self.data_bytes if frames is not None else None
        self._hash = hashlib.sha256() if frames is not None and hash else None
        self.sha256: str | None = None
        self._write_header()
        self.data_bytes = 0

    def _write_header(self) -> None:
        header = self._header()
        if self._hash is not None and self.f.tell() == 0:
            self._hash.update(header)
        self.f.write(header)

    def _header(self) -> bytes:
        align = self.channels * self.fmt.bytes
        tag = FLOAT if self.fmt.is_float else PCM
        big = self.data_bytes >= 0xFFFFFFFF - 100
        fmt_chunk = struct.pack(
            "<HHIIHH", tag, self.channels, self.rate, self.rate * align, align, self.fmt.bits
        )
        # A JUNK chunk reserves room for ds64, so the header can become RF64 in place.
        if big:
            riff = b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
            ds64 = b"ds64" + struct.pack(
                "<IQQQI",
                28,
                36 + 16 + 36 + self.data_bytes,
                self.data_bytes,
                self.data_bytes // align,
                0,
            )
            data_size = 0xFFFFFFFF
        else:
            riff = b"RIFF" + struct.pack("<I", 4 + 36 + 8 + 16 + 8 + self.data_bytes) + b"WAVE"
            ds64 = b"JUNK" + struct.pack("<I", 28) + b"\0" * 28
            data_size = self.data_bytes
        return (
            riff
            + ds64
            + b"fmt "
            + struct.pack("<I", 16)
            + fmt_chunk
            + b"data"
            + struct.pack("<I", data_size)
        )

    def write(self, block: np.ndarray) -> None:
        data = encode_samples(block, self.fmt)
        if self._hash is not None:
            self._hash.update(data)
        n = self.f.write(data)
        self.data_bytes += n if isinstance(n, int) else len(data)

    def close(self) -> None:
        if self.f.closed:
            return
        if self.data_bytes % 2:
            self.f.write(b"\0")  # chunks are word aligned
            if self._hash is not None:
                self._hash.update(b"\0")
        if self._promised == self.data_bytes and self._hash is not None:
            self.sha256 = self._hash.hexdigest()  # the header written first was already right
        else:
            self.f.seek(0)
            self.f.write(self._header())
        self.f.close()

    def abort(self) -> None:
        self.f.close()
