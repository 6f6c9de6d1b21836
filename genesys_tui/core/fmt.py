"""Small formatters shared by the CLI and the TUI."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "live"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def size(n: int | None) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def when(dt: datetime | None) -> str:
    if dt is None:
        return "-"
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def when_epoch(seconds: float) -> str:
    """An epoch time as `when` shows it, with UTC said."""
    return when(datetime.fromtimestamp(seconds, UTC)) + " UTC"


def time_left(seconds: float | None) -> str:
    """A token's remaining life: `7h 12m`, `9m`, `expired`."""
    if seconds is None:
        return "-"
    if seconds <= 0:
        return "expired"
    h, m = divmod(int(seconds) // 60, 60)
    return f"{h}h {m:02d}m" if h else f"{max(m, 1)}m"


def place(location: str) -> str:
    """Where a file is, shortest form: `~/…` for a path in the home directory (the column is
    narrow); S3 URLs and other paths as they are."""
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and (location == home or location.startswith(home + os.sep)):
        return "~" + location[len(home) :]
    return location
