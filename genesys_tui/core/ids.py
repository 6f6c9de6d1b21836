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
