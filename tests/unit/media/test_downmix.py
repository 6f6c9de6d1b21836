"""Mono downmix: the mean of the channels in a wider type, rounded to nearest, never wrapping."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from genesys_tui.media import decode
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.mix import average, convert
from genesys_tui.media.wavio import F32, S16, S24, S32, U8

rng = np.random.default_rng(1)


def read_all(path):
    """The whole file in memory (small test files only)."""
    info = decode.probe(path)
    data = list(decode.blocks(info))
    return (
        np.concatenate(data) if data else np.zeros((0, info.channels), info.sample_format.dtype)
    ), info


def reference(block: np.ndarray) -> np.ndarray:
    return block.astype(np.float64).mean(axis=1)


CASES = {
    "random": rng.integers(-32768, 32768, size=(50_000, 2)).astype(np.int16),
    "full-scale": np.array(
        [[32767, 32767], [-32768, -32768], [32767, -32768], [-32768, 32767]] * 1000, np.int16
    ),
    "clipping-edge": np.array(
        [[32767, 32766], [-32768, -32767], [32767, 1], [-32768, -1], [1, 0], [-1, 0]] * 1000,
        np.int16,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_int16_stereo_within_one_lsb_of_float_reference(name):
    block = CASES[name]
    out = average(block)
    assert out.dtype == np.int16 and out.shape == (len(block), 1)
    assert (
        np.abs(out[:, 0].astype(np.float64) - reference(block)).max() <= 0.5
    )  # rounded to nearest


def test_the_tutorial_formula_would_overflow():
    """The control: int16 (left + right) / 2 wraps around on loud stereo; ours does not."""
    block = CASES["full-scale"]
    with np.errstate(over="ignore"):
        naive = ((block[:, 0] + block[:, 1]) // 2).astype(np.int16)
    assert np.abs(naive.astype(np.float64) - reference(block)).max() > 1000
    assert np.abs(average(block)[:, 0].astype(np.float64) - reference(block)).max() <= 0.5


@pytest.mark.parametrize("channels", [3, 6])
@pytest.mark.parametrize("dtype, lo, hi", [(np.int16, -32768, 32768), (np.int32, -(2**31), 2**31)])
def test_any_channel_count(channels, dtype, lo, hi):
    block = rng.integers(lo, hi, size=(20_000, channels), dtype=np.int64).astype(dtype)
    block[:100] = hi - 1
    out = average(block)
    assert np.abs(out[:, 0].astype(np.float64) - reference(block)).max() <= 0.5 + 1e-9


def test_float_average():
    block = rng.uniform(-1, 1, size=(1000, 2)).astype(np.float32)
    assert np.allclose(average(block)[:, 0], reference(block), atol=1e-7)


def test_mono_passes_through():
    block = CASES["random"][:, :1]
    assert average(block) is block


@pytest.mark.parametrize(
    "subtype, fmt",
    [
        ("PCM_U8", U8),
        ("PCM_16", S16),
        ("PCM_24", S24),
        ("PCM_32", S32),
        ("FLOAT", F32),
        ("DOUBLE", decode.wavio.F64),
    ],
)
def test_wav_depth_and_rate_kept(tmp_path, subtype, fmt):
    data = rng.uniform(-1, 1, size=(8000, 2))
    data[:10] = 1.0
    data[10:20] = -1.0
    src = tmp_path / "in.wav"
    sf.write(src, data, 22050, subtype=subtype)
    (out,) = convert_file(src, tmp_path / "out", ConvertOptions("mono"))
    info = sf.info(str(out))
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, subtype)
    got, _ = read_all(out)
    src_blocks, src_info = read_all(src)
    assert src_info.sample_format is fmt
    ref = src_blocks.astype(np.float64).mean(axis=1)
    assert np.abs(got[:, 0].astype(np.float64) - ref).max() <= (0.5 if not fmt.is_float else 1e-6)


def test_mode_left_right(tmp_path):
    data = np.stack([np.full(800, 1000), np.full(800, -2000)], 1).astype(np.int16)
    src = tmp_path / "in.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    for mode, want in (("left", 1000), ("right", -2000), ("average", -500)):
        (out,) = convert_file(src, tmp_path / mode, ConvertOptions("mono", mode=mode))
        got, _ = read_all(out)
        assert (got[:, 0] == want).all()


def test_compressed_input_gives_16_bit_by_default_and_depth_is_selectable(tmp_path, make_audio):
    src = make_audio("wav-ulaw")
    (out,) = convert_file(src, tmp_path / "a", ConvertOptions("mono"))
    assert sf.info(str(out)).subtype == "PCM_16"
    (out,) = convert_file(src, tmp_path / "b", ConvertOptions("mono", depth="s24"))
    assert sf.info(str(out)).subtype == "PCM_24"


def test_sample_format_conversion_rounds_and_clips():
    f = np.array([[1.0], [-1.0], [0.5 / 32768], [-0.75 / 32768], [2.0]], np.float32)
    assert convert(f, F32, S16)[:, 0].tolist() == [32767, -32768, 0, -1, 32767]
    s24 = np.array([[127], [128], [-129], [8388607]], np.int32)
    assert convert(s24, S24, S16)[:, 0].tolist() == [0, 1, -1, 32767]
    assert convert(np.array([[-128], [127]], np.int16), U8, S16)[:, 0].tolist() == [-32768, 32512]


def test_hash_while_writing_matches_the_file(tmp_path):
    import hashlib

    data = (np.random.default_rng(2).standard_normal((30_001, 2)) * 5000).astype(np.int16)
    src = tmp_path / "in.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    for fmt, opts in (
        ("mono", ConvertOptions("mono")),
        ("split", ConvertOptions("split")),
        ("resampled", ConvertOptions("mono", rate=16000)),
    ):
        hashes: dict = {}
        outs = convert_file(src, tmp_path / fmt, opts, hashes=hashes)
        for out in outs:
            if fmt == "resampled":
                assert out not in hashes  # unknown length: no promise, hashed later instead
            else:
                assert hashes[out] == hashlib.sha256(out.read_bytes()).hexdigest()
