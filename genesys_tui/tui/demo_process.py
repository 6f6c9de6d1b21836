"""`genesys-tui demo`'s emulator in a process of its own, forked before the app is imported: the
org is built and served on the other core while this one starts the TUI (the two used to take
their turns). The app waits for it only when it first needs it (`wait_ready`, before signing in).
The child dies with its parent, writes nothing to the terminal (its errors go to a log file),
and says it is ready through a pipe."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from genesys_tui.core.processes import die_with_parent

READY = b"ready\n"


class ForkedEmulator:
    def __init__(self, settings, port: int, log_path: Path) -> None:
        self.settings, self.port, self.log_path = settings, port, log_path
        self.pid: int | None = None
        self._read: int | None = None
        self._ready = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ForkedEmulator:
        r, w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: serve until the parent is gone or says stop
            os.close(r)
            _serve(self.settings, self.port, self.log_path, w, parent)  # never returns
        os.close(w)
        self.pid, self._read = pid, r
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the emulator answers (RuntimeError, naming the log, if it cannot)."""
        if self._ready:
            return
        import select

        deadline = time.monotonic() + timeout
        got = b""
        while not got.endswith(READY):
            left = deadline - time.monotonic()
            readable, _, _ = select.select([self._read], [], [], max(0.0, left))
            chunk = os.read(self._read, 64) if readable else b""
            if not chunk:
                raise RuntimeError(f"the demo's emulator did not start (its log: {self.log_path})")
            got += chunk
        self._ready = True

    def stop(self) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):  # up to two seconds, then it is killed
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            time.sleep(0.02)
        else:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        if self._read is not None:
            with contextlib.suppress(OSError):
                os.close(self._read)


def _serve(settings, port: int, log_path: Path, ready_fd: int, parent: int) -> None:
    code = 0
    try:
        _quiet(log_path)
        if os.getppid() != parent:  # the parent went before this line
            os._exit(0)
        die_with_parent(parent)
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the TUI's, not ours
        from genesys_tui.emulator.server import EmulatorServer

        EmulatorServer(settings, port=port).start()
        os.write(ready_fd, READY)
        os.close(ready_fd)
        while True:
            time.sleep(3600)
    except BaseException:  # noqa: BLE001 - the child says why in its log, then goes
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _quiet(log_path: Path) -> None:
    """stdin from nothing, stdout and stderr to the log: the terminal is the TUI's."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    log = os.open(log_path, flags, 0o600)  # never through a link planted at its name
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    import sys

    # and Python's own streams (a test runner or an app may have replaced them with objects
    # that do not write to the descriptors)
    sys.stdout = sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
