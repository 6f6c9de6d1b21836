"""`genesys-tui convert`: good files converted, bad ones named with a one-line reason, exit 1."""

from __future__ import annotations

from genesys_tui.cli import main


def test_mixed_good_and_bad_files(tmp_path, make_audio, capsys):
    good = make_audio("wav-s16", name="good")
    mp3 = make_audio("mp3", name="other")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\0\0\0WAVEfmt ")
    out = tmp_path / "out"
    rc = main(["convert", str(good), str(bad), str(mp3), str(tmp_path / "missing.wav"), "--format", "split",
               "--to", str(out), "-q"])
    assert rc == 1
    err = capsys.readouterr().err
    assert f"{bad}: truncated WAV" in err and "missing.wav: file not found" in err and "2 of 4 file(s) failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["good.agent.wav", "good.customer.wav",
                                                      "other.agent.wav", "other.customer.wav"]


def test_all_good_exits_zero_and_uses_config_bitrate(tmp_path, make_audio, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[media]\nopus_bitrate = 12000\n")
    src = make_audio("wav-s16")
    assert main(["convert", str(src), "--format", "webm", "--to", str(tmp_path / "o"), "-q", "--config", str(cfg)]) == 0
    small = (tmp_path / "o" / "in.webm").stat().st_size
    assert main(["convert", str(src), "--format", "webm", "--to", str(tmp_path / "o2"), "-q", "--bitrate", "64000"]) == 0
    assert (tmp_path / "o2" / "in.webm").stat().st_size > small * 2


def test_bad_options(tmp_path, make_audio, capsys):
    src = make_audio("wav-s16")
    assert main(["convert", str(src), "--format", "mono", "--rate", "5", "-q"]) == 2
    assert "out of range" in capsys.readouterr().err
