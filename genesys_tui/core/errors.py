"""Which exceptions are "expected" (shown as one line) and what they say."""

from __future__ import annotations

from genesys_tui.core.redact import redact


class UserError(Exception):
    """An error a person can act on (bad input, a refused credential, a missing permission, a
    full disk): shown as one line with secrets redacted, never as a traceback. Every layer's
    expected errors derive from it, so this module needs to know none of them."""


def user_message(e: BaseException) -> str | None:
    """A one-line, secret-free message for errors a user can act on; None for bugs."""
    if isinstance(e, UserError):
        return redact(str(e))
    if isinstance(e, OSError) and e.strerror:
        where = f": {e.filename}" if e.filename else ""
        return redact(f"{e.strerror}{where}")
    return None
