"""Audio playback through sounddevice, imported lazily: without PortAudio or an output device,
available() says why and nothing crashes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str


def available() -> Availability:
    try:
        import sounddevice as sd
    except OSError as e:  # PortAudio library not found
        return Availability(False, f"{e} (install libportaudio2)")
    except ImportError as e:
        return Availability(False, f"sounddevice is not installed ({e})")
    try:
        device = sd.query_devices(kind="output")
    except Exception as e:  # noqa: BLE001 - PortAudio raises its own error types
        return Availability(False, f"no audio output device ({e})")
    if not device:
        return Availability(False, "no audio output device")
    return Availability(True, f"output device: {device.get('name', 'default')}")


class PlaybackUnavailable(Exception):
    pass


class Player:
    """Plays float32 samples (frames x channels) through a sounddevice OutputStream.

    Thread-safe enough for a UI: the audio callback runs on PortAudio's thread and only reads
    `_pos`, `_end` and `_speed`; the UI reads `position`. Speed changes playback rate by
    resampling on the fly (pitch follows speed). `backend` is the sounddevice module, or a stand-in
    with the same OutputStream/CallbackStop (tests)."""

    def __init__(self, backend=None):
        self._sd = backend
        self._stream = None
        self._data = None
        self.rate = 0
        self._pos = 0.0
        self._end = 0
        self._speed = 1.0
        self._gain = 1.0
        self.playing = False
        self.on_end = None  # called (from the audio thread) when playback reaches its end

    def _backend(self):
        if self._sd is None:
            status = available()
            if not status.ok:
                raise PlaybackUnavailable(status.reason)
            import sounddevice

            self._sd = sounddevice
        return self._sd

    def load(self, samples, rate: int, scale: float = 1.0) -> None:
        """samples: float32, or integers with their full scale (e.g. a memory-mapped int16 WAV,
        converted a callback's worth at a time)."""
        import numpy as np

        self.stop()
        if scale == 1.0:
            samples = np.asarray(samples, dtype=np.float32)
        self._data = samples if samples.ndim == 2 else samples[:, None]
        self._gain = 1.0 / scale
        self.rate = rate
        self._pos, self._end = 0.0, len(self._data)

    @property
    def position(self) -> int:
        return int(self._pos)

    @property
    def frames(self) -> int:
        return 0 if self._data is None else len(self._data)

    def play(self, start: int | None = None, end: int | None = None, speed: float = 1.0) -> None:
        if self._data is None:
            raise PlaybackUnavailable("nothing loaded")
        sd = self._backend()
        self.stop()
        self._pos = float(self._pos if start is None else max(0, start))
        self._end = len(self._data) if end is None else min(end, len(self._data))
        self._speed = max(0.25, min(4.0, speed))
        self._stream = sd.OutputStream(
            samplerate=self.rate,
            channels=self._data.shape[1],
            dtype="float32",
            callback=self._callback,
            finished_callback=self._finished,
        )
        self.playing = True
        self._stream.start()

    def _callback(self, outdata, frames, time_info, status) -> None:
        import numpy as np

        data, pos, speed = self._data, self._pos, self._speed
        idx = pos + np.arange(frames) * speed
        valid = idx < self._end - 1
        n = int(valid.sum())
        if n:
            i0 = idx[:n].astype(np.int64)
            frac = (idx[:n] - i0)[:, None].astype(np.float32)
            mixed = data[i0] * (1 - frac) + data[i0 + 1] * frac
            outdata[:n] = mixed * self._gain if self._gain != 1.0 else mixed
        outdata[n:] = 0
        self._pos = min(float(self._end), pos + frames * speed)
        if n < frames:
            raise self._sd.CallbackStop()

    def _finished(self) -> None:
        was = self.playing
        self.playing = False
        if was and self._pos >= self._end and self.on_end:
            self.on_end()

    def pause(self) -> None:
        if self._stream is not None:
            self.playing = False
            self._stream.stop()

    def resume(self) -> None:
        if self._stream is not None and not self.playing and self._pos < self._end:
            self.playing = True
            self._stream.start()

    def seek(self, frame: int) -> None:
        self._pos = float(max(0, min(frame, self.frames)))

    def set_speed(self, speed: float) -> None:
        self._speed = max(0.25, min(4.0, speed))

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        self.playing = False
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # noqa: BLE001 - a dying device must not take the app down
                pass
