from __future__ import annotations

from genesys_tui.core import fmt


def test_place_shortens_the_home_directory_only(monkeypatch, tmp_path):
    home = tmp_path / "me"
    monkeypatch.setenv("HOME", str(home))
    assert fmt.place(str(home / "rec" / "a.wav")) == "~/rec/a.wav"
    assert fmt.place(str(home)) == "~"
    assert fmt.place(str(tmp_path / "me2" / "a.wav")) == str(tmp_path / "me2" / "a.wav")
    assert fmt.place("s3://bucket/me/a.wav") == "s3://bucket/me/a.wav"
    monkeypatch.setenv("HOME", "/")
    assert fmt.place("/srv/a.wav") == "/srv/a.wav"
