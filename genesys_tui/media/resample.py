"""High-quality streaming resampling (libsoxr through python-soxr)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import soxr

from genesys_tui.media.mix import convert
from genesys_tui.media.wavio import F32, F64, SampleFormat


def resample(
    blocks: Iterator[np.ndarray], in_rate: int, out_rate: int, channels: int, fmt: SampleFormat
) -> Iterator[np.ndarray]:
    """Blocks at out_rate, in the same sample format as they came."""
    if in_rate == out_rate:
        yield from blocks
        return
    work = F64 if fmt is F64 else F32
    stream = soxr.ResampleStream(in_rate, out_rate, channels, dtype=work.dtype.name, quality="HQ")
    for b in blocks:
        out = stream.resample_chunk(np.ascontiguousarray(convert(b, fmt, work)), last=False)
        if len(out):
            yield convert(out, work, fmt)
    out = stream.resample_chunk(np.zeros((0, channels), work.dtype), last=True)
    if len(out):
        yield convert(out, work, fmt)
