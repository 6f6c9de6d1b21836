"""WebM/Opus and OGG/Opus encoding through PyAV, streaming: a generator of encoded bytes that can
feed an HTTP response while it is being produced, or a file written as the blocks arrive."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from genesys_tui.core.files import open_nofollow
from genesys_tui.media.errors import MediaError
from genesys_tui.media.mix import convert
from genesys_tui.media.resample import resample
from genesys_tui.media.wavio import F32, SampleFormat

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
CONTAINERS = {"webm": "webm", "ogg": "ogg"}
CONTENT_TYPES = {"webm": "audio/webm", "ogg": "audio/ogg"}


class _Collect:
    """A write-only, non-seekable sink: the muxer then writes a live stream (no seeking back)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


def _prepare(blocks: Iterable[np.ndarray], rate: int, channels: int, fmt: SampleFormat, path=None):
    if channels not in (1, 2):
        raise MediaError(
            path, f"Opus output takes mono or stereo, not {channels} channels; downmix first"
        )
    if rate not in OPUS_RATES:
        blocks = resample(iter(blocks), rate, 48000, channels, fmt)
        rate = 48000
    return blocks, rate


def _encode(
    blocks: Iterable[np.ndarray],
    out,
    rate: int,
    channels: int,
    fmt: SampleFormat,
    bitrate: int,
    container: str,
    collect: _Collect | None,
) -> Iterator[bytes]:
    import av  # lazily: PyAV costs a tenth of a second to import, and only Opus needs it

    layout = "stereo" if channels == 2 else "mono"
    with av.open(out, "w", format=CONTAINERS[container]) as c:
        stream = c.add_stream("libopus", rate=rate, layout=layout)
        stream.bit_rate = bitrate
        for b in blocks:
            if not len(b):
                continue
            arr = np.ascontiguousarray(convert(b, fmt, F32), np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(arr, format="flt", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                c.mux(packet)
            if collect is not None and collect.chunks:
                yield collect.take()
        for packet in stream.encode(None):
            c.mux(packet)
    if collect is not None and collect.chunks:
        yield collect.take()


def opus_stream(
    blocks: Iterable[np.ndarray],
    rate: int,
    channels: int,
    fmt: SampleFormat,
    *,
    bitrate: int = 32000,
    container: str = "webm",
) -> Iterator[bytes]:
    """Encoded bytes, chunk by chunk, as the input blocks arrive (no temporary file)."""
    blocks, rate = _prepare(blocks, rate, channels, fmt)
    sink = _Collect()
    yield from _encode(blocks, sink, rate, channels, fmt, bitrate, container, sink)


def write_opus(
    blocks: Iterable[np.ndarray],
    path: Path,
    rate: int,
    channels: int,
    fmt: SampleFormat,
    *,
    bitrate: int = 32000,
    container: str = "webm",
) -> None:
    """Encode to a (seekable) file, so the container gets its duration and cues."""
    blocks, rate = _prepare(blocks, rate, channels, fmt, path)
    with open_nofollow(path, "wb") as f:
        for _ in _encode(blocks, f, rate, channels, fmt, bitrate, container, None):
            pass


def remux_opus(src: Path, path: Path, container: str = "webm") -> None:
    """Ogg/Opus into WebM (or a fresh Ogg) without re-encoding: the packets as they are, so
    nothing is lost and it costs next to no CPU (what `ffmpeg -c:a copy` does)."""
    import av

    try:
        with (
            av.open(str(src)) as inp,
            open_nofollow(path, "wb") as f,
            av.open(f, "w", format=CONTAINERS[container]) as out,
        ):
            ist = inp.streams.audio[0]
            ost = out.add_stream_from_template(ist)
            for packet in inp.demux(ist):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = ost
                out.mux(packet)
    except av.error.FFmpegError as e:
        raise MediaError(src, f"cannot repackage the Opus stream: {e}") from None
