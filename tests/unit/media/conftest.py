"""Audio fixtures written with soundfile and PyAV (independent of our own writers)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

RATE = 8000


def tone(seconds: float = 3.0, rate: int = RATE, channels: int = 2, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    chans = [np.sin(2 * np.pi * (300 + 200 * c) * t) * amp for c in range(channels)]
    return np.stack(chans, 1).astype(np.float32)


def write_sf(path: Path, data: np.ndarray, rate: int, container: str, subtype: str) -> Path:
    with sf.SoundFile(path, "w", rate, data.shape[1], format=container, subtype=subtype) as f:
        for k in range(0, len(data), 4096):
            f.write(data[k : k + 4096])
    return path


def write_av(path: Path, data: np.ndarray, rate: int, fmt: str, codec: str) -> Path:
    layout = "stereo" if data.shape[1] == 2 else "mono"
    with av.open(str(path), "w", format=fmt) as c:
        st = c.add_stream(codec, rate=rate, layout=layout)
        for k in range(0, len(data), 4096):
            fr = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[k : k + 4096]).reshape(1, -1), format="flt", layout=layout
            )
            fr.sample_rate = rate
            for p in st.encode(fr):
                c.mux(p)
        for p in st.encode(None):
            c.mux(p)
    return path


# name -> (writer, codec frame in samples: the "one frame" a round trip may differ by)
FORMATS = {
    "wav-u8": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "PCM_U8"), 0),
    "wav-s16": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "PCM_16"), 0),
    "wav-s24": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "PCM_24"), 0),
    "wav-s32": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "PCM_32"), 0),
    "wav-f32": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "FLOAT"), 0),
    "wav-f64": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "DOUBLE"), 0),
    "wav-ulaw": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "ULAW"), 0),
    "wav-alaw": (lambda p, d, r: write_sf(p.with_suffix(".wav"), d, r, "WAV", "ALAW"), 0),
    "ogg-vorbis": (lambda p, d, r: write_sf(p.with_suffix(".ogg"), d, r, "OGG", "VORBIS"), 0),
    "ogg-opus": (lambda p, d, r: write_sf(p.with_suffix(".opus"), d, r, "OGG", "OPUS"), 160),
    "mp3": (lambda p, d, r: write_sf(p.with_suffix(".mp3"), d, r, "MP3", "MPEG_LAYER_III"), 576),
    "webm-opus": (lambda p, d, r: write_av(p.with_suffix(".webm"), d, r, "webm", "libopus"), 960),
    "m4a-aac": (lambda p, d, r: write_av(p.with_suffix(".m4a"), d, r, "ipod", "aac"), 1024),
}


@pytest.fixture
def make_audio(tmp_path):
    def make(kind: str, data: np.ndarray | None = None, rate: int = RATE, name: str = "in") -> Path:
        data = tone(rate=rate) if data is None else data
        return FORMATS[kind][0](tmp_path / name, data, rate)

    return make
