"""Run the emulator under uvicorn: in the foreground (`genesys-tui emulator`) or on a background
thread on a free loopback port (`genesys-tui demo`, the tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn

from genesys_tui.emulator.app import Emulator
from genesys_tui.emulator.settings import EmulatorSettings


class _QuietInjectedFaults(logging.Filter):
    """Injected resets are the point of the exercise; keep them out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and isinstance(record.exc_info[1], ConnectionResetError):
            return False
        return "injected fault" not in text


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class EmulatorServer:
    """`with EmulatorServer(settings) as srv: srv.base_url ...`"""

    def __init__(self, settings: EmulatorSettings | None = None, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning"):
        self.emulator = Emulator(settings)
        self.host = host
        self.port = port or free_port(host)
        self.emulator.base_url = self.base_url
        logging.getLogger("uvicorn.error").addFilter(_QuietInjectedFaults())
        config = uvicorn.Config(self.emulator.app, host=host, port=self.port, log_level=log_level,
                                access_log=False, lifespan="on", timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> EmulatorServer:
        self._thread = threading.Thread(target=self._server.run, name="genesys-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {self.base_url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)
        self.emulator.close()

    def run(self) -> None:
        """Serve in the foreground until interrupted."""
        try:
            self._server.run()
        finally:
            self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
