"""Genesys's pageNumber/pageSize listings (`entities`, `pageCount`), one entity at a time. What a
page holds is checked before it is trusted: a body that is not a listing is a ServerError, entities
that are not objects are skipped, and a missing or non-integer `pageCount` ends the walk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from genesys_tui.genesys import errors as E
from genesys_tui.genesys.http import ApiClient


async def entities(
    api: ApiClient, path: str, params: dict[str, Any] | None = None, page_size: int = 25
) -> AsyncIterator[dict[str, Any]]:
    page = 1
    while True:
        data = await api.get_json(
            path, {"pageSize": page_size, "pageNumber": page, **(params or {})}
        )
        if not isinstance(data, dict):
            raise E.ServerError(f"{path} did not answer with a listing")
        items = data.get("entities")
        items = items if isinstance(items, list) else []
        for e in items:
            if isinstance(e, dict):
                yield e
        count = data.get("pageCount")
        if not items or not isinstance(count, int) or page >= count:
            return
        page += 1
