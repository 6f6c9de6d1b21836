"""Decode any Genesys format as a stream of (frames, channels) blocks, never the whole file:
WAV PCM/float through our own reader (fast path), Ogg/Opus through libopus at the recorded rate
(oggopus.py), WAV µ-law/A-law, OGG Vorbis, MP3 and FLAC through soundfile (and Ogg/Opus when there
is no libopus), WebM/Opus and MP4/M4A through PyAV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from genesys_tui.media import oggopus, wavio
from genesys_tui.media.detect import detect
from genesys_tui.media.errors import MediaError
from genesys_tui.media.wavio import F32, S16, S24, S32, SampleFormat

BLOCK = 1 << 16


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    container: str  # wav, ogg, mp3, webm, mp4, flac
    codec: str  # pcm, float, ulaw, alaw, vorbis, opus, mp3, flac, aac, ...
    rate: int
    channels: int
    frames: int | None  # None when the container does not say (a streamed WebM)
    sample_format: SampleFormat  # dtype of decoded blocks
    wav: wavio.WavHeader | None = None
    opus: oggopus.OpusStream | None = None  # Ogg/Opus decoded by libopus (oggopus.py)

    def __post_init__(self) -> None:
        # Whatever the container, a header is checked before anything is allocated from it.
        wavio.check_stream(self.path, self.rate, self.channels)

    @property
    def duration_s(self) -> float | None:
        return self.frames / self.rate if self.frames is not None else None

    @property
    def can_downmix(self) -> bool:
        """Whether blocks(downmix=True) gives mono straight from the decoder (cheaper than
        decoding every channel and averaging them)."""
        return self.opus is not None and self.channels > 1

    @property
    def is_pcm(self) -> bool:
        """Uncompressed PCM or float: its bit depth is worth keeping."""
        return self.codec in ("pcm", "float")

    @property
    def default_output(self) -> SampleFormat:
        """Output sample format by default: the input's for PCM, 16-bit otherwise."""
        if self.is_pcm:
            return self.sample_format
        if self.codec == "flac" and self.sample_format in (S24, S32):
            return self.sample_format
        return S16


def probe(path: str | Path) -> AudioInfo:
    p = Path(path)
    container, hint = detect(p)
    if container == "wav":
        h = wavio.probe_wav(p)
        if h.sample_format is not None:
            return AudioInfo(
                p,
                "wav",
                "float" if h.format_tag == wavio.FLOAT else "pcm",
                h.rate,
                h.channels,
                h.frames,
                h.sample_format,
                h,
            )
        codec = "ulaw" if h.format_tag == wavio.ULAW else "alaw"
        return AudioInfo(p, "wav", codec, h.rate, h.channels, h.frames, S16, h)
    if container in ("webm", "mp4"):
        return _probe_av(p, container)
    if container == "ogg" and hint == "opus" and oggopus.available():
        st = oggopus.probe(p)
        return AudioInfo(p, "ogg", "opus", st.rate, st.channels, st.frames, S16, opus=st)
    if container == "ogg" and (problem := oggopus.tail_problem(p)):
        raise MediaError(p, problem)
    try:
        info = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError) as e:
        if container == "ogg" and hint == "opus":
            return _probe_av(p, container)
        raise MediaError(p, f"corrupt or truncated {container.upper()}: {_sf_reason(e)}") from None
    codec = hint or {"VORBIS": "vorbis", "OPUS": "opus", "MPEG_LAYER_III": "mp3"}.get(
        info.subtype, info.subtype.lower()
    )
    fmt = F32
    if container == "flac":
        fmt = {"PCM_16": S16, "PCM_24": S24}.get(info.subtype, S16)
    frames = info.frames if info.frames > 0 else None
    if info.channels < 1 or info.samplerate < 1:
        raise MediaError(p, "lying header: no channels or no sample rate")
    if frames is None:
        raise MediaError(
            p, f"corrupt or truncated {container.upper()}: no complete audio could be found"
        )
    return AudioInfo(p, container, codec, info.samplerate, info.channels, frames, fmt)


def _sf_reason(e: Exception) -> str:
    msg = str(e)
    return msg.split(": ", 1)[-1] if ": " in msg else msg


def _probe_av(p: Path, container: str) -> AudioInfo:
    import av

    try:
        with av.open(str(p)) as c:
            if not c.streams.audio:
                raise MediaError(p, f"{container} file has no audio stream")
            st = c.streams.audio[0]
            rate = st.codec_context.sample_rate
            channels = st.codec_context.channels
            frames = None
            if st.duration is not None and st.time_base is not None:
                frames = int(st.duration * st.time_base * rate)
            elif c.duration:
                frames = int(c.duration / 1_000_000 * rate)
            codec = st.codec_context.name
    except av.error.FFmpegError as e:
        raise MediaError(p, f"corrupt or truncated {container}: {e}") from None
    if not rate or not channels:
        raise MediaError(p, "lying header: no channels or no sample rate")
    return AudioInfo(p, container, codec, rate, channels, frames or None, F32)


def blocks(
    info: AudioInfo,
    block_frames: int = BLOCK,
    start: int = 0,
    end: int | None = None,
    *,
    downmix: bool = False,
    threads: int = 1,
) -> Iterator[np.ndarray]:
    """(frames, channels) blocks of info.sample_format's dtype, from `start` to `end` frames;
    with `downmix` (only where info.can_downmix) one channel, the average of all. `threads` 2:
    Ogg/Opus decoded on both cores (one file at a time; a pool of workers keeps 1)."""
    if downmix and not info.can_downmix:
        raise ValueError("this decoder cannot mix down: use mix.to_mono")
    if info.opus is not None:
        channels = 1 if downmix else info.channels
        it = oggopus.blocks(info.path, channels, block_frames, threads=threads)
        yield from _window(it, start, end)
        return
    if info.wav is not None and info.is_pcm:
        yield from wavio.read_blocks(info.path, info.wav, block_frames, start, end)
        return
    if info.container in ("webm", "mp4") or (
        info.container == "ogg"
        and info.codec == "opus"
        and info.wav is None
        and not _sf_can_read(info.path)
    ):
        yield from _rebatch(_av_blocks(info, start, end), block_frames)
        return
    yield from _sf_blocks(info, block_frames, start, end)


def _sf_can_read(path: Path) -> bool:
    try:
        sf.info(str(path))
        return True
    except (sf.LibsndfileError, RuntimeError):
        return False


def _sf_blocks(
    info: AudioInfo, block_frames: int, start: int, end: int | None
) -> Iterator[np.ndarray]:
    dtype = {"s16": "int16", "s24": "int32", "s32": "int32"}.get(info.sample_format.name, "float32")
    got = 0
    try:
        with sf.SoundFile(str(info.path)) as f:
            if start:
                f.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                n = block_frames if remaining is None else min(block_frames, remaining)
                block = f.read(n, dtype=dtype, always_2d=True)
                if not len(block):
                    break
                if info.sample_format is S24:
                    block >>= 8  # libsndfile left-justifies 24-bit samples in int32
                got += len(block)
                if remaining is not None:
                    remaining -= len(block)
                yield block
    except (sf.LibsndfileError, RuntimeError) as e:
        raise MediaError(
            info.path, f"corrupt or truncated {info.container.upper()}: {_sf_reason(e)}"
        ) from None
    if got == 0:
        raise MediaError(info.path, "no audio could be decoded")
    _check_complete(info, got, start, end)


def _av_blocks(info: AudioInfo, start: int, end: int | None) -> Iterator[np.ndarray]:
    import av

    layout = {1: "mono", 2: "stereo"}.get(info.channels)
    pos = 0
    try:
        with av.open(str(info.path)) as c:
            st = c.streams.audio[0]
            resampler = (
                av.AudioResampler(format="flt", layout=layout, rate=info.rate) if layout else None
            )
            for frame in c.decode(st):
                frames = resampler.resample(frame) if resampler else [frame]
                for fr in frames:
                    arr = fr.to_ndarray()
                    arr = arr.reshape(-1, info.channels) if not fr.format.is_planar else arr.T
                    arr = np.ascontiguousarray(arr, np.float32)
                    a, b = pos, pos + len(arr)
                    pos = b
                    if b <= start:
                        continue
                    if end is not None and a >= end:
                        return
                    yield arr[
                        max(0, start - a) : (len(arr) if end is None else min(len(arr), end - a))
                    ]
    except av.error.FFmpegError as e:
        raise MediaError(info.path, f"corrupt or truncated {info.container}: {e}") from None
    if pos == 0:
        raise MediaError(info.path, "no audio could be decoded")
    _check_complete(info, pos - start, start, end)


def _check_complete(info: AudioInfo, got: int, start: int, end: int | None) -> None:
    """A compressed file that decodes to much less than its header declares was cut short. (An
    exact count is only promised by WAV; codecs pad and estimate, hence the tolerance.)"""
    if not info.frames or end is not None:
        return
    expected = info.frames - start
    exact = info.container == "wav"
    tolerance = 0 if exact else max(int(info.rate * 0.25), expected // 50)
    if got < expected - tolerance:
        raise MediaError(
            info.path,
            f"truncated: decoded {got / info.rate:.2f} s of the {expected / info.rate:.2f} s "
            "the header declares",
        )


def _window(it: Iterator[np.ndarray], start: int, end: int | None) -> Iterator[np.ndarray]:
    """The frames from `start` to `end` of a stream of blocks."""
    if not start and end is None:
        yield from it
        return
    pos = 0
    for b in it:
        a, pos = pos, pos + len(b)
        if pos <= start:
            continue
        if end is not None and a >= end:
            return
        yield b[max(0, start - a) : len(b) if end is None else min(len(b), end - a)]


def _rebatch(it: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Regroup small decoder frames into blocks of exactly `size` (the last may be shorter)."""
    pending: list[np.ndarray] = []
    n = 0
    for arr in it:
        pending.append(arr)
        n += len(arr)
        if n >= size:
            joined = np.concatenate(pending)
            cut = len(joined) // size * size
            for k in range(0, cut, size):
                yield joined[k : k + size]
            pending = [joined[cut:]] if cut < len(joined) else []
            n = len(joined) - cut
    if n:
        yield np.concatenate(pending)
