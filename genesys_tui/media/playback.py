"""Audio playback through sounddevice, imported lazily: without PortAudio or an output device,
available() says why and nothing crashes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str


def available() -> Availability:
    try:
        import sounddevice as sd
    except OSError as e:  # PortAudio library not found
        return Availability(False, f"{e} (install libportaudio2)")
    except ImportError as e:
        return Availability(False, f"sounddevice is not installed ({e})")
    try:
        device = sd.query_devices(kind="output")
    except Exception as e:  # noqa: BLE001 - PortAudio raises its own error types
        return Availability(False, f"no audio output device ({e})")
    if not device:
        return Availability(False, "no audio output device")
    return Availability(True, f"output device: {device.get('name', 'default')}")
