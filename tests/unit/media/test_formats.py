"""Every Genesys format decodes as a stream, detected by content; round trips keep the duration
within one codec frame; bad inputs fail with a clear MediaError and leave nothing behind."""

from __future__ import annotations

import errno
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from genesys_tui.media import decode, oggopus
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.errors import MediaError
from tests.unit.media.conftest import FORMATS, RATE, tone


@pytest.mark.parametrize("kind", FORMATS)
def test_decodes_every_format_in_blocks(make_audio, kind):
    src = make_audio(kind)
    info = decode.probe(src)
    # Opus inside WebM always decodes at 48 kHz; everything else keeps the source rate.
    assert info.rate == (48000 if kind == "webm-opus" else RATE) and info.channels == 2
    blocks = list(decode.blocks(info, block_frames=1000))
    assert len(blocks) > 5 and all(b.shape[1] == 2 and len(b) <= 1000 for b in blocks)
    seconds = sum(len(b) for b in blocks) / info.rate
    frame = FORMATS[kind][1]
    assert abs(seconds - 3.0) <= max(frame, 1) * 2 / RATE


@pytest.mark.parametrize("kind", FORMATS)
def test_round_trip_keeps_duration_within_one_frame(make_audio, tmp_path, kind):
    src = make_audio(kind)
    frame = FORMATS[kind][1]
    src_info = decode.probe(src)
    source_s = sum(len(b) for b in decode.blocks(src_info)) / src_info.rate
    for fmt in ("wav", "mono", "webm", "ogg"):
        (out,) = convert_file(src, tmp_path / fmt, ConvertOptions(fmt))
        info = decode.probe(out)
        decoded = sum(len(b) for b in decode.blocks(info))
        secs = decoded / info.rate
        tolerance = (max(frame, 1) / RATE) if fmt in ("wav", "mono") else 0.02 + frame / RATE
        assert abs(secs - source_s) <= tolerance, (fmt, secs)


def test_detected_by_content_not_name(make_audio, tmp_path):
    mp3 = make_audio("mp3")
    disguised = tmp_path / "looks_like.wav"
    shutil.copy(mp3, disguised)
    assert decode.probe(disguised).container == "mp3"
    wav = make_audio("wav-s16")
    disguised = tmp_path / "looks_like.mp3"
    shutil.copy(wav, disguised)
    assert decode.probe(disguised).codec == "pcm"


def test_split_per_party_with_configurable_layout(tmp_path):
    data = np.stack([np.full(1600, 0.25), np.full(1600, -0.5)], 1).astype(np.float32)
    import soundfile as sf

    src = tmp_path / "call.wav"
    sf.write(src, data, 8000, subtype="PCM_16")
    cust, agent = convert_file(src, tmp_path / "out", ConvertOptions("split"))
    assert cust.name == "call.customer.wav" and agent.name == "call.agent.wav"
    assert np.allclose(sf.read(cust)[0], 0.25, atol=1e-4) and np.allclose(
        sf.read(agent)[0], -0.5, atol=1e-4
    )
    swapped = convert_file(
        src, tmp_path / "sw", ConvertOptions("split", customer_channel=1, agent_channel=0)
    )
    assert np.allclose(sf.read(swapped[0])[0], -0.5, atol=1e-4)


def test_resample_keeps_pitch_and_length(tmp_path, make_audio):
    import soundfile as sf

    src = make_audio("wav-s16")
    (out,) = convert_file(src, tmp_path / "r", ConvertOptions("mono", mode="left", rate=16000))
    data, rate = sf.read(out)
    assert rate == 16000 and abs(len(data) - 2 * 3 * RATE) <= 2
    spectrum = np.abs(np.fft.rfft(data[2000:-2000]))
    peak = np.fft.rfftfreq(len(data) - 4000, 1 / rate)[spectrum.argmax()]
    assert abs(peak - 300) < 2


def _wav(
    tmp_path: Path,
    name: str,
    *,
    channels=2,
    rate=8000,
    bits=16,
    align=None,
    data_size=None,
    data: bytes = b"\0\0\0\0" * 100,
    tag=1,
) -> Path:
    align = channels * bits // 8 if align is None else align
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * max(align, 1), align, bits)
    size = len(data) if data_size is None else data_size
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", size) + data
    )
    p = tmp_path / name
    p.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return p


def _raw(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _dir(tmp_path: Path, name: str) -> Path:
    p = tmp_path / name
    p.mkdir()
    return p


BAD = {
    "empty": (lambda t: _raw(t, "empty.wav", b""), "empty file"),
    "random bytes": (
        lambda t: _raw(t, "noise.wav", np.random.default_rng(0).bytes(4000)),
        "unknown format",
    ),
    "text named .mp3": (
        lambda t: _raw(t, "notes.mp3", b"hello, this is not audio"),
        "unknown format",
    ),
    "truncated wav": (lambda t: _wav(t, "trunc.wav", data_size=400_000), "truncated"),
    "partial frame": (lambda t: _wav(t, "odd.wav", data=b"\0" * 401), "truncated"),
    "zero channels": (lambda t: _wav(t, "zero.wav", channels=0, align=4), "lying header"),
    "align mismatch": (lambda t: _wav(t, "align.wav", align=6), "lying header"),
    "zero rate": (lambda t: _wav(t, "rate.wav", rate=0), "lying header"),
    "12-bit": (lambda t: _wav(t, "bits.wav", bits=12, align=3), "unsupported sample size"),
    "adpcm": (lambda t: _wav(t, "adpcm.wav", tag=2), "unsupported WAV encoding"),
    "zero-length audio": (lambda t: _wav(t, "silent.wav", data=b""), "no audio"),
    "no fmt chunk": (lambda t: _raw(t, "nofmt.wav", b"RIFF\x04\0\0\0WAVE"), "no fmt chunk"),
    "a directory": (lambda t: _dir(t, "dir.wav"), "is a directory"),
}


@pytest.mark.parametrize("case", BAD)
@pytest.mark.parametrize("fmt", ["mono", "webm", "split"])
def test_bad_inputs_fail_clearly_and_leave_nothing(tmp_path, case, fmt):
    make, expected = BAD[case]
    src = make(tmp_path)
    out_dir = tmp_path / "out"
    with pytest.raises(MediaError) as ei:
        convert_file(src, out_dir, ConvertOptions(fmt))
    assert expected in str(ei.value) and str(src) in str(ei.value)
    assert not out_dir.exists() or not any(out_dir.iterdir())


@pytest.mark.parametrize("kind", ["mp3", "webm-opus", "m4a-aac", "ogg-vorbis", "ogg-opus"])
def test_truncated_compressed_files(make_audio, tmp_path, kind):
    src = make_audio(kind, tone(seconds=8))
    cut = tmp_path / f"cut{src.suffix}"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    out_dir = tmp_path / "out"
    with pytest.raises(MediaError, match="truncated|corrupt"):
        convert_file(cut, out_dir, ConvertOptions("mono"))
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_a_failed_write_leaves_no_part_file(tmp_path, make_audio, monkeypatch):
    from genesys_tui.media import wavio

    src = make_audio("wav-s16", tone(seconds=40))
    calls = {"n": 0}
    real = wavio.WavWriter.write

    def full_disk(self, block):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, block)

    monkeypatch.setattr(wavio.WavWriter, "write", full_disk)
    out_dir = tmp_path / "out"
    with pytest.raises(MediaError, match="disk full"):
        convert_file(src, out_dir, ConvertOptions("mono"))
    assert list(out_dir.iterdir()) == []


def test_never_overwrites_the_input(tmp_path, make_audio):
    src = make_audio("wav-s16", name="call")
    renamed = tmp_path / "call.mono.wav"
    src.rename(renamed)
    with pytest.raises(MediaError, match="overwrite the input"):
        convert_file(renamed, tmp_path, ConvertOptions("wav"))
    assert renamed.exists()


def test_big_rf64_header_round_trip(tmp_path):
    """Streams past 4 GiB become RF64; the reader follows ds64 (checked with a forged size)."""
    from genesys_tui.media.wavio import S16, WavWriter

    p = tmp_path / "x.wav"
    w = WavWriter(p, 8000, 2, S16)
    w.write(np.zeros((100, 2), np.int16))
    w.data_bytes = 0x1_0000_0000  # pretend: only the header is rewritten
    w.close()
    head = p.read_bytes()[:80]
    assert head[:4] == b"RF64" and b"ds64" in head
    with pytest.raises(MediaError, match="truncated"):
        decode.probe(p)  # the forged size is larger than the file: caught, not trusted


def test_a_cut_or_damaged_last_ogg_page_is_refused(make_audio, tmp_path):
    from genesys_tui.media import decode
    from genesys_tui.media.errors import MediaError

    src = make_audio("ogg-opus")
    data = src.read_bytes()
    assert oggopus.tail_problem(src) is None
    cases = {"cut": data[:-7], "crc": data[:-3] + bytes([data[-3] ^ 0xFF]) + data[-2:]}
    for name, body in cases.items():
        p = tmp_path / f"{name}.opus"
        p.write_bytes(body)
        with pytest.raises(MediaError, match="truncated|checksum"):
            decode.probe(p)
