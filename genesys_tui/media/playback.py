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
    """Plays samples (frames x channels) through a sounddevice OutputStream.

    What a reviewer asks of a player, all applied as the audio is rendered (`render`, which the
    tests call directly): a gain per channel and per span (solo or mute a party: each party of a
    stereo recording is a channel, the IVR a span of the customer's), ranges skipped (silences and
    holds), an A-B loop, and speed with the pitch kept (libavfilter's atempo, media/tempo.py).

    The audio callback runs on PortAudio's thread; every change from the UI takes the same lock,
    so a seek or a speed change lands between two blocks. `backend` is the sounddevice module, or
    a stand-in with the same OutputStream/CallbackStop (tests)."""

    STRETCH_BLOCK = 1024  # source frames fed to the stretcher at a time

    def __init__(self, backend=None):
        import threading

        self._sd = backend
        self._stream = None
        self._data = None
        self.rate = 0
        self._pos = 0  # the next source frame to render
        self._end = 0
        self._speed = 1.0
        self._scale = 1.0
        self._gains = None  # per channel; None: all 1
        self._spans: list[tuple[int, int, int, float]] = []  # (start, end, channel, gain)
        self._skips: list[tuple[int, int]] = []  # merged, sorted
        self._loop: tuple[int, int] | None = None
        self._stretcher = None
        self._pending = None  # stretched frames not yet played
        self._lock = threading.Lock()
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
        converted a block at a time)."""
        import numpy as np

        self.stop()
        if scale == 1.0:
            samples = np.asarray(samples, dtype=np.float32)
        self._data = samples if samples.ndim == 2 else samples[:, None]
        self._scale = scale
        self.rate = rate
        self._pos, self._end = 0, len(self._data)
        self._gains, self._spans, self._skips, self._loop = None, [], [], None
        self._restart()

    @property
    def channels(self) -> int:
        return 0 if self._data is None else self._data.shape[1]

    @property
    def position(self) -> int:
        """The frame being heard (behind what was rendered by what the stretcher holds)."""
        held = 0 if self._pending is None else len(self._pending)
        return max(0, int(self._pos - held * self._speed))

    @property
    def frames(self) -> int:
        return 0 if self._data is None else len(self._data)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    # --- what is heard ------------------------------------------------------------------------

    def set_mix(self, gains, spans=()) -> None:
        """A gain per channel, and spans (start frame, end frame, channel, gain) that override
        it: the IVR muted is its span of the customer's channel at 0."""
        with self._lock:
            self._gains = list(gains) if gains is not None else None
            self._spans = sorted(spans)

    def set_skips(self, ranges) -> None:
        """Frame ranges never played (silences, holds): playback jumps over them. Empty: none."""
        merged: list[tuple[int, int]] = []
        for a, b in sorted((int(a), int(b)) for a, b in ranges if b > a):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        with self._lock:
            self._skips = merged

    def set_loop(self, start: int | None, end: int | None) -> None:
        """Play [start, end) over and over (None: no loop)."""
        with self._lock:
            self._loop = (
                (int(start), int(end))
                if start is not None and end is not None and end > start
                else None
            )

    # --- rendering ----------------------------------------------------------------------------

    def render(self, frames: int):
        """The next `frames` output frames (fewer at the end), as the sound card gets them."""
        import numpy as np

        with self._lock:
            if self._data is None:
                return np.zeros((0, 1), np.float32)
            if self._stretcher is None:
                return self._source(frames)
            while len(self._pending) < frames:
                block = self._source(self.STRETCH_BLOCK)
                got = self._stretcher.push(block) if len(block) else self._stretcher.flush()
                if not len(block) and not len(got):
                    break
                self._pending = np.concatenate([self._pending, got])
            out, self._pending = self._pending[:frames], self._pending[frames:]
            return out

    def _source(self, n: int):
        """Up to n source frames from the position on: skipped ranges jumped, the loop wrapped,
        gains applied. Advances the position."""
        import numpy as np

        pieces, got = [], 0
        while got < n:
            pos = self._landing(self._pos)
            if pos >= self._end:
                self._pos = pos
                break
            stop = min(self._end, pos + (n - got), self._next_boundary(pos))
            pieces.append(self._mixed(pos, stop))
            got += stop - pos
            self._pos = stop
            if self._loop and stop == self._loop[1]:
                self._pos = self._loop[0]
        if not pieces:
            return np.zeros((0, self.channels), np.float32)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _landing(self, pos: int) -> int:
        for a, b in self._skips:  # merged and sorted: one pass
            if a <= pos < b:
                pos = b
        return pos

    def _next_boundary(self, pos: int) -> int:
        limit = self._end
        if self._loop and pos < self._loop[1]:
            limit = min(limit, self._loop[1])
        for a, _ in self._skips:
            if a > pos:
                limit = min(limit, a)
                break
        return limit

    def _mixed(self, a: int, b: int):
        import numpy as np

        block = np.asarray(self._data[a:b], dtype=np.float32)
        if self._scale != 1.0:
            block = block * np.float32(1.0 / self._scale)
        elif self._gains is not None or self._spans:
            block = block.copy()  # the loaded samples stay as they are
        if self._gains is not None:
            block *= np.asarray(self._gains[: block.shape[1]], np.float32)
        for s, e, ch, gain in self._spans:
            if s < b and e > a and ch < block.shape[1]:
                raw = np.asarray(self._data[max(s, a) : min(e, b), ch], dtype=np.float32)
                block[max(s, a) - a : min(e, b) - a, ch] = raw * np.float32(gain / self._scale)
        return block

    def _restart(self) -> None:
        """After a seek or a speed change: the stretcher starts afresh from the position."""
        import numpy as np

        self._pending = np.zeros((0, max(1, self.channels)), np.float32)
        self._stretcher = None
        if self._speed != 1.0 and self._data is not None:
            from genesys_tui.media.tempo import Stretcher

            self._stretcher = Stretcher(self.rate, self.channels, self._speed)

    # --- the stream ---------------------------------------------------------------------------

    def play(self, start: int | None = None, end: int | None = None, speed: float = 1.0) -> None:
        if self._data is None:
            raise PlaybackUnavailable("nothing loaded")
        sd = self._backend()
        self.stop()
        with self._lock:
            self._pos = self._pos if start is None else max(0, int(start))
            self._end = len(self._data) if end is None else min(int(end), len(self._data))
            self._speed = max(0.5, min(2.0, speed))
            self._restart()
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
        block = self.render(frames)
        n = len(block)
        outdata[:n] = block
        outdata[n:] = 0
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
        with self._lock:
            self._pos = max(0, min(int(frame), self.frames))
            self._restart()

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._pos = self.position  # from what is heard now, not what was rendered ahead
            self._speed = max(0.5, min(2.0, speed))
            self._restart()

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        self.playing = False
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # noqa: BLE001 - a dying device must not take the app down
                pass
