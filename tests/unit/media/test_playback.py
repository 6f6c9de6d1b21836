"""Playback behind a small interface: testable without a sound card, never crashing without one."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from genesys_tui.media import playback


class FakeStream:
    instances: list[FakeStream] = []

    def __init__(self, samplerate, channels, dtype, callback, finished_callback):
        self.rate, self.channels, self.callback, self.finished = (
            samplerate,
            channels,
            callback,
            finished_callback,
        )
        self.active = False
        FakeStream.instances.append(self)

    def start(self):
        self.active = True

    def stop(self):
        if self.active:
            self.active = False
            self.finished()

    def close(self):
        pass

    def pull(self, frames):
        out = np.zeros((frames, self.channels), np.float32)
        try:
            self.callback(out, frames, None, None)
        except Fake.CallbackStop:
            self.stop()
        return out


class Fake:
    class CallbackStop(Exception):
        pass

    OutputStream = FakeStream


def test_plays_from_a_position_and_reports_the_end():
    data = np.arange(1000, dtype=np.float32)[:, None] / 1000
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    ended = []
    p.on_end = lambda: ended.append(True)
    p.play(start=100, end=400)
    s = FakeStream.instances[-1]
    out = s.pull(100)
    assert np.allclose(out[:, 0], data[100:200, 0]) and p.position == 200
    p.pause()
    assert not p.playing
    p.resume()
    s.pull(300)
    assert ended == [True] and not p.playing and p.position == 400


def tone(hz: float, seconds: float, rate: int = 8000) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int = 8000) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.5, 2.0])
def test_speed_keeps_the_pitch(speed):
    """A 440 Hz tone at any speed is still 440 Hz, and lasts 1/speed as long (resampling would
    make it 880 Hz at 2x)."""
    data = np.stack([tone(440, 4), tone(440, 4)], axis=1)
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    p.play(start=0, speed=speed)
    s = FakeStream.instances[-1]
    out = np.concatenate([s.pull(512) for _ in range(int(len(data) / speed / 512) + 8)])
    heard = out[np.abs(out[:, 0]) > 0][:, 0]
    assert abs(peak_hz(heard[2000:6000]) - 440) < 8
    assert abs(len(heard) - len(data) / speed) < 0.03 * len(data) / speed
    assert not p.playing  # it reached the end


def test_position_follows_what_is_heard_at_speed():
    data = np.stack([tone(300, 6)] * 2, axis=1)
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    p.play(start=8000, speed=2.0)
    s = FakeStream.instances[-1]
    for _ in range(16):
        s.pull(500)  # one second of output: two of the recording
    assert abs(p.position - (8000 + 16000)) < 1200  # within the stretcher's window
    p.seek(4000)  # a seek lands at once, the stretcher starts afresh
    assert p.position == 4000


def test_solo_and_mute_silence_a_channel_and_leave_the_other_untouched():
    left, right = tone(300, 1), tone(500, 1)
    data = np.stack([left, right], axis=1)
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    p.set_mix([0.0, 1.0])  # the agent alone (customer muted)
    p.play(start=0)
    out = FakeStream.instances[-1].pull(2000)
    assert not out[:, 0].any() and np.array_equal(out[:, 1], right[:2000])
    assert np.array_equal(data[:2000, 0], left[:2000])  # the recording itself is not changed
    # the IVR muted: its span of the customer's channel only
    p.set_mix([1.0, 1.0], [(3000, 4000, 0, 0.0)])
    p.seek(2500)
    out = FakeStream.instances[-1].pull(2000)
    assert np.array_equal(out[:500, 0], left[2500:3000]) and not out[500:1500, 0].any()
    assert np.array_equal(out[1500:, 0], left[4000:4500]) and np.array_equal(
        out[:, 1], right[2500:4500]
    )


def test_int16_samples_are_scaled_and_mixed():
    data = (np.stack([tone(300, 1), tone(500, 1)], axis=1) * 32767).astype(np.int16)
    p = playback.Player(backend=Fake)
    p.load(data, 8000, 32768.0)
    p.set_mix([1.0, 0.0])
    p.play(start=0)
    out = FakeStream.instances[-1].pull(100)
    assert np.allclose(out[:, 0], data[:100, 0] / 32768.0) and not out[:, 1].any()


def test_skipped_ranges_are_jumped():
    data = np.arange(2000, dtype=np.float32)[:, None]
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    p.set_skips([(100, 300), (250, 400), (900, 1000)])  # overlapping ranges merge
    p.play(start=0)
    out = FakeStream.instances[-1].pull(700)[:, 0]
    want = np.concatenate([np.arange(0, 100), np.arange(400, 900), np.arange(1000, 1100)])
    assert np.array_equal(out, want) and p.position == 1100
    p.seek(150)  # a seek into a skipped range lands at its end
    assert FakeStream.instances[-1].pull(1)[0, 0] == 400
    p.set_skips([])  # off: everything is heard
    p.seek(150)
    assert FakeStream.instances[-1].pull(1)[0, 0] == 150


def test_an_a_b_loop_repeats_on_sample_positions():
    data = np.arange(1000, dtype=np.float32)[:, None]
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    p.set_loop(100, 200)
    p.play(start=150)
    out = FakeStream.instances[-1].pull(260)[:, 0]
    want = np.concatenate([np.arange(150, 200), np.arange(100, 200), np.arange(100, 200),
                           np.arange(100, 110)])  # fmt: skip
    assert np.array_equal(out, want)
    p.set_loop(None, None)  # cleared: it plays on past the end mark
    out = FakeStream.instances[-1].pull(200)[:, 0]
    assert np.array_equal(out, np.arange(110, 310))


def test_unavailable_without_portaudio(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    status = playback.available()
    assert not status.ok and "not installed" in status.reason
    p = playback.Player()
    p.load(np.zeros(10, np.float32), 8000)
    with pytest.raises(playback.PlaybackUnavailable):
        p.play()


def test_unavailable_without_an_output_device(monkeypatch):
    mod = types.ModuleType("sounddevice")

    def query_devices(kind=None):
        raise RuntimeError("Error querying device -1")

    mod.query_devices = query_devices
    monkeypatch.setitem(sys.modules, "sounddevice", mod)
    status = playback.available()
    assert not status.ok and "no audio output device" in status.reason


def test_plays_a_memory_mapped_int16_wav_without_loading_it(tmp_path):
    import soundfile as sf

    from genesys_tui.media.wavio import memmap

    x = (np.sin(np.arange(8000) / 10) * 20000).astype(np.int16)
    stereo = np.stack([x, -x], axis=1)
    path = tmp_path / "a.wav"
    sf.write(path, stereo, 8000, subtype="PCM_16")
    data, scale = memmap(path)
    assert isinstance(data, np.memmap) and data.shape == (8000, 2) and scale == 32768.0
    p = playback.Player(backend=Fake)
    p.load(data, 8000, scale)
    p.play(start=1000)
    out = FakeStream.instances[-1].pull(64)
    assert out.dtype == np.float32
    assert np.allclose(out, stereo[1000:1064] / 32768.0, atol=1e-6)


def test_memmap_declines_formats_that_need_decoding(tmp_path):
    import soundfile as sf

    from genesys_tui.media.wavio import memmap

    path = tmp_path / "u.wav"
    sf.write(path, np.zeros((800, 1), np.float32), 8000, subtype="ULAW")
    assert memmap(path) is None
