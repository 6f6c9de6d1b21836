"""Safe file creation: a symlink planted where a file will be written is never followed."""

from __future__ import annotations

import os
import time

import pytest

from genesys_tui.core.files import (
    UnsafePath,
    atomic_output,
    open_nofollow,
    sweep_temps,
    write_bytes,
)
from genesys_tui.storage.naming import NamingError, inside
from genesys_tui.storage.sinks import LocalSink


def test_a_link_at_the_final_name_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.wav").symlink_to(victim)
    with pytest.raises(UnsafePath, match="symbolic link"):
        write_bytes(tmp_path / "out" / "x.wav", b"new")
    assert victim.read_text() == "precious"


def test_the_old_part_name_is_not_used(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("x.wav.part", "x.json.part"):
        (out / name).symlink_to(victim)
    write_bytes(out / "x.wav", b"audio")
    write_bytes(out / "x.json", b"{}")
    assert victim.read_text() == "precious"
    assert not (out / "x.wav").is_symlink() and (out / "x.wav").read_bytes() == b"audio"


def test_open_nofollow_refuses_a_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "link").symlink_to(victim)
    with pytest.raises(UnsafePath):
        open_nofollow(tmp_path / "link", "ab")
    assert victim.read_text() == "precious"


def test_local_sink_never_writes_through_links(tmp_path):
    victim = tmp_path / "victim.wav"
    victim.write_bytes(b"precious")
    root = tmp_path / "out"
    root.mkdir()
    src = tmp_path / "src.wav"
    src.write_bytes(b"RIFFdata")
    sink = LocalSink(root, "{conversationId}.{ext}")
    (root / "c1.wav.part").symlink_to(victim)
    import hashlib
    from pathlib import PurePosixPath

    where = sink.store(src, PurePosixPath("c1.wav"), hashlib.sha256(b"RIFFdata").hexdigest())
    assert victim.read_bytes() == b"precious" and not os.path.islink(where)
    (root / "c2.wav").symlink_to(victim)
    with pytest.raises((NamingError, UnsafePath)):
        sink.store(src, PurePosixPath("c2.wav"), "x")
    with pytest.raises((NamingError, UnsafePath)):
        sink.store_bytes(b"{}", PurePosixPath("c2.wav"), "application/json")
    assert victim.read_bytes() == b"precious"


def test_inside_refuses_a_link_even_within_the_root(tmp_path):
    (tmp_path / "a").write_text("x")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    from pathlib import PurePosixPath

    with pytest.raises(NamingError, match="symbolic link"):
        inside(tmp_path, PurePosixPath("b"))


def test_a_failed_write_leaves_nothing_and_stale_temps_are_swept(tmp_path):
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "x.wav") as part:
        part.write_bytes(b"half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    stale = tmp_path / "y.wav.0123abcd.part"
    young = tmp_path / "z.wav.89abcdef.part"
    mine = tmp_path / "keep.part"  # not our naming: never touched
    for p in (stale, young, mine):
        p.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    assert sweep_temps(tmp_path) == 1
    assert not stale.exists() and young.exists() and mine.exists()


def test_something_else_at_the_fixed_temporary_name_means_another_name(tmp_path):
    import hashlib

    tag = hashlib.sha256(b"x.wav").hexdigest()[:8]
    (tmp_path / f"x.wav.{tag}.part").mkdir()  # not a file we may remove
    write_bytes(tmp_path / "x.wav", b"audio")
    assert (tmp_path / "x.wav").read_bytes() == b"audio"
