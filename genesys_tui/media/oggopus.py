"""Ogg/Opus, Genesys's usual recording format, decoded by libopus itself at the rate the call was
recorded at (OpusHead's input rate: 8 kHz for a phone call), so an 8 kHz output needs no resampling
from 48 kHz and a mono output is mixed inside the decoder.

The Ogg layer is read here, and strictly, because a download that is cut or damaged must be told
from a good one in the same pass that converts it: every page's capture pattern and CRC, one
logical stream with consecutive page numbers, the end-of-stream flag on the last page and a
granule position that says how long the audio is. libopus comes from the system (libopus0), or
from the copy PyAV ships; without either, decode.py falls back to libsndfile."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import glob
import mmap
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from genesys_tui.media.errors import MediaError

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
MAX_PAGE = 27 + 255 + 255 * 255  # the largest page the format allows
MAX_PACKET = 1 << 20  # far above any real Opus packet (at most 1275 bytes a frame, 120 ms)
MAX_FRAME_48K = 5760  # 120 ms at 48 kHz: the most one packet decodes to


# --- the Ogg page checksum ------------------------------------------------------------------------
# CRC-32 with polynomial 0x04C11DB7, not reflected, initial value 0. zlib's crc32 is the reflected
# form: on bit-reversed bytes it gives the bit-reversed register, from which the Ogg value follows
# (an all-zero run of the same length cancels zlib's initial and final inversion). C speed, no
# table walk in Python.

_REVERSE = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


@cache
def _zeros_crc(n: int) -> int:
    return zlib.crc32(bytes(n))


def _reverse32(x: int) -> int:
    return int(f"{x:032b}"[::-1], 2)


def ogg_crc(data: bytes) -> int:
    return _reverse32(zlib.crc32(data.translate(_REVERSE)) ^ _zeros_crc(len(data)))


def tail_problem(p: Path) -> str | None:
    """Why the Ogg file's last page shows it is cut short, or None. A complete stream ends with a
    whole page flagged end-of-stream, with a good CRC and a granule position (decoders happily
    return the audio that is there, so this is the only way to tell)."""
    size = p.stat().st_size
    with open(p, "rb") as f:
        f.seek(max(0, size - 65536 - 282))
        tail = f.read()
    at = tail.rfind(b"OggS")
    while at >= 0:
        page = tail[at:]
        if len(page) >= 27 and page[4] == 0:
            nseg = page[26]
            length = 27 + nseg + sum(page[27 : 27 + nseg])
            if len(page[27 : 27 + nseg]) == nseg and length == len(page):
                break  # the last page, ending exactly at the end of the file
        at = tail.rfind(b"OggS", 0, at)  # "OggS" inside a payload: look further back
    else:
        return "truncated: the Ogg stream does not end with a whole page"
    if not page[5] & 0x04:
        return "truncated: the Ogg stream has no end-of-stream page"
    stored = int.from_bytes(page[22:26], "little")
    if ogg_crc(page[:22] + b"\0\0\0\0" + page[26:]) != stored:
        return "corrupt: the last Ogg page fails its checksum"
    granule = int.from_bytes(page[6:14], "little", signed=True)
    if granule <= 0:
        return "corrupt: the last Ogg page has no granule position"
    return None


# --- libopus ----------------------------------------------------------------------------------------


def _candidates() -> Iterator[str]:
    """Where libopus may be: the system's (by its usual names first: find_library runs a
    program), then the copy inside PyAV's wheel."""
    yield from ("libopus.so.0", "libopus.0.dylib", "opus.dll")
    if found := ctypes.util.find_library("opus"):
        yield found
    try:
        import av
    except ImportError:  # pragma: no cover - PyAV is a dependency
        return
    here = Path(av.__file__).resolve().parent
    yield from sorted(glob.glob(str(here.parent / "av.libs" / "libopus*.so*")))
    yield from sorted(glob.glob(str(here / ".dylibs" / "libopus*.dylib")))


@cache
def libopus() -> ctypes.CDLL | None:
    """The system's libopus, else the one PyAV bundles; None when there is neither."""
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.opus_decoder_create.restype = ctypes.c_void_p
        lib.opus_decoder_create.argtypes = [
            ctypes.c_int32,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
        ]
        lib.opus_decode.restype = ctypes.c_int
        lib.opus_decode.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int32,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
        lib.opus_packet_get_nb_samples.restype = ctypes.c_int
        lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
        lib.opus_strerror.restype = ctypes.c_char_p
        lib.opus_strerror.argtypes = [ctypes.c_int]
        return lib
    return None


def available() -> bool:
    return os.environ.get("GENESYS_TUI_NO_LIBOPUS") != "1" and libopus() is not None


# --- the stream -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpusStream:
    channels: int
    pre_skip: int  # 48 kHz samples to drop at the start
    input_rate: int  # what the call was recorded at (OpusHead); 0 when not said
    gain_db: float
    samples_48k: int  # the audio's length, from the last page's granule position

    @property
    def rate(self) -> int:
        """The rate to decode at: the recorded rate when Opus can decode at it, else 48 kHz."""
        return self.input_rate if self.input_rate in OPUS_RATES else 48000

    @property
    def frames(self) -> int:
        """Frames of audio at `rate`, the encoder's delay (pre-skip) left out."""
        return (self.samples_48k - self.pre_skip) * self.rate // 48000


def _bad(path: Path, problem: str) -> MediaError:
    return MediaError(path, problem)


def _pages(path: Path, data: bytes) -> Iterator[tuple[int, int, bytes, bytes]]:
    """(header type flags, granule position, lacing values, body) of each page, checked: the
    capture pattern, the version, the CRC, one stream serial, consecutive sequence numbers."""
    pos, n, serial, seq = 0, len(data), None, -1
    while pos < n:
        if data[pos : pos + 4] != b"OggS" or n - pos < 27:
            raise _bad(path, f"corrupt Ogg: no page starts at byte {pos}")
        if data[pos + 4] != 0:
            raise _bad(path, f"corrupt Ogg: unknown page version at byte {pos}")
        nseg = data[pos + 26]
        lacing = data[pos + 27 : pos + 27 + nseg]
        end = pos + 27 + nseg + sum(lacing)
        if len(lacing) < nseg or end > n:
            raise _bad(path, "truncated: the Ogg stream does not end with a whole page")
        page = data[pos:end]
        if ogg_crc(page[:22] + b"\0\0\0\0" + page[26:]) != int.from_bytes(page[22:26], "little"):
            raise _bad(path, f"corrupt: the Ogg page at byte {pos} fails its checksum")
        page_serial, page_seq = struct.unpack_from("<II", page, 14)
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            raise _bad(path, "unsupported Ogg: more than one logical stream")
        if page_seq != seq + 1:
            raise _bad(path, f"corrupt: Ogg page {seq + 1} is missing")
        seq = page_seq
        granule = int.from_bytes(page[6:14], "little", signed=True)
        yield page[5], granule, lacing, page[27 + nseg :]
        pos = end


def _packets(path: Path, data: bytes) -> Iterator[bytes]:
    """The stream's packets in order; checks that it ends, on a page flagged end-of-stream."""
    partial: list[bytes] = []
    size = 0
    last_flags = 0
    for flags, _granule, lacing, body in _pages(path, data):
        last_flags = flags
        off = 0
        for length in lacing:
            partial.append(body[off : off + length])
            off += length
            size += length
            if size > MAX_PACKET:
                raise _bad(path, "corrupt Ogg: a packet larger than any Opus packet")
            if length < 255:
                yield b"".join(partial)
                partial, size = [], 0
    if not last_flags & 0x04:
        raise _bad(path, "truncated: the Ogg stream has no end-of-stream page")


def _last_granule(path: Path, data: bytes) -> int:
    """The granule position of the stream's last page (its length in 48 kHz samples, with the
    pre-skip), read from the tail without walking the file."""
    at = data.rfind(b"OggS", max(0, len(data) - MAX_PAGE))
    while at >= 0:
        if len(data) - at >= 27:
            granule = int.from_bytes(data[at + 6 : at + 14], "little", signed=True)
            return granule
        at = data.rfind(b"OggS", 0, at)
    raise _bad(path, "truncated: the Ogg stream does not end with a whole page")


def _head(path: Path, packet: bytes, samples_48k: int) -> OpusStream:
    if len(packet) < 19 or packet[:8] != b"OpusHead":
        raise _bad(path, "corrupt Ogg/Opus: the first packet is not an OpusHead")
    version, channels, pre_skip, input_rate, gain, family = struct.unpack_from("<BBHIhB", packet, 8)
    if version >> 4:
        raise _bad(path, f"unsupported Opus header version {version}")
    if family != 0 or channels not in (1, 2):
        raise _bad(path, "unsupported Opus channel mapping (only mono and stereo)")
    if samples_48k <= pre_skip:
        raise _bad(path, "corrupt: the last Ogg page has no granule position")
    return OpusStream(channels, pre_skip, input_rate, gain / 256, samples_48k)


def probe(path: Path) -> OpusStream:
    """The stream's header (the first page) and length (the last page's granule position),
    without reading what is between; MediaError when it is not Ogg/Opus."""
    if problem := tail_problem(path):  # a cut download shows at once, before any decoding
        raise _bad(path, problem)
    with _mapped(path) as data:
        if data[:4] != b"OggS" or len(data) < 28:
            raise _bad(path, "corrupt Ogg: not an Ogg stream")
        nseg = data[26]
        first = data[27 + nseg : 27 + nseg + (data[27] if nseg else 0)]
        return _head(path, first, _last_granule(path, data))


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap | bytes]:
    """The file, memory-mapped: pages are read as they are walked, never all at once."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                yield b""
                return
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                yield m
    except OSError as e:
        raise _bad(path, f"cannot read: {e.strerror or e}") from None


def blocks(
    path: Path, channels: int, block_frames: int = 1 << 16, *, threads: int = 1
) -> Iterator[np.ndarray]:
    """The whole stream as int16 (frames, channels) blocks at OpusStream.rate, pre-skip and end
    padding trimmed, `channels` 1 (mixed down by the decoder) or the stream's own. Verifies
    every page on the way: MediaError for anything cut or damaged. `threads` 2: the second half
    is decoded on the other core at the same time (for one file at a time; a call under
    PARALLEL_MAX_BYTES decoded)."""
    lib = libopus()
    if lib is None:  # pragma: no cover - decode.py only calls this when available()
        raise _bad(path, "libopus is not available")
    with _mapped(path) as data:
        yield from _decode(lib, path, data, channels, block_frames, threads)


# What a decoder started mid-stream decodes and drops first. RFC 7845 (4.6) asks for 80 ms; CELT's
# energy prediction takes about 0.4 s to settle, and after one second the output is the same,
# sample for sample, as one decoder's from the start (tests/unit/media/test_oggopus.py).
PREROLL_48K = 48_000
PARALLEL_MAX_BYTES = 64 << 20  # the second half waits decoded in memory: a bound on it


def _decode(
    lib, path: Path, data, channels: int, block_frames: int, threads: int = 1
) -> Iterator[np.ndarray]:
    packets = _packets(path, data)
    stream = _head(path, next(packets, b""), _last_granule(path, data))
    if channels not in (1, stream.channels):
        raise _bad(path, f"cannot decode {stream.channels} channels as {channels}")
    next(packets, None)  # OpusTags
    rate = stream.rate
    skip = stream.pre_skip * rate // 48000
    want = stream.frames  # what the granule position says there is
    gain = 10 ** (stream.gain_db / 20) if stream.gain_db else None
    tail = None
    if threads > 1 and stream.frames * channels <= PARALLEL_MAX_BYTES:  # int16: half of it
        every = list(packets)  # every page checked (CRC, order, end) before decoding starts
        half = len(every) // 2
        tail = _Tail(lib, path, every, half, rate, channels)
        tail.start()
        packets = iter(every[:half])
    err = ctypes.c_int()
    dec = lib.opus_decoder_create(rate, channels, ctypes.byref(err))
    if not dec:
        raise _bad(path, f"libopus: {lib.opus_strerror(err.value).decode()}")
    cap = MAX_FRAME_48K * rate // 48000
    block = np.empty((block_frames + cap, channels), np.int16)
    base, stride = block.ctypes.data, 2 * channels  # where frame `fill` goes, in bytes
    fill = got = 0

    def take(frames: np.ndarray) -> np.ndarray:
        out = frames.copy()
        if gain is not None:  # OpusHead's output gain (0 dB in every Genesys file seen)
            out = np.clip(out * gain, -32768, 32767).astype(np.int16)
        return out

    decode = lib.opus_decode
    try:
        for pkt in packets:
            k = decode(dec, pkt, len(pkt), base + fill * stride, cap, 0)
            if k < 0:
                raise _bad(path, f"corrupt Opus packet: {lib.opus_strerror(k).decode()}")
            if skip:
                drop = min(skip, k)
                block[fill : fill + k - drop] = block[fill + drop : fill + k]
                k, skip = k - drop, skip - drop
            fill += k
            if fill >= block_frames:  # a whole block out; the rest (under a packet) kept
                n = min(block_frames, want - got)
                if n > 0:
                    got += n
                    yield take(block[:n])
                rest = fill - block_frames
                block[:rest] = block[block_frames:fill]
                fill = rest
    finally:
        lib.opus_decoder_destroy(dec)
        if tail is not None:
            tail.join()  # never left running, whatever happened here
    second = tail.result() if tail is not None else None
    rest = block[:fill] if second is None else np.concatenate([block[:fill], second])
    for k in range(0, len(rest), block_frames):
        n = min(len(rest) - k, block_frames, want - got)
        if n <= 0:
            break
        got += n
        yield take(rest[k : k + n])
    if got < want - rate // 50:  # the pages claim more audio than the packets hold
        raise _bad(
            path, f"truncated: decoded {got / rate:.2f} s of the {want / rate:.2f} s it declares"
        )


class _Tail(threading.Thread):
    """The packets from `half` on, decoded by a decoder of their own while the caller decodes the
    first half (libopus runs without the GIL). It starts a second early and drops what that
    gives, as any decoder joining a stream does, so its first kept sample follows on seamlessly."""

    def __init__(self, lib, path: Path, packets: list[bytes], half: int, rate: int, ch: int):
        super().__init__(daemon=True)
        self.lib, self.path, self.rate, self.ch = lib, path, rate, ch
        start, pre = half, 0
        while start > 0 and pre < PREROLL_48K:
            start -= 1
            pre += max(
                0, lib.opus_packet_get_nb_samples(packets[start], len(packets[start]), 48000)
            )
        self.packets, self.drop = packets[start:], half - start
        self.out: np.ndarray | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        lib, rate, ch = self.lib, self.rate, self.ch
        err = ctypes.c_int()
        dec = lib.opus_decoder_create(rate, ch, ctypes.byref(err))
        if not dec:
            self.error = _bad(self.path, f"libopus: {lib.opus_strerror(err.value).decode()}")
            return
        try:
            cap = MAX_FRAME_48K * rate // 48000
            total = sum(
                max(0, lib.opus_packet_get_nb_samples(p, len(p), rate)) for p in self.packets
            )
            out = np.empty((total + cap, ch), np.int16)
            base, stride, fill = out.ctypes.data, 2 * ch, 0
            for i, pkt in enumerate(self.packets):
                k = lib.opus_decode(dec, pkt, len(pkt), base + fill * stride, cap, 0)
                if k < 0:
                    raise _bad(self.path, f"corrupt Opus packet: {lib.opus_strerror(k).decode()}")
                if i >= self.drop:  # the pre-roll is written over
                    fill += k
            self.out = out[:fill]
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            self.error = e
        finally:
            lib.opus_decoder_destroy(dec)

    def result(self) -> np.ndarray:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.out is not None
        return self.out


def check(path: Path) -> int:
    """The stream verified without decoding it, for a copy that keeps the packets as they are
    (Ogg/Opus to WebM): every page (capture, checksum, order, the end-of-stream flag) and every
    packet's framing, the samples the packets hold against the length the last granule position
    declares. Frames at OpusStream.rate; MediaError for anything cut or damaged."""
    lib = libopus()
    if lib is None:  # pragma: no cover - only called when available()
        raise _bad(path, "libopus is not available")
    with _mapped(path) as data:
        packets = _packets(path, data)
        stream = _head(path, next(packets, b""), _last_granule(path, data))
        next(packets, None)  # OpusTags
        count = lib.opus_packet_get_nb_samples
        total = 0
        for pkt in packets:
            n = count(pkt, len(pkt), 48000)
            if n < 0:
                raise _bad(path, f"corrupt Opus packet: {lib.opus_strerror(n).decode()}")
            total += n
    held = (total - stream.pre_skip) * stream.rate // 48000
    if held < stream.frames - stream.rate // 50:
        raise _bad(
            path,
            f"truncated: the packets hold {held / stream.rate:.2f} s of the "
            f"{stream.frames / stream.rate:.2f} s it declares",
        )
    return stream.frames
