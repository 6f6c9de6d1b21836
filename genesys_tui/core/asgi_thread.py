"""Run an ASGI app under uvicorn on a background thread (the emulator in demo and tests, browser
playback from Review), or in the foreground."""

from __future__ import annotations

import threading
import time

import uvicorn

from genesys_tui.core.ports import free_port  # noqa: F401 - re-exported


class ThreadedServer:
    def __init__(
        self,
        app,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "asgi",
        log_level: str = "warning",
        lifespan: str = "on",
    ):
        self.host = host
        self.port = port or free_port(host)
        self.name = name
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level=log_level,
            access_log=False,
            lifespan=lifespan,
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ThreadedServer:
        self._thread = threading.Thread(target=self._server.run, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"could not listen on {self.base_url} (is the port in use?)")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)

    def run(self) -> None:
        """Serve in the foreground until interrupted."""
        self._server.run()
