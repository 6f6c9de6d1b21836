"""Channel work on blocks: average to mono without overflow (a wider type, rounded to nearest),
pick one channel, and convert between sample formats with rounding and clipping."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from genesys_tui.media.errors import MediaError
from genesys_tui.media.names import AVERAGE, LEFT, RIGHT
from genesys_tui.media.wavio import SampleFormat


def average(block: np.ndarray) -> np.ndarray:
    """Mean of the channels, same dtype, shape (frames, 1). Integers are summed in a wider type
    (the tutorial's int16 `(left + right) / 2` wraps around on loud stereo) and rounded half up."""
    n = block.shape[1]
    if n == 1:
        return block
    if block.dtype.kind == "f":
        return block.mean(axis=1, dtype=np.float64).astype(block.dtype)[:, None]
    wide = np.int32 if block.dtype.itemsize <= 2 else np.int64
    if n == 2:
        acc = np.add(block[:, 0], block[:, 1], dtype=wide)
        acc += 1
        np.right_shift(acc, 1, out=acc)
    else:
        acc = block.sum(axis=1, dtype=wide)
        acc += n // 2
        np.floor_divide(acc, n, out=acc)
    return acc.astype(block.dtype)[:, None]


def average_s16_stereo(block: np.ndarray, out: np.ndarray) -> np.ndarray:
    """average() of a (frames, 2) int16 block into `out` (frames,), without a wider type:
    (l + r + 1) >> 1 == (l | r) - ((l ^ r) >> 1) in two's complement, and neither side can
    overflow. A quarter fewer bytes moved than widening, on the downmix's hot path."""
    left, right = block[:, 0], block[:, 1]
    np.bitwise_or(left, right, out=out)
    half = np.bitwise_xor(left, right)
    np.right_shift(half, 1, out=half)
    return np.subtract(out, half, out=out)


def channel(block: np.ndarray, index: int) -> np.ndarray:
    return np.ascontiguousarray(block[:, index : index + 1])


def to_mono(
    blocks: Iterator[np.ndarray], mode: str | int, channels: int, path=None
) -> Iterator[np.ndarray]:
    """mode: 'average', 'left' (0), 'right' (1), or a channel index."""
    index = {LEFT: 0, RIGHT: 1}.get(mode, mode) if mode != AVERAGE else None
    if index is not None:
        if not isinstance(index, int) or not 0 <= index < channels:
            raise MediaError(path, f"channel {mode!r} does not exist in a {channels}-channel file")
        if channels == 1:
            index = None
    for b in blocks:
        yield average(b) if index is None else channel(b, index)


def convert(block: np.ndarray, src: SampleFormat, dst: SampleFormat) -> np.ndarray:
    """Between sample formats: integer scaling is exact where it can be, rounded and clipped where
    it cannot; floats are rounded to nearest and clipped to the integer range."""
    if src is dst or (src.dtype == dst.dtype and src.bits == dst.bits):
        return block
    if dst.is_float:
        return (
            (block.astype(np.float64) / src.full_scale).astype(dst.dtype)
            if not src.is_float
            else block.astype(dst.dtype)
        )
    lo, hi = -dst.full_scale, dst.full_scale - 1
    if src.is_float:
        x = np.rint(block.astype(np.float64) * dst.full_scale)
        return np.clip(x, lo, hi).astype(dst.dtype)
    shift = (
        dst.bits - src.bits
    )  # u8 is held centred with 8 bits of range, so it scales like the rest
    wide = block.astype(np.int64)
    if shift >= 0:
        return (wide << shift).astype(dst.dtype)
    half = 1 << (-shift - 1)
    return np.clip((wide + half) >> -shift, lo, hi).astype(dst.dtype)
