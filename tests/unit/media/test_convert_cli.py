"""`genesys-tui convert`: good files converted, bad ones named with a one-line reason, exit 1."""

from __future__ import annotations

from genesys_tui.cli.main import main


def test_mixed_good_and_bad_files(tmp_path, make_audio, capsys):
    good = make_audio("wav-s16", name="good")
    mp3 = make_audio("mp3", name="other")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\0\0\0WAVEfmt ")
    out = tmp_path / "out"
    rc = main(
        [
            "convert",
            str(good),
            str(bad),
            str(mp3),
            str(tmp_path / "missing.wav"),
            "--format",
            "split",
            "--to",
            str(out),
            "-q",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert (
        f"{bad}: truncated WAV" in err
        and "missing.wav: file not found" in err
        and "2 of 4 file(s) failed" in err
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "good.agent.wav",
        "good.customer.wav",
        "other.agent.wav",
        "other.customer.wav",
    ]


def test_all_good_exits_zero_and_uses_config_bitrate(tmp_path, make_audio, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[media]\nopus_bitrate = 12000\n")
    src = make_audio("wav-s16")
    assert (
        main(
            [
                "convert",
                str(src),
                "--format",
                "webm",
                "--to",
                str(tmp_path / "o"),
                "-q",
                "--config",
                str(cfg),
            ]
        )
        == 0
    )
    small = (tmp_path / "o" / "in.webm").stat().st_size
    assert (
        main(
            [
                "convert",
                str(src),
                "--format",
                "webm",
                "--to",
                str(tmp_path / "o2"),
                "-q",
                "--bitrate",
                "64000",
            ]
        )
        == 0
    )
    assert (tmp_path / "o2" / "in.webm").stat().st_size > small * 2


def test_bad_options(tmp_path, make_audio, capsys):
    src = make_audio("wav-s16")
    assert main(["convert", str(src), "--format", "mono", "--rate", "5", "-q"]) == 2
    assert "out of range" in capsys.readouterr().err


def _wav(path, tag: int, channels: int, rate: int, bits: int, align: int, data: bytes):
    import struct

    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * max(align, 1), align, bits)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_lying_headers_are_refused_before_allocating_and_the_rest_convert(
    tmp_path, make_audio, capsys
):
    good = make_audio("wav-s16", name="good")
    one_hz = _wav(tmp_path / "one_hz.wav", 1, 1, 1, 16, 2, b"\0\1" * 10_000)
    ulaw_zero = _wav(tmp_path / "ulaw0.wav", 7, 1, 8000, 8, 0, b"\x7f" * 8000)
    ulaw_16 = _wav(tmp_path / "ulaw16.wav", 7, 2, 8000, 16, 4, b"\x7f" * 8000)
    many = _wav(tmp_path / "many.wav", 1, 5000, 8000, 16, 10000, b"\0" * 20000)
    out = tmp_path / "out"
    rc = main(
        [
            "convert",
            str(one_hz),
            str(ulaw_zero),
            str(ulaw_16),
            str(many),
            str(good),
            "--format",
            "webm",
            "--to",
            str(out),
            "-q",
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert "sample rate 1 Hz" in err and "block align 0" in err and "µ-law with 16 bits" in err
    assert "5000 channels" in err and "4 of 5 file(s) failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["good.webm"]


def test_a_link_at_the_output_is_refused(tmp_path, make_audio, capsys):
    src = make_audio("wav-s16", name="a")
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (out / "a.mono.wav").symlink_to(victim)
    assert main(["convert", str(src), "--format", "mono", "--to", str(out), "-q"]) == 1
    assert "symbolic link" in capsys.readouterr().err and victim.read_text() == "precious"


def test_sigterm_cleans_up_and_stale_temporaries_are_swept(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    import numpy as np
    import soundfile as sf

    src = tmp_path / "long.wav"
    rng = np.random.default_rng(1)
    with sf.SoundFile(src, "w", 48000, 2, subtype="PCM_16") as f:
        for _ in range(40):
            f.write((rng.standard_normal((48000 * 15, 2)) * 3000).astype(np.int16))  # 10 minutes
    out = tmp_path / "out"
    stale = out / "old.webm.0123abcd.part"
    out.mkdir()
    stale.write_bytes(b"x" * 1000)
    os.utime(stale, (time.time() - 7200,) * 2)
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "genesys_tui",
            "convert",
            str(src),
            "--format",
            "webm",
            "--to",
            str(out),
            "-q",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        x.stat().st_size > 10_000 for x in out.glob("long.webm.*.part")
    ):
        time.sleep(0.05)
    assert not stale.exists()  # swept at start
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and "terminated" in err
    assert list(out.iterdir()) == []


def test_the_light_start_and_the_full_one_say_the_same(tmp_path, make_audio, capsys, monkeypatch):
    """`convert -q` starts light (no Rich, no other command's parser); with a terminal to draw
    bars on, the full path runs. The same files come out, and the same lines, but not the
    colour."""
    from genesys_tui.cli import convert_lean

    good = make_audio("wav-s16", name="a")
    args = ["convert", str(good), str(tmp_path / "missing.wav"), "--format", "mono"]
    runs = {}
    for name, light in (("light", True), ("full", False)):
        monkeypatch.setattr(convert_lean, "wanted", lambda argv, light=light: light)
        out = tmp_path / name
        code = main([*args, "--to", str(out), "-q"])
        runs[name] = (code, capsys.readouterr().err, (out / "a.mono.wav").read_bytes())
    (c1, e1, f1), (c2, e2, f2) = runs["light"], runs["full"]
    assert c1 == c2 == 1 and f1 == f2
    assert [line.replace(str(tmp_path / "light"), "OUT") for line in e1.splitlines()] == [
        line.replace(str(tmp_path / "full"), "OUT") for line in e2.splitlines()
    ]
    assert "✗" in e1 and "1 of 2 file(s) failed" in e1
    # started light: neither Rich nor the other commands' parser is imported
    import subprocess
    import sys

    probe = (
        "import sys; from genesys_tui.cli.main import main; "
        f"code = main({[*args, '--to', str(tmp_path / 'probe'), '-q']!r}); "
        "print(code, 'rich' in sys.modules, 'genesys_tui.cli.parser' in sys.modules)"
    )
    got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert got.stdout.split() == ["1", "False", "False"], got.stderr
