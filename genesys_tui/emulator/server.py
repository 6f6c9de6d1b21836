"""Run the emulator under uvicorn: in the foreground (`genesys-tui emulator`) or on a background
thread on a free loopback port (`genesys-tui demo`, the tests)."""

from __future__ import annotations

import logging

from genesys_tui.core.asgi_thread import ThreadedServer, free_port
from genesys_tui.emulator.app import Emulator
from genesys_tui.emulator.settings import EmulatorSettings

__all__ = ["EmulatorServer", "free_port"]


class _QuietInjectedFaults(logging.Filter):
    """Injected resets are the point of the exercise; keep them out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info and isinstance(record.exc_info[1], ConnectionResetError):
            return False
        return "injected fault" not in text


class EmulatorServer:
    """`with EmulatorServer(settings) as srv: srv.base_url ...`"""

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ):
        self.emulator = Emulator(settings)
        logging.getLogger("uvicorn.error").addFilter(_QuietInjectedFaults())
        self._server = ThreadedServer(
            self.emulator.app,
            host,
            port or free_port(host),
            name="genesys-emulator",
            log_level=log_level,
        )
        self.host, self.port = host, self._server.port
        self.emulator.base_url = self.base_url
        self._control = None  # an httpx.Client for advance(), made at the first step

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self, timeout: float = 15.0) -> EmulatorServer:
        try:
            self._server.start(timeout)
        except RuntimeError:
            raise RuntimeError(f"the emulator did not start on {self.base_url}") from None
        return self

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        self._server.stop()
        self.emulator.close()

    def advance(self, seconds: float) -> int:
        """Step a stepped clock (settings.stepped_clock) on; the org's new time in epoch ms."""
        import httpx

        if self._control is None:  # one client for every step: each new one loads the CA bundle
            self._control = httpx.Client(base_url=self.base_url, timeout=30)
        r = self._control.post("/__emulator/clock", json={"seconds": seconds})
        r.raise_for_status()
        return int(r.json()["now"])

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
