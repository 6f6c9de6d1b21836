"""A waveform as text: min/max envelopes drawn in braille (2x4 dots a cell), half blocks, or plain
ASCII, vectorised with numpy so a zoom redraws in well under a millisecond per lane. The envelope
comes from the peaks cache, or from the audio itself when zoomed in past the cache's finest level."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genesys_tui.media.peaks import Peaks, samples

# Braille dot bits, [row][column] within a 2x4 cell (Unicode U+2800 block).
_BRAILLE = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], np.uint32)
_BLOCK = np.array([ord(" "), ord("▄"), ord("▀"), ord("█")], np.uint32)


def columns_per_cell(style: str) -> int:
    return 2 if style == "braille" else 1


def envelope(peaks: Peaks, path: str | Path, start: int, end: int, columns: int) -> np.ndarray:
    """(channels, columns, 2) min/max in [-1, 1] for frames [start, end)."""
    env = peaks.envelope(start, end, columns)
    if env is not None:
        return env
    start, end = max(0, start), min(peaks.frames, end)
    if end <= start:
        return np.zeros((peaks.channels, columns, 2), np.float32)
    x = samples(path, start, end)  # a few seconds at most: read just that
    edges = np.linspace(0, len(x), columns + 1)
    first = np.minimum(np.floor(edges[:-1]).astype(np.int64), len(x) - 1)
    # Each column reduces its own span; with fewer samples than columns, a repeated index gives
    # the sample itself.
    lo = np.minimum.reduceat(x, first, axis=0)
    hi = np.maximum.reduceat(x, first, axis=0)
    return np.stack([lo.T, hi.T], axis=2).astype(np.float32)


def _lit(env: np.ndarray, levels: int) -> np.ndarray:
    """(levels, columns) bool: which vertical cells a min/max column touches (top first)."""
    step = 2.0 / levels
    centre = 1.0 - (np.arange(levels) + 0.5) * step  # +1 at the top, -1 at the bottom
    lo, hi = np.clip(env[:, 0], -1, 1), np.clip(env[:, 1], -1, 1)
    half = step / 2
    return (centre[:, None] + half >= lo[None, :]) & (centre[:, None] - half <= hi[None, :])


def render(env: np.ndarray, rows: int, style: str = "braille") -> list[str]:
    """One lane: env is (columns, 2) for one channel; braille takes 2 columns per character."""
    if rows < 1 or not len(env):
        return [""] * max(rows, 0)
    if style == "braille":
        cols = len(env) // 2 * 2
        on = _lit(env[:cols], rows * 4).reshape(rows, 4, cols // 2, 2)
        codes = 0x2800 + (on * _BRAILLE[None, :, None, :]).sum(axis=(1, 3), dtype=np.uint32)
    elif style == "block":
        on = _lit(env, rows * 2).reshape(rows, 2, len(env))
        codes = _BLOCK[on[:, 0] * 2 + on[:, 1]]
    else:
        on = _lit(env, rows)
        quiet = (
            np.maximum(np.abs(env[:, 0]), np.abs(env[:, 1])) < 1.0 / rows
        )  # near silence: a flat line
        codes = np.where(on, np.where(quiet[None, :], ord("-"), ord("#")), ord(" ")).astype(
            np.uint32
        )
    codes = np.ascontiguousarray(codes, dtype=np.uint32)
    return [str(s) for s in codes.view(f"<U{codes.shape[1]}")[:, 0]]
