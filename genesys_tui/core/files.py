"""Writing files safely: a fresh temporary beside the target (created exclusively, never through a
link), fsync, rename. A failure leaves nothing; a symlink planted where a file will be written is
refused, never followed, so nothing is ever written outside the chosen directory."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from genesys_tui.core.errors import UserError

# Our temporaries: NAME.<8 hex>.part, created with O_EXCL | O_NOFOLLOW (a planted link or file at
# that name is removed first or makes us pick another name: never written through).
_TEMP = re.compile(r"\.[0-9a-f]{8}\.part$")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafePath(UserError, OSError):
    """A path where a file would be written is a symbolic link (or otherwise not a plain file)."""


def refuse_link(path: Path) -> None:
    if os.path.islink(path):
        raise UnsafePath(
            f"refusing to write {path}: it is a symbolic link (remove it, or choose another place)"
        )


def create_new(path: Path, mode: int = 0o644) -> int:
    """A file descriptor of a file created here and now: fails if anything (a link included) exists."""
    return os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode
    )


def open_nofollow(path: Path, mode: str = "ab"):
    """Open an existing or new file for writing without following a link at `path`."""
    flags = os.O_WRONLY | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if mode.startswith("a") else os.O_TRUNC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if os.path.islink(path):
            raise UnsafePath(f"refusing to write {path}: it is a symbolic link") from None
        raise e
    return os.fdopen(fd, mode)


def temp_beside(final: Path) -> Path:
    """Create an empty temporary next to `final`, exclusively, and return its path. The first
    choice of name is fixed per final name, so what a kill -9 left is replaced by the next write
    of the same file (whatever is there is unlinked, which never follows a link); if that name is
    taken meanwhile, a random one."""
    fixed = hashlib.sha256(final.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    names = [fixed] + [secrets.token_hex(4) for _ in range(16)]
    for n, tag in enumerate(names):
        part = final.with_name(f"{final.name}.{tag}.part")
        if n == 0:
            with contextlib.suppress(
                OSError
            ):  # not there, or not ours to remove (a directory): pick another
                os.unlink(part)
        try:
            os.close(create_new(part))
            return part
        except FileExistsError:
            continue
    raise UnsafePath(f"cannot create a temporary file beside {final}")


def sweep_temps(directory: Path, older_than_s: float = 3600.0) -> int:
    """Remove our own stale temporaries (left by a crash or kill -9) from `directory`; returns how
    many. Young ones may belong to a run still in progress, so they stay."""
    removed = 0
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if _TEMP.search(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
    return removed


@contextlib.contextmanager
def atomic_output(final: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a fresh temporary path to write (it exists, empty, created by us); on success it is
    fsynced and renamed to `final`, on any error it is removed, so a partial output never exists
    under the final name. A symlink at `final` is refused."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    refuse_link(final)
    if final.exists() and not overwrite:
        raise FileExistsError(f"{final} already exists")
    part = temp_beside(final)
    try:
        yield part
        refuse_link(part)  # replaced by a link while we wrote: do not publish it
        fsync_path(part)
        refuse_link(final)
        os.replace(part, final)
        fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise


def write_bytes(final: Path, data: bytes) -> None:
    """The whole of `data` at `final`, atomically, never through a link."""
    with atomic_output(final) as part, open_nofollow(part, "wb") as f:
        f.write(data)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
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
