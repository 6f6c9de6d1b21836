"""Writing files safely: a fresh temporary beside the target (created exclusively, never through a
link), fsync, rename. A failure leaves nothing; a symlink planted where a file will be written is
refused, never followed, so nothing is ever written outside the chosen directory."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from genesys_tui.core.errors import UserError

# Our temporaries: NAME.<8 hex>.part, opened with O_NOFOLLOW and locked (flock) for as long as they
# are written: a planted link is removed, never written through; a locked one is another live
# writer's and is left alone.
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
    flags |= os.O_APPEND if mode.startswith("a") else 0
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if os.path.islink(path):
            raise UnsafePath(f"refusing to write {path}: it is a symbolic link") from None
        raise e
    # Emptied only when it is not empty already (atomic_output's files never are): ext4 takes a
    # truncation to zero for a replace-by-rewrite and allocates every block the file was then
    # given when it is closed (its auto_da_alloc), which costs a large output tens of ms.
    if not mode.startswith("a") and os.fstat(fd).st_size:
        os.ftruncate(fd, 0)
    return os.fdopen(fd, mode)


def _claim(part: Path, *, exclusive: bool) -> int | None:
    """An open, locked descriptor of the temporary `part`, or None when another process holds
    it (a live writer: never touched) or it cannot be ours (a directory). `exclusive`: only a
    file made here and now. A link planted at the name is removed (unlink never follows it)."""
    flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_EXCL if exclusive else 0
    for _ in range(2):
        try:
            fd = os.open(part, flags, 0o644)
        except FileExistsError:
            return None
        except OSError:
            if not os.path.islink(part):
                return None  # a directory, or not ours to open
            with contextlib.suppress(OSError):
                os.unlink(part)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            st, now = os.fstat(fd), os.stat(part, follow_symlinks=False)
            if (st.st_dev, st.st_ino) != (now.st_dev, now.st_ino) or not stat.S_ISREG(st.st_mode):
                raise BlockingIOError  # renamed into place by its writer meanwhile: not ours
        except OSError:
            os.close(fd)
            return None
        if st.st_nlink != 1:  # a hard link planted at the name: drop the name, keep the file
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(part)
            continue
        os.ftruncate(fd, 0)  # a leftover of a killed run: ours now, emptied
        return fd
    return None


def temp_beside(final: Path) -> tuple[Path, int]:
    """A temporary next to `final`, empty, and a descriptor holding its lock: the lock says a
    live process writes it. The first choice of name is fixed per final name, so what a kill -9
    left (no one holds its lock) is taken over by the next write of the same file; while another
    writer holds it, a random name, so two writers of one file never touch each other's."""
    fixed = hashlib.sha256(final.name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    names = [fixed] + [secrets.token_hex(4) for _ in range(16)]
    for n, tag in enumerate(names):
        part = final.with_name(f"{final.name}.{tag}.part")
        fd = _claim(part, exclusive=n > 0)
        if fd is not None:
            return part, fd
    raise UnsafePath(f"cannot create a temporary file beside {final}")


def sweep_temps(
    directory: Path, older_than_s: float = 3600.0, of: tuple[str, ...] | None = None
) -> int:
    """Remove our own stale temporaries (left by a crash or kill -9) from `directory`; returns how
    many. Young ones may belong to a run just starting, so they stay, and so does any whose lock
    a live writer holds, however old. `of`: only the temporaries of these file names."""
    removed = 0
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            mine = of is None or any(entry.name.startswith(name + ".") for name in of)
            if mine and _TEMP.search(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff and _unheld(entry.path):
                        os.unlink(entry.path)
                        removed += 1
    return removed


def _unheld(path: str) -> bool:
    """Whether no process holds the temporary's lock (it is a leftover)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


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
    part, lock = temp_beside(final)
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
    finally:
        os.close(lock)  # after the rename: the name is free once the file is in place


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


class NotAFile(ValueError):
    """What was to be read is a link, a FIFO, a device or a directory, or larger than allowed."""


def open_regular(path: Path | str, limit: int | None = None) -> tuple[int, int]:
    """A read-only descriptor of the regular file at `path` and its size: never through a link,
    never blocking on a FIFO or a device (O_NONBLOCK), and NotAFile when it is larger than
    `limit` bytes. The caller closes it."""
    flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if os.path.islink(path):
            raise NotAFile(f"{path} is a link: not followed") from None
        raise e
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotAFile(f"{path} is not a regular file")
    if limit is not None and st.st_size > limit:
        os.close(fd)
        raise NotAFile(f"{path} is {st.st_size:,} bytes, more than the {limit:,} it may be")
    return fd, st.st_size


def read_capped(path: Path | str, limit: int) -> bytes:
    """The whole of a regular file of at most `limit` bytes (see open_regular), read with at
    most that much memory even if it grows while it is read."""
    fd, _ = open_regular(path, limit)
    try:
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise NotAFile(f"{path} grew past {limit:,} bytes while it was read")
    return data


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold `path`'s lock (a `NAME.lock` file beside it) for a read-modify-write of a small
    store, so that two processes (the TUI and a CLI command) never lose each other's change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def owner_only_db(path: Path) -> None:
    """An SQLite database (and its WAL and shared-memory files) readable by its owner only: the
    audit outbox and the alert log hold customers' numbers."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            os.chmod(p, 0o600)
