"""How an attempt at a job ends when it does not succeed, and what the runner does about it:
retry later, fail for good, wait for Genesys (a restore), or stop the whole run (a full disk)."""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from genesys_tui.core.errors import UserError
from genesys_tui.core.redact import redact
from genesys_tui.genesys import errors as E
from genesys_tui.media.errors import MediaError

log = logging.getLogger("genesys_tui.pull")
T = TypeVar("T")


class Retry(Exception):
    """This attempt failed in a way another attempt may fix."""


class Final(Exception):
    """This job cannot succeed; the message says why."""


def classify(e: E.GenesysError) -> Exception:
    """Retry what another attempt may fix (outages, rate limits, a token revoked twice in a row);
    fail at once what it cannot (a wrong ID, a missing permission, refused client credentials)."""
    if isinstance(e, E.AuthenticationError):
        return (
            Retry(str(e))
            if e.code in ("bad.credentials", "authentication.required")
            else Final(str(e))
        )
    if isinstance(e, (E.NotFound, E.PermissionDenied, E.BadRequest, E.UserContextRequired)):
        return Final(redact(str(e)))
    return Retry(redact(str(e)))


async def retrying(call: Callable[[], Awaitable[T]], attempts: int = 4, delay: float = 0.5) -> T:
    """`call()` again after what another attempt may fix (classify: an outage, a 500, a token
    revoked twice in a row), with a growing pause; what it cannot fix is raised at once. Planning
    uses it, so one bad answer never aborts a whole fetch."""
    for n in range(1, attempts + 1):
        try:
            return await call()
        except E.GenesysError as e:
            if n == attempts or isinstance(classify(e), Final):
                raise
            log.info("retrying after %s (attempt %d of %d)", type(e).__name__, n, attempts)
            await asyncio.sleep(delay * n)
    raise AssertionError("unreachable")


class Parked(Exception):
    """The job waits for something slow outside our control (an archive restore)."""


class QueueBusy(Exception):
    pass


class DiskFull(UserError):
    """No space left where the queue writes: the whole run stops (every job would fail the same
    way); the store keeps what it had, and the next run resumes once there is room."""

    def __init__(self, where: str):
        super().__init__(
            f"no space left in {where}: free some space, then run the same command again"
        )
        self.where = where


def disk_full(e: BaseException, fallback: Path) -> DiskFull | None:
    """The DiskFull an error means, if it means one (a write, or SQLite's commit)."""
    if isinstance(e, (OSError, MediaError)) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        name = e.filename if isinstance(e, OSError) else e.path
        return DiskFull(str(Path(name).parent if name else fallback))
    if isinstance(e, sqlite3.OperationalError) and "full" in str(e):
        return DiskFull(str(fallback))
    return None
