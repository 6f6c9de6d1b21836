"""Logging: a rotating file in the log directory (and the console with --verbose), every line
passed through redact() so no token, secret or URL signature is ever written."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from genesys_tui.core.redact import redact
from genesys_tui.core.terminal import clean_lines

LOGGER_NAME = "genesys_tui"


class RedactingFormatter(logging.Formatter):
    """Secrets redacted, and what came from outside unable to drive the terminal that shows the
    log (each line cleaned; a traceback keeps its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean_lines(redact(super().format(record)))


def configure(
    log_file: Path | None,
    *,
    level: str = "INFO",
    verbose: bool = False,
    max_bytes: int = 5_000_000,
    backups: int = 3,
) -> None:
    root = logging.getLogger(LOGGER_NAME)
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fh = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        fh.setLevel(getattr(logging, level.upper(), logging.INFO))
        fh.setFormatter(fmt)
        root.addHandler(fh)
    if verbose:
        sh = logging.StreamHandler()
        sh.setLevel(logging.DEBUG)
        sh.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(sh)
    # httpx logs full URLs (with presigned signatures) at INFO; route it through our handlers.
    for name in ("httpx", "httpcore"):
        lg = logging.getLogger(name)
        lg.setLevel(logging.WARNING)
        lg.handlers = root.handlers[:]
        lg.propagate = False
