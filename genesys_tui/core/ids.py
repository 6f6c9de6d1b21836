"""Genesys IDs go into URL paths and file names, so they are checked before use."""

from __future__ import annotations

import re

from genesys_tui.core.errors import UserError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class InvalidId(UserError, ValueError):
    pass


def safe_id(value: str, what: str = "id") -> str:
    """The ID, stripped; InvalidId for anything that could not be a Genesys ID (a path, a URL...)."""
    v = (value or "").strip()
    if not _ID.match(v):
        raise InvalidId(
            f"{v!r} is not a valid {what}: expected letters, digits and dashes, like a UUID"
        )
    return v


def is_safe_id(value: str) -> bool:
    """Whether safe_id would take it as it is (no stripping): letters, digits, dashes."""
    return bool(_ID.match(value or ""))


def looks_like_uuid(value: str) -> bool:
    return bool(_UUID.match((value or "").strip()))


def uuid_id(value: str, what: str = "conversation ID") -> str:
    """A conversation's (or a job's, a participant's) ID, stripped: Genesys makes them UUIDs, so
    anything else is refused before any request is sent (InvalidId, with what one looks like)."""
    v = (value or "").strip()
    if not _UUID.match(v):
        shown = v if len(v) <= 60 else v[:57] + "..."
        raise InvalidId(
            f"{shown!r} is not a {what}: Genesys gives them as UUIDs, like "
            "0b5c7a1e-3f2d-4c8b-9a6e-1d2f3a4b5c6d"
        )
    return v


def id_problem(text: str) -> str | None:
    """A dialog's check: why `text` is not a conversation ID, or None (it stays open to fix it)."""
    try:
        uuid_id(text)
    except InvalidId as e:
        return str(e)
    return None
