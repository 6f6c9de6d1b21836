"""An embedded Genesys Cloud: the real API contract, a synthetic org, real media, fault injection.
Independent of the client package (genesys_tui.genesys), which it must never import."""

from genesys_tui.emulator.app import Emulator
from genesys_tui.emulator.server import EmulatorServer
from genesys_tui.emulator.settings import EmulatorSettings

__all__ = ["Emulator", "EmulatorServer", "EmulatorSettings"]
