"""How API JSON becomes typed models: camelCase keys to snake_case attributes, values of the wrong
type dropped (None) rather than trusted, times parsed as aware UTC datetimes."""

from __future__ import annotations

import types
import typing
from dataclasses import field, fields, is_dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 from the API (always UTC, 'Z' or offset) to an aware datetime."""
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def iso(dt: datetime | None) -> str | None:
    """Aware datetime to the API's format: 2026-05-01T10:00:00.000Z."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _converter(hint: Any):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _converter(inner[0]) if len(inner) == 1 else (lambda v: v)
    if origin is list:
        item = _converter(args[0])  # an item of the wrong type (None once converted) is dropped
        return lambda v: [y for x in v if (y := item(x)) is not None] if isinstance(v, list) else []
    if origin is dict:
        val = _converter(args[1])
        return lambda v: {str(k): val(x) for k, x in v.items()} if isinstance(v, dict) else {}
    if hint is datetime:
        return parse_time
    if isinstance(hint, type) and is_dataclass(hint):
        return lambda v: from_api(hint, v) if isinstance(v, dict) else None
    if hint in (int, float):
        return lambda v: (
            hint(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        )
    if hint is bool:
        return lambda v: v if isinstance(v, bool) else None
    if hint is str:
        return lambda v: v if isinstance(v, str) else (str(v) if v is not None else None)
    return lambda v: v


@cache
def _plan(cls: type) -> list[tuple[str, str, Any]]:
    hints = typing.get_type_hints(cls)
    return [
        (f.name, f.metadata.get("json", _camel(f.name)), _converter(hints[f.name]))
        for f in fields(cls)
        if not f.metadata.get("skip")
    ]


def from_api(cls: type[T], data: dict[str, Any]) -> T:
    kwargs = {}
    for attr, key, conv in _plan(cls):
        if key in data and data[key] is not None:
            kwargs[attr] = conv(data[key])
    return cls(**kwargs)


def api_field(key: str) -> Any:
    return field(default=None, metadata={"json": key})
