"""An embedded Genesys Cloud: the real API contract, a synthetic org, real media, fault injection.
Independent of the client package (genesys_tui.genesys), which it must never import.

Its names load on first use: `genesys_tui.emulator.settings` (or `.ids`) alone does not import the
server and its org, which `genesys-tui demo` starts in a process of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator
    from genesys_tui.emulator.server import EmulatorServer
    from genesys_tui.emulator.settings import EmulatorSettings

__all__ = ["Emulator", "EmulatorServer", "EmulatorSettings"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from genesys_tui.emulator.app import Emulator

        return Emulator
    if name == "EmulatorServer":
        from genesys_tui.emulator.server import EmulatorServer

        return EmulatorServer
    if name == "EmulatorSettings":
        from genesys_tui.emulator.settings import EmulatorSettings

        return EmulatorSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
