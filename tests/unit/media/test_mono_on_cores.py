"""The mono downmix split between cores writes exactly the bytes the one-block-at-a-time path
writes (odd lengths, a split inside a block), and is used only where it applies."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from genesys_tui.media import convert as conv
from genesys_tui.media.convert import ConvertOptions, convert_file


def test_on_cores_is_the_same_file(tmp_path, monkeypatch):
    monkeypatch.setattr(conv, "FAST_MIN_FRAMES", 1000)
    monkeypatch.setattr(conv, "FAST_BLOCK", 4099)  # shares and blocks that do not line up
    rng = np.random.default_rng(3)
    x = rng.integers(-32768, 32767, (50_001, 2), dtype=np.int16, endpoint=True)
    x[:10] = [[32767, 32767], [-32768, -32768], [-1, 0], [1, 0], [-3, 0], [3, 0], [0, 0],
              [32767, -32768], [-32768, 32767], [5, -6]]  # fmt: skip
    src = tmp_path / "in.wav"
    sf.write(src, x, 8000, subtype="PCM_16")
    one = convert_file(src, tmp_path / "one", ConvertOptions("mono"), threads=1)[0]
    calls = []
    real = conv._mono_on_cores
    monkeypatch.setattr(conv, "_mono_on_cores", lambda *a: calls.append(1) or real(*a))
    for threads in (2, 3):
        two = convert_file(src, tmp_path / f"t{threads}", ConvertOptions("mono"), threads=threads)
        assert two[0].read_bytes() == one.read_bytes()
    assert len(calls) == 2  # the split path was the one taken
    # not where it does not apply: another depth, one channel kept, a hash wanted
    convert_file(src, tmp_path / "f", ConvertOptions("mono", depth="f32"), threads=2)
    convert_file(src, tmp_path / "l", ConvertOptions("mono", mode="left"), threads=2)
    convert_file(src, tmp_path / "h", ConvertOptions("mono"), hashes={}, threads=2)
    assert len(calls) == 2
    got, _ = sf.read(one, dtype="int16")
    want = (x[:, 0].astype(np.int32) + x[:, 1] + 1) >> 1
    assert np.array_equal(got, want)  # the mean, rounded half up, never wrapping


def test_the_narrow_average_is_the_wide_one_for_every_kind_of_pair():
    from genesys_tui.media.mix import average, average_s16_stereo

    edges = np.array([-32768, -32767, -32766, -2, -1, 0, 1, 2, 32765, 32766, 32767], np.int16)
    values = np.concatenate([edges, np.arange(-32768, 32768, 97, dtype=np.int16)])
    left, right = np.meshgrid(values, values)
    pairs = np.stack([left.ravel(), right.ravel()], axis=1)
    out = np.empty(len(pairs), np.int16)
    assert np.array_equal(average_s16_stereo(pairs, out), average(pairs)[:, 0])
