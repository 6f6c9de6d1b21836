from __future__ import annotations

import hashlib

import numpy as np
import soundfile as sf

from genesys_tui.media import decode, peaks
from genesys_tui.media.hashing import hash_file
from genesys_tui.media.opus import opus_stream
from genesys_tui.media.wavio import S16


def test_envelope_matches_brute_force(tmp_path):
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((123_457, 2)) * 4000).astype(np.int16)
    src = tmp_path / "a.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    info = decode.probe(src)
    pk = peaks.compute(decode.blocks(info, 10_000), info.rate, info.channels, info.sample_format)
    assert pk.frames == len(data) and len(pk.levels) > 2
    for start, end, cols in ((0, len(data), 37), (5000, 90_000, 100), (1000, 1000 + 128 * 50, 50)):
        env = pk.envelope(start, end, cols)
        assert env.shape == (2, cols, 2)
        # every column covers its share of the window (bucket-aligned)
        edges = np.linspace(start, end, cols + 1)
        for c in range(cols):
            a, b = int(edges[c]), int(edges[c + 1])
            true_lo = data[a:b].min(axis=0) / 32768
            true_hi = data[a:b].max(axis=0) / 32768
            assert (env[:, c, 0] <= true_lo + 1e-6).all() and (env[:, c, 1] >= true_hi - 1e-6).all()
    assert pk.envelope(0, 1000, 100) is None  # finer than the cache: read samples instead
    window = peaks.samples(src, 500, 600)
    assert np.allclose(window * 32768, data[500:600])


def test_cache_keyed_by_content(tmp_path, monkeypatch):
    data = (np.random.default_rng(1).standard_normal((50_000, 2)) * 3000).astype(np.int16)
    src = tmp_path / "a.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    cache = peaks.PeaksCache(tmp_path / "cache")
    first = cache.get(src)
    cache.wait()  # hashed and saved after the peaks were handed back
    assert first.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    computed = []
    real = peaks.compute
    monkeypatch.setattr(peaks, "compute", lambda *a: computed.append(1) or real(*a))
    again = cache.get(src)  # the same file again: a stat, and the cached peaks
    assert computed == [] and np.array_equal(again.levels[0], first.levels[0])
    copy = tmp_path / "copy.wav"
    copy.write_bytes(src.read_bytes())
    # A copy under another name: its peaks are computed, then it is hashed; its content's
    # entry is found and nothing is saved twice.
    same_content = cache.get(copy)
    cache.wait()
    assert same_content.sha256 == first.sha256
    assert len(list((tmp_path / "cache" / "peaks").glob("*.npz"))) == 1
    computed.clear()
    assert cache.get(copy).sha256 == first.sha256 and computed == []  # remembered by name now
    sf.write(src, data // 2, 8000, subtype="PCM_16")  # changed content: recomputed
    changed = cache.get(src)
    cache.wait()
    assert computed == [1] and changed.sha256 != first.sha256
    # a damaged cache file is recomputed, not trusted
    (tmp_path / "cache" / "peaks" / f"{changed.sha256}.npz").write_bytes(b"garbage")
    cache.get(src, sha256=changed.sha256)
    assert computed == [1, 1]


def test_a_long_wav_read_in_two_halves_gives_the_same_peaks(tmp_path):
    rng = np.random.default_rng(5)
    data = (rng.standard_normal((8000 * 125 + 77, 2)) * 5000).astype(np.int16)  # not whole buckets
    data[8000 * 62 : 8000 * 63] = 31000  # a loud second near the cut
    src = tmp_path / "long.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    info = decode.probe(src)
    halves = peaks.compute_file(info)
    whole = peaks.compute(decode.blocks(info, 10_000), info.rate, 2, info.sample_format)
    assert halves.frames == whole.frames == len(data)
    assert len(halves.levels) == len(whole.levels)
    for a, b in zip(halves.levels, whole.levels, strict=True):
        assert np.array_equal(a, b)


def test_hashes_while_streaming(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(np.random.default_rng(0).bytes(3_000_001))
    h = hash_file(p, md5=True)
    assert h.sha256_hex == hashlib.sha256(p.read_bytes()).hexdigest()
    assert h.md5_hex == hashlib.md5(p.read_bytes()).hexdigest() and h.size == 3_000_001
    import base64

    assert base64.b64decode(h.md5_b64) == hashlib.md5(p.read_bytes()).digest()


def test_opus_stream_yields_while_input_is_still_coming():
    consumed = []

    def source():
        t = np.arange(8000) / 8000
        for k in range(20):
            consumed.append(k)
            yield (np.sin(2 * np.pi * 440 * t)[:, None] * 8000).astype(np.int16)

    chunks = []
    seen_at = []
    for chunk in opus_stream(source(), 8000, 1, S16, bitrate=24000):
        chunks.append(chunk)
        seen_at.append(len(consumed))
    assert len(chunks) > 10 and seen_at[0] < 5  # the first bytes came long before the input ended
    import io

    import av

    with av.open(io.BytesIO(b"".join(chunks))) as c:
        st = c.streams.audio[0]
        n = sum(f.samples for f in c.decode(st))
    assert abs(n / st.codec_context.sample_rate - 20.0) < 0.03
