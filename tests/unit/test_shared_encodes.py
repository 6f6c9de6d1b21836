"""Encoded audio shared between emulators (emulator/shared_encodes.py): a second emulator's store
serves the first one's bytes without encoding, and anything half there is encoded afresh."""

from __future__ import annotations

import hashlib

import numpy as np

from genesys_tui.emulator import audio
from genesys_tui.emulator.mediastore import MediaStore
from genesys_tui.emulator.org import Org
from tests.conftest import small_org


def _recorded(org: Org):
    i = int(np.flatnonzero(org.recorded & ~org.live)[0])
    d = org.detail(i)
    return d, d.recordings[0]


def _encode(tmp_path, name, shared, d, rec, fmt="OGG_OPUS"):
    store = MediaStore(8000, str(tmp_path / name), workers=1, shared=str(shared))
    try:
        return store.request(d, rec, fmt, 0).future.result(timeout=60)
    finally:
        store.close()


def _whole(enc, like) -> bool:
    """Encoded afresh, and described by its own bytes (Ogg serial numbers differ per encode)."""
    data = enc.path.read_bytes()
    return (enc.size, enc.md5, enc.duration_ms) == (
        len(data),
        hashlib.md5(data).hexdigest(),
        like.duration_ms,
    )


def test_a_second_store_copies_what_the_first_encoded(tmp_path, monkeypatch):
    org = Org(small_org(duration_scale=0.05))
    d, rec = _recorded(org)
    shared = tmp_path / "shared"
    encodes = []
    real = audio.encode
    monkeypatch.setattr(audio, "encode", lambda *a: encodes.append(a[2]) or real(*a))

    first = _encode(tmp_path, "a", shared, d, rec)
    second = _encode(tmp_path, "b", shared, d, rec)
    assert encodes == ["OGG_OPUS"]  # once, by the first
    assert second.path != first.path and second.path.read_bytes() == first.path.read_bytes()
    assert (second.size, second.duration_ms, second.md5) == (
        first.size,
        first.duration_ms,
        first.md5,
    )
    assert second.duration_ms == audio.probe_duration_ms(second.path, "OGG_OPUS")

    # Another format, or other audio (another org's call), is another entry.
    _encode(tmp_path, "c", shared, d, rec, "MP3")
    other = Org(small_org(duration_scale=0.06))
    _encode(tmp_path, "d", shared, *_recorded(other))
    assert encodes == ["OGG_OPUS", "MP3", "OGG_OPUS"]
    # WAV costs no more to write than to copy: never shared.
    _encode(tmp_path, "e", shared, d, rec, "WAV")
    _encode(tmp_path, "f", shared, d, rec, "WAV")
    assert encodes[3:] == ["WAV", "WAV"]


def test_an_entry_half_there_is_encoded_afresh(tmp_path, monkeypatch):
    org = Org(small_org(duration_scale=0.05))
    d, rec = _recorded(org)
    shared = tmp_path / "shared"
    first = _encode(tmp_path, "a", shared, d, rec)
    (meta,) = shared.glob("*.json")
    encodes = []
    real = audio.encode
    monkeypatch.setattr(audio, "encode", lambda *a: encodes.append(a[2]) or real(*a))

    meta.write_text("{not json")  # a writer died mid-way, or the disk was full
    again = _encode(tmp_path, "b", shared, d, rec)
    assert encodes == ["OGG_OPUS"] and _whole(again, first)
    meta.unlink()  # the audio without its JSON: not whole
    again = _encode(tmp_path, "c", shared, d, rec)
    assert len(encodes) == 2 and _whole(again, first)
    # A link planted where an entry's audio is: not followed, encoded afresh.
    (audio_entry,) = [p for p in shared.iterdir() if p.suffix != ".json"]
    audio_entry.unlink()
    secret = tmp_path / "secret"
    secret.write_bytes(b"not audio")
    audio_entry.symlink_to(secret)
    again = _encode(tmp_path, "d", shared, d, rec)
    assert len(encodes) == 3 and _whole(again, first)
    assert again.path.read_bytes() != b"not audio" and secret.read_bytes() == b"not audio"
    assert not list(shared.glob("*.part"))  # no leftovers from publishing
