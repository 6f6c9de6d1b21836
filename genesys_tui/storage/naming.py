"""Output names from a template, e.g. {date}/{queue}/{conversationId}_{recordingId}.{ext}. Every
field is sanitized, and the result is checked to stay inside the output root."""

from __future__ import annotations

import re
import string
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from genesys_tui.core.errors import UserError

FIELDS = (
    "date",
    "time",
    "queue",
    "agent",
    "direction",
    "conversationId",
    "recordingId",
    "ext",
    "format",
)
DEFAULT_TEMPLATE = "{date}/{queue}/{conversationId}_{recordingId}.{ext}"
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._+-]+")


class NamingError(UserError, ValueError):
    pass


def check_template(template: str) -> str:
    names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise NamingError(
            f"naming template {template!r}: unknown field(s) {', '.join(unknown)}; "
            f"known: {', '.join(FIELDS)}"
        )
    if "{ext}" not in template:
        raise NamingError(f"naming template {template!r} must end in {{ext}}")
    if template.startswith("/") or re.match(r"^[A-Za-z]:", template):
        raise NamingError(f"naming template {template!r} must be relative")
    try:  # a trial render: format specs, '..' and empty parts fail here, before any download
        _render(
            template,
            {"date": "2026-01-31", "conversationId": "c", "recordingId": "r", "ext": "wav"},
        )
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise NamingError(f"naming template {template!r}: {e}") from None
    return template


def sanitize(value: Any, fallback: str = "unknown", limit: int = 80) -> str:
    """One path component: ASCII letters, digits, space and ._+- only; never empty, '.' or '..'."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    text = _UNSAFE.sub("_", text).strip(" ._")[:limit].strip(" ._")
    return text or fallback


def render(template: str, fields: dict[str, Any]) -> PurePosixPath:
    """The relative path for a set of fields (ext may contain a dot, e.g. customer.wav)."""
    check_template(template)
    return _render(template, fields)


def _render(template: str, fields: dict[str, Any]) -> PurePosixPath:
    safe = {
        k: sanitize(v, limit=120 if k == "ext" else 80) for k, v in fields.items() if k != "ext"
    }
    ext = ".".join(sanitize(part, "bin", 16) for part in str(fields.get("ext", "bin")).split("."))
    rel = PurePosixPath(template.format(**{**{f: "unknown" for f in FIELDS}, **safe, "ext": ext}))
    if rel.is_absolute() or any(p in ("", ".", "..") for p in rel.parts):
        raise NamingError(f"unsafe output path {rel}")
    return rel


def inside(root: Path, rel: PurePosixPath) -> Path:
    """root / rel, refusing anything that would resolve outside root (symlinks included)."""
    root = root.expanduser().resolve()
    given = root / Path(*rel.parts)
    if given.is_symlink():
        raise NamingError(f"output {given} is a symbolic link: refusing to write through it")
    final = given.resolve()
    if final != root and root not in final.parents:
        raise NamingError(f"output {final} would escape the output root {root}")
    return final


def fields_for(meta: dict[str, Any], recording_id: str, fmt: str, ext: str) -> dict[str, Any]:
    start = str(meta.get("conversationStart") or "")
    queues = meta.get("queues") or []
    agents = meta.get("agents") or []
    return {
        "date": start[:10] or "unknown-date",
        "time": start[11:19].replace(":", "") or "unknown-time",
        "queue": queues[0]["name"] if queues else "no-queue",
        "agent": agents[0]["name"] if agents else "no-agent",
        "direction": meta.get("direction") or "unknown",
        "conversationId": meta.get("conversationId") or "unknown",
        "recordingId": recording_id,
        "format": fmt,
        "ext": ext,
    }
