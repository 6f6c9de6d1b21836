"""Speed without a change of pitch: libavfilter's `atempo` (WSOLA, what ffmpeg uses) through PyAV,
fed a block at a time, so the player can stretch as it plays and start afresh on a seek."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

MIN_SPEED, MAX_SPEED = 0.5, 2.0  # one atempo instance's range in every libavfilter version


class Stretcher:
    """Blocks in (frames x channels, float32) at `speed`; the same sound `speed` times faster out,
    its pitch kept. Output lags input by the filter's window (tens of milliseconds)."""

    def __init__(self, rate: int, channels: int, speed: float) -> None:
        import av

        self.rate, self.channels = rate, channels
        self.speed = min(MAX_SPEED, max(MIN_SPEED, speed))
        layout = "mono" if channels == 1 else "stereo"
        if channels > 2:
            raise ValueError("atempo here takes mono or stereo")
        self._av, self._layout, self._pts = av, layout, 0
        g = av.filter.Graph()
        src = g.add_abuffer(format="fltp", sample_rate=rate, layout=layout)
        tempo = g.add("atempo", f"{self.speed:.4f}")
        sink = g.add("abuffersink")
        src.link_to(tempo)
        tempo.link_to(sink)
        g.configure()
        self._graph = g
        self._flushed = False

    def flush(self) -> np.ndarray:
        """The end of the input: what the filter still holds."""
        if self._flushed:
            return np.zeros((0, self.channels), np.float32)
        self._flushed = True
        self._graph.push(None)
        return self._drain()

    def push(self, block: np.ndarray) -> np.ndarray:
        """Stretch a block; whatever output is ready (possibly none yet)."""
        av = self._av
        if len(block):
            planar = np.ascontiguousarray(block.T, dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=self._layout)
            frame.sample_rate, frame.pts = self.rate, self._pts
            frame.time_base = Fraction(1, self.rate)
            self._pts += len(block)
            self._graph.push(frame)
        return self._drain()

    def _drain(self) -> np.ndarray:
        av = self._av
        out = []
        while True:
            try:
                got = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                break
            a = got.to_ndarray()
            out.append(a.T if got.format.is_planar else a.reshape(-1, self.channels))
        if not out:
            return np.zeros((0, self.channels), np.float32)
        return np.ascontiguousarray(np.concatenate(out).astype(np.float32, copy=False))
