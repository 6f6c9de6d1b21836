"""Real audio for synthetic recordings: dual channel (0 = customer/external, 1 = agent/internal,
IVR and hold music), 8 kHz, speech-like bursts exactly where the transcript's words are, hold
music during holds, secure pauses cut out. Encoded for real in every format the API offers."""

from __future__ import annotations

import io
import zlib
from functools import cache, lru_cache

import numpy as np
import soundfile as sf

from genesys_tui.emulator.call_model import EXTERNAL, CallDetail, RecordingInfo
from genesys_tui.emulator.formats import FORMATS  # noqa: F401 - re-exported

_SF = {
    "WAV": ("WAV", "PCM_16"),
    "WAV_ULAW": ("WAV", "ULAW"),
    "OGG_VORBIS": ("OGG", "VORBIS"),
    "MP3": ("MP3", "MPEG_LAYER_III"),
}
_AV = {"WEBM": "webm", "OGG_OPUS": "ogg"}
BLOCK = 8192
VOICES = {"customer": 118, "agent": 196, "ivr": 165}  # integer f0 so a 1 s tile loops seamlessly


@cache
def _carrier(f0: int, rate: int) -> np.ndarray:
    """One second of a voiced sound: harmonics with a vowel-ish formant tilt."""
    t = np.arange(rate) / rate
    out = np.zeros(rate, np.float32)
    for k in range(1, 12):
        f = f0 * k
        if f >= rate / 2:
            break
        weight = 1.0 / k * (1.6 if 500 < f < 1100 else 1.0) * (1.3 if 1700 < f < 2500 else 1.0)
        out += (weight * np.sin(2 * np.pi * f * t)).astype(np.float32)
    return out / np.abs(out).max()


@cache
def _twice(f0: int, rate: int) -> np.ndarray:
    """Two seconds of the carrier, so a word under a second long is one slice of it."""
    return np.concatenate([_carrier(f0, rate)] * 2)


@lru_cache(maxsize=8192)
def _word_envelope(n: int, rate: int) -> np.ndarray:
    """A word's loudness over its n samples: a Hann window, with syllables at 5 Hz."""
    env = np.hanning(n).astype(np.float32)
    env *= 0.65 + 0.35 * np.sin(2 * np.pi * 5.0 * np.arange(n) / rate).astype(np.float32)
    return env


@cache
def _music_tile(rate: int) -> np.ndarray:
    """Four seconds of a gentle arpeggio: queue and hold music."""
    notes = [261.63, 329.63, 392.0, 523.25, 392.0, 329.63, 293.66, 349.23]
    per = rate // 2
    tile = np.zeros(per * len(notes), np.float32)
    env = np.minimum(1.0, np.linspace(0, 8, per)) * np.linspace(1.0, 0.3, per)
    t = np.arange(per) / rate
    for k, f in enumerate(notes):
        tile[k * per : (k + 1) * per] = (
            np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)
        ) * env
    return tile / np.abs(tile).max()


def render(d: CallDetail, rec: RecordingInfo, rate: int = 8000) -> np.ndarray:
    """The recording as int16 frames x 2 channels, with its cut pauses removed."""
    n = int(round(rec.wall_ms * rate / 1000))
    buf = np.zeros((2, n), np.float32)
    rng = np.random.default_rng(zlib.crc32(rec.id.encode()))  # not hash(): that differs per process
    noise = (rng.standard_normal(rate) * 0.0015).astype(np.float32)
    reps = -(-n // rate)
    buf[0] += np.tile(noise, reps)[:n]
    buf[1] += np.tile(np.roll(noise, rate // 3), reps)[:n]

    def idx(ms: int) -> int:
        return min(max(int(round((ms - rec.start) * rate / 1000)), 0), n)

    for p in d.phrases:
        if p.end <= rec.start or p.start >= rec.end:
            continue
        ch = 0 if p.channel == EXTERNAL else 1
        tile = _carrier(VOICES.get(p.role, 150), rate)
        twice = _twice(VOICES.get(p.role, 150), rate)
        amp = 0.32 if p.role == "customer" else 0.28
        for w in p.words:
            a, b = idx(w.start), idx(w.start + w.dur)
            if b - a < 8:
                continue
            # the carrier from a (mod 1 s), as a slice when the word is under a second long
            voice = (
                twice[a % rate : a % rate + b - a]
                if b - a <= rate
                else tile[np.arange(a, b) % rate]
            )
            buf[ch, a:b] += voice * _word_envelope(b - a, rate) * amp
    mtile = _music_tile(rate)
    for m in d.music:
        a, b = idx(m.start), idx(m.start + m.dur)
        if b > a:
            k = np.arange(a, b)
            buf[1, a:b] += mtile[k % mtile.size] * (0.18 if m.kind == "hold" else 0.12)
    cuts = [(idx(pz.start), idx(pz.end)) for pz in rec.pauses if pz.cut]
    if cuts:
        keep = np.ones(n, bool)
        for a, b in cuts:
            keep[a:b] = False
        buf = buf[:, keep]
    buf *= 32767.0  # in place: a long call's buffer is not copied three more times
    np.round(buf, out=buf)
    np.clip(buf, -32768, 32767, out=buf)
    pcm = np.empty((buf.shape[1], 2), np.int16)
    np.copyto(pcm, buf.T, casting="unsafe")
    return pcm


def encode(pcm: np.ndarray, rate: int, format_id: str, out: io.BufferedIOBase) -> None:
    """Write pcm (frames x channels, int16) in the formatId's container and codec."""
    if format_id in _SF:
        container, subtype = _SF[format_id]
        with sf.SoundFile(out, "w", rate, pcm.shape[1], format=container, subtype=subtype) as f:
            for k in range(
                0, len(pcm), BLOCK
            ):  # block writes: one huge write crashes libsndfile's Vorbis
                f.write(pcm[k : k + BLOCK])
        return
    import av

    with av.open(out, "w", format=_AV[format_id]) as c:
        layout = "stereo" if pcm.shape[1] == 2 else "mono"
        # complexity 0: 1.8x faster than libopus's default 10, and a listener of synthetic
        # speech at 32 kbit/s hears no difference; what Genesys's encoder spends is not visible
        stream = c.add_stream(
            "libopus", rate=rate, layout=layout, options={"compression_level": "0"}
        )
        stream.bit_rate = 32000
        for k in range(0, len(pcm), BLOCK):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[k : k + BLOCK].T), format="s16p", layout=layout
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)


def probe_duration_ms(data_path, format_id: str) -> int:
    """Duration of encoded audio as a decoder sees it (what outputDurationMs must match)."""
    if format_id in _SF:
        info = sf.info(str(data_path))
        return int(round(info.frames * 1000 / info.samplerate))
    import av

    with av.open(str(data_path)) as c:
        st = c.streams.audio[0]
        samples = sum(fr.samples for fr in c.decode(st))
        return int(round(samples * 1000 / st.codec_context.sample_rate))
