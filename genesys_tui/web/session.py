"""What an app process needs to know when it runs in a `genesys-tui web` session (light: no web
server is imported here). The server sets both variables for each tab's process."""

from __future__ import annotations

import json
import os
from pathlib import Path

from genesys_tui.core.web_session import SESSION_ENV, SESSION_ID, web_session

PLAYERS_ENV = "GENESYS_TUI_WEB_PLAYERS"  # the folder where a session registers its player's port
__all__ = ["PLAYERS_ENV", "SESSION_ENV", "SESSION_ID", "register_player", "web_session"]


def register_player(port: int, token: str) -> str | None:
    """Let the web server relay /play/ to this process's loopback player on `port`; the path the
    browser opens for it (relative to the server), or None outside a web session."""
    sid, folder = web_session(), os.environ.get(PLAYERS_ENV)
    if sid is None or not folder:
        return None
    from genesys_tui.core.files import write_bytes

    write_bytes(Path(folder) / f"{sid}.json", json.dumps({"port": port}).encode())
    return f"/play/{sid}/{port}/{token}/"
