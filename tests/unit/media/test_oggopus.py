"""Ogg/Opus through libopus at the recorded rate: the same audio as libsndfile decodes, the stream
checked page by page in the same pass, and one pass from download to outputs in the queue."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from genesys_tui.flows.pull import work
from genesys_tui.media import decode, oggopus
from genesys_tui.media.errors import MediaError
from tests.unit.media.conftest import tone, write_av, write_sf

pytestmark = pytest.mark.skipif(not oggopus.available(), reason="no libopus here")


def reference_crc(data: bytes) -> int:
    """The Ogg checksum the slow, obvious way (a table walk), to check the fast one against."""
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def test_the_fast_checksum_is_the_ogg_checksum():
    rng = np.random.default_rng(1)
    for n in (0, 1, 27, 255, 4096):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert oggopus.ogg_crc(data) == reference_crc(data)


@pytest.fixture(params=["libsndfile", "libavformat"])
def call(request, tmp_path):
    """Eight seconds of a stereo 8 kHz call in Ogg/Opus, written by either muxer Genesys-like
    files come from."""
    data = tone(seconds=8.0)
    data[:, 1] *= 0.3  # the two parties differ
    if request.param == "libsndfile":
        return write_sf(tmp_path / "call.opus", data, 8000, "OGG", "OPUS")
    return write_av(tmp_path / "call.opus", data, 8000, "ogg", "libopus")


def test_decodes_at_the_recorded_rate_to_the_same_audio_as_libsndfile(call):
    info = decode.probe(call)
    assert info.opus is not None and (info.rate, info.channels) == (8000, 2)
    ours = np.concatenate(list(decode.blocks(info)))
    theirs, rate = sf.read(str(call), dtype="int16")
    # Decoded length is the last granule position less the pre-skip (RFC 7845). libavformat's
    # muxer writes a granule 312 samples (at 48 kHz) past what it encoded, which libsndfile
    # reads past: 52 frames (6.5 ms at 8 kHz) is the most the two may differ by.
    assert rate == 8000 and abs(len(ours) - len(theirs)) <= 52
    n = min(len(ours), len(theirs))
    for ch in (0, 1):
        a, b = ours[:n, ch].astype(float), theirs[:n, ch].astype(float)
        assert np.corrcoef(a, b)[0, 1] > 0.99
    assert len(ours) == info.frames and info.frames == pytest.approx(8 * 8000, abs=60)


def test_mono_comes_mixed_from_the_decoder(call):
    info = decode.probe(call)
    stereo = np.concatenate(list(decode.blocks(info))).astype(float)
    mono = np.concatenate(list(decode.blocks(info, downmix=True)))
    assert mono.shape[1] == 1 and len(mono) == len(stereo)
    average = stereo.mean(axis=1)
    assert np.corrcoef(mono[:, 0].astype(float), average)[0, 1] > 0.99


def _pages(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each page."""
    out, pos = [], 0
    while pos < len(data):
        nseg = data[pos + 26]
        end = pos + 27 + nseg + sum(data[pos + 27 : pos + 27 + nseg])
        out.append((pos, end))
        pos = end
    return out


def _reseal(page: bytearray) -> bytearray:
    page[22:26] = b"\0\0\0\0"
    page[22:26] = struct.pack("<I", reference_crc(bytes(page)))
    return page


def _errors(path) -> str:
    """Why the file is refused, the same whether one core decodes it or two."""
    problems = []
    for threads in (1, 2):
        with pytest.raises(MediaError) as e:
            list(decode.blocks(decode.probe(path), threads=threads))
        problems.append(e.value.problem)
    assert problems[0] == problems[1]
    return problems[0]


@pytest.mark.parametrize("downmix", [False, True])
def test_two_cores_decode_the_same_samples_as_one(call, downmix):
    """The second half decoded at the same time by a decoder that joins a second early: the
    output is the single decoder's, sample for sample, in blocks of any size."""
    info = decode.probe(call)
    one = np.concatenate(list(decode.blocks(info, downmix=downmix)))
    for size in (1000, 1 << 16):
        two = np.concatenate(list(decode.blocks(info, size, downmix=downmix, threads=2)))
        assert two.shape == one.shape and np.array_equal(two, one)


def test_a_bad_packet_in_the_second_half_is_refused_on_two_cores(call, tmp_path):
    data = bytearray(call.read_bytes())
    pages = _pages(bytes(data))
    a, b = pages[len(pages) * 3 // 4]  # a page the second decoder reads
    nseg = data[a + 26]
    body = a + 27 + nseg
    data[body] = 0xFF  # TOC: code 3 (arbitrary count) with no count byte that fits the packet
    data[body + 1] = 0xFF  # 63 frames, padded, VBR: more than any packet can hold
    page = _reseal(bytearray(data[a:b]))
    data[a:b] = page
    bad = tmp_path / "badpacket.opus"
    bad.write_bytes(bytes(data))
    assert "corrupt Opus packet" in _errors(bad)


def test_a_cut_download_is_refused(call, tmp_path):
    data = call.read_bytes()
    cut = tmp_path / "cut.opus"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert "truncated" in _errors(cut)
    pages = _pages(data)
    whole_pages = tmp_path / "pages.opus"  # cut on a page boundary: only the EOS flag tells
    whole_pages.write_bytes(data[: pages[len(pages) // 2][1]])
    assert "end-of-stream" in _errors(whole_pages)


def test_a_damaged_or_missing_page_is_refused(call, tmp_path):
    data = bytearray(call.read_bytes())
    pages = _pages(bytes(data))
    a, b = pages[len(pages) // 2]
    flipped = bytearray(data)
    flipped[(a + b) // 2] ^= 0x40
    bad = tmp_path / "flipped.opus"
    bad.write_bytes(bytes(flipped))
    assert "checksum" in _errors(bad)
    gap = tmp_path / "gap.opus"
    gap.write_bytes(bytes(data[:a]) + bytes(data[b:]))
    assert "missing" in _errors(gap)


def test_the_end_of_stream_flag_is_required(call, tmp_path):
    data = bytearray(call.read_bytes())
    a, b = _pages(bytes(data))[-1]
    last = bytearray(data[a:b])
    last[5] &= ~0x04
    no_eos = tmp_path / "noeos.opus"
    no_eos.write_bytes(bytes(data[:a]) + bytes(_reseal(last)))
    assert "end-of-stream" in _errors(no_eos)


def test_without_libopus_libsndfile_decodes_it(call, monkeypatch):
    monkeypatch.setenv("GENESYS_TUI_NO_LIBOPUS", "1")
    info = decode.probe(call)
    assert info.opus is None and info.codec == "opus"
    assert sum(len(b) for b in decode.blocks(info)) == pytest.approx(8 * 8000, abs=400)


def test_verified_and_converted_in_one_pass(call, tmp_path, monkeypatch):
    """The queue's CPU step decodes the download once: the conversion is the verification."""
    calls = []
    real = oggopus.blocks
    monkeypatch.setattr(oggopus, "blocks", lambda *a, **k: calls.append(a) or real(*a, **k))
    size = call.stat().st_size
    out = tmp_path / "out"
    r = work.process(
        work.Conversion(str(call), str(out), "mono", False, 0, 1, 32000, size, 8000, None)
    )
    assert r["ok"] and len(calls) == 1, r
    [o] = r["outputs"]
    got, rate = sf.read(o["path"], dtype="int16")
    assert rate == 8000 and got.ndim == 1 and abs(len(got) - 8 * 8000) <= 200
    import hashlib

    assert hashlib.sha256(Path(o["path"]).read_bytes()).hexdigest() == o["sha256"]


def test_one_pass_refuses_what_is_wrong_and_leaves_nothing(call, tmp_path):
    out = tmp_path / "out"
    size = call.stat().st_size
    r = work.process(
        work.Conversion(str(call), str(out), "mono", False, 0, 1, 32000, size + 1, None, None)
    )
    assert not r["ok"] and "size" in r["problem"]
    r = work.process(
        work.Conversion(str(call), str(out), "mono", False, 0, 1, 32000, size, 60_000, None)
    )
    assert not r["ok"] and "expected 60000 ms" in r["problem"]
    assert not list(out.rglob("*.wav"))  # the conversion of a wrong download is not kept
    cut = tmp_path / "cut.opus"
    cut.write_bytes(call.read_bytes()[: size // 2])
    r = work.process(
        work.Conversion(str(cut), str(out), "split", False, 0, 1, 32000, None, None, None)
    )
    assert not r["ok"] and "truncated" in r["problem"]
    assert not [p for p in out.rglob("*") if p.is_file()]


def test_as_is_only_decodes_and_reuses_the_download_hash(call, tmp_path):
    sha = "0" * 64  # what the download computed: not recomputed
    r = work.process(
        work.Conversion(str(call), str(tmp_path), "original", True, 0, 1, 32000, None, 8000, sha)
    )
    assert r["ok"] and r["outputs"][0]["sha256"] == sha and r["outputs"][0]["path"] == str(call)


def test_to_webm_the_packets_are_copied_after_a_check_without_decoding(call, tmp_path, monkeypatch):
    from genesys_tui.media.convert import ConvertOptions, convert_file

    monkeypatch.setattr(oggopus, "blocks", lambda *a, **k: pytest.fail("decoded for a copy"))
    frames = []
    (out,) = convert_file(
        call, tmp_path / "o", ConvertOptions("webm"), lambda d, t: frames.append(d)
    )
    info = decode.probe(out)
    assert (
        info.container == "webm" and info.codec == "opus" and frames == [decode.probe(call).frames]
    )
    assert info.frames == pytest.approx(8 * 48000, abs=48000 // 10)
    data = call.read_bytes()
    a, b = _pages(data)[len(_pages(data)) // 2]
    flipped = bytearray(data)
    flipped[(a + b) // 2] ^= 0x10
    bad = tmp_path / "bad.opus"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(MediaError, match="checksum"):
        convert_file(bad, tmp_path / "o2", ConvertOptions("webm"))
    assert not list((tmp_path / "o2").glob("*")) if (tmp_path / "o2").exists() else True
