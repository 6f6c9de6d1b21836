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


def test_plays_from_a_position_at_a_speed_and_reports_the_end():
    data = np.arange(1000, dtype=np.float32)[:, None] / 1000
    p = playback.Player(backend=Fake)
    p.load(data, 8000)
    ended = []
    p.on_end = lambda: ended.append(True)
    p.play(start=100, end=400)
    s = FakeStream.instances[-1]
    out = s.pull(100)
    assert np.allclose(out[:, 0], data[100:200, 0]) and p.position == 200
    p.set_speed(2.0)
    out = s.pull(50)
    assert np.allclose(out[:, 0], data[200:300:2, 0], atol=1e-6) and p.position == 300
    p.pause()
    assert not p.playing
    p.resume()
    s.pull(100)
    assert ended == [True] and not p.playing and p.position == 400


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
