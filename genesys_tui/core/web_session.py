"""Whether this process is a browser tab of `genesys-tui web` (the server sets the variable for
each tab's app process): its session id goes into the audit of what the tab does."""

from __future__ import annotations

import os
import re

SESSION_ENV = "GENESYS_TUI_WEB_SESSION"  # the tab's session id (textual-serve's, 32 hex digits)
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def web_session() -> str | None:
    """This process's web session id, None outside `genesys-tui web`."""
    sid = os.environ.get(SESSION_ENV, "")
    return sid if SESSION_ID.match(sid) else None
