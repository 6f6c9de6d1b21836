"""Which exceptions are "expected" (shown as one line) and what they say."""

from __future__ import annotations

from genesys_tui.redact import redact


def user_message(e: BaseException) -> str | None:
    """A one-line, secret-free message for errors a user can act on; None for bugs."""
    from genesys_tui.config import ConfigError
    from genesys_tui.credentials import CredentialsError
    from genesys_tui.genesys.errors import GenesysError
    from genesys_tui.genesys.ids import InvalidId
    from genesys_tui.genesys.regions import RegionError
    from genesys_tui.intervals import IntervalError
    from genesys_tui.jobs.naming import NamingError
    from genesys_tui.media.errors import MediaError
    from genesys_tui.review.parse import TranscriptError
    from genesys_tui.review.session import ReviewError

    expected = (ConfigError, CredentialsError, GenesysError, InvalidId, RegionError, IntervalError, MediaError,
                NamingError, ReviewError, TranscriptError)
    try:
        from genesys_tui.genesys.directory import LookupError_

        expected += (LookupError_,)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(e, expected):
        return redact(str(e))
    if isinstance(e, OSError) and e.strerror:
        where = f": {e.filename}" if e.filename else ""
        return redact(f"{e.strerror}{where}")
    return None
