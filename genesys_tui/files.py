"""Writing files safely: to `*.part` beside the target, fsync, rename. A failure leaves nothing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def part_path(final: Path) -> Path:
    return final.with_name(final.name + ".part")


@contextlib.contextmanager
def atomic_output(final: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a `.part` path to write; on success it is fsynced and renamed to `final`, on any
    error it is removed, so a partial output never exists under the final name."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not overwrite:
        raise FileExistsError(f"{final} already exists")
    part = part_path(final)
    try:
        yield part
        fsync_path(part)
        os.replace(part, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
