"""The text waveform: braille, block and ASCII from min/max envelopes, and envelopes below the
peaks cache's finest level read from the audio itself."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from genesys_tui.flows.review.waveform import envelope, render
from genesys_tui.media.peaks import PeaksCache


def env(values):
    return np.array(values, np.float32)


def test_braille_fills_dots_between_min_and_max():
    # one cell (two columns), one row: column 0 full range, column 1 only the top quarter
    [line] = render(env([[-1, 1], [0.6, 1]]), 1, "braille")
    assert line == chr(0x2800 + 0x01 + 0x02 + 0x04 + 0x40 + 0x08)


def test_block_and_ascii_shapes():
    e = env([[-1, 1], [0, 0], [0.5, 1], [-1, -0.5]])
    assert render(e, 2, "block") == ["█▄█ ", "█▀ █"]  # silence: a thin centre line
    assert render(e, 2, "ascii") == ["#-# ", "#- #"]


def test_silence_is_a_centre_line_not_nothing():
    lines = render(np.zeros((8, 2), np.float32), 3, "braille")
    assert lines[0] == lines[2] == "\u2800" * 4 and set(lines[1]) != {"\u2800"}


def test_envelope_below_the_cache_reads_the_samples(tmp_path):
    rate = 8000
    x = np.zeros((rate, 2), np.float32)
    x[4000, 0], x[4001, 1] = 0.9, -0.8  # two single-sample spikes
    path = tmp_path / "a.wav"
    sf.write(path, x, rate, subtype="PCM_16")
    peaks = PeaksCache(tmp_path / "cache").get(path)
    assert peaks.envelope(3990, 4010, 10) is None  # 2 samples a column: finer than the cache
    e = envelope(peaks, path, 3990, 4010, 10)
    assert e.shape == (2, 10, 2)
    assert (
        abs(e[0, 5, 1] - 0.9) < 1e-3 and abs(e[1, 5, 0] + 0.8) < 1e-3
    )  # the column holding 4000-4001
    assert np.all(e[0, :5] == 0) and np.all(e[0, 6:] == 0)
    wide = envelope(peaks, path, 0, rate, 20)  # from the cache
    assert abs(wide[0, 10, 1] - 0.9) < 1e-3
