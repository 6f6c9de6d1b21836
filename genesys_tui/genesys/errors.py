"""Typed errors. str(error) is a message for a person: what happened and what to do next. It never
contains a token, a secret or a presigned URL's signature."""

from __future__ import annotations

import re
from typing import Any

from genesys_tui.core.errors import UserError


class GenesysError(UserError):
    """Base for every API failure. Carries the HTTP status, the API error code and the
    ININ-Correlation-Id to quote in a support ticket."""

    hint = ""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        correlation_id: str | None = None,
        body: dict[str, Any] | None = None,
    ):
        self.message = message
        self.status = status
        self.code = code
        self.correlation_id = correlation_id
        self.body = body or {}
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [self.message]
        if self.hint:
            parts.append(self.hint)
        if self.correlation_id:
            parts.append(f"(correlation id {self.correlation_id})")
        return " ".join(parts)


class AuthenticationError(GenesysError):
    hint = "Check the client id and secret (`genesys-tui login`) and the region."


class UserContextRequired(GenesysError):
    hint = "This action needs a user token: run `genesys-tui login --user`."


class PermissionDenied(GenesysError):
    def __init__(self, message: str, permissions: list[str] | None = None, **kw: Any):
        self.permissions = permissions or []
        super().__init__(message, **kw)

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.permissions:
            return f"Ask an admin to grant: {', '.join(self.permissions)}."
        return "Ask an admin to check the OAuth client's roles and divisions."


class NotFound(GenesysError):
    hint = "Check the ID; it may belong to another org or region."


class BadRequest(GenesysError):
    pass


class Conflict(GenesysError):
    pass


class RateLimited(GenesysError):
    def __init__(self, message: str, retry_after: float | None = None, **kw: Any):
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(GenesysError):
    hint = "Genesys Cloud had a problem; try again later."


class NetworkError(GenesysError):
    hint = "Check the network connection and the region."


class SlowAnswer(NetworkError):
    """The request reached Genesys and the connection stayed up, but no answer came in time: a
    slow server, not a network failure."""

    hint = (
        "Genesys took the request but was slow to answer; it may still be working on it. "
        "Ask for less (a shorter interval), or try again later."
    )


class TranscodeTimeout(GenesysError):
    hint = "The recording is still being prepared; try again in a minute."


class RecordingArchived(GenesysError):
    hint = "Restore it first (fetch --restore-archived), then try again later."


class PresignedUrlExpired(GenesysError):
    pass


_PERM_RE = re.compile(r"\[([^\]]+)\]")


def missing_permissions(body: dict[str, Any]) -> list[str]:
    """Permission names from a missing.permissions ErrorBody (messageParams, or the [..] in the
    message)."""
    found: list[str] = []
    params = body.get("messageParams") or {}
    candidates = (
        [v for v in params.values() if isinstance(v, str)] if isinstance(params, dict) else []
    )
    candidates.append(str(body.get("message") or ""))
    for text in candidates:
        for group in _PERM_RE.findall(text) or (
            [text] if ":" in text and " " not in text.strip() else []
        ):
            for p in re.split(r"[,\s]+", group):
                p = p.strip()
                if p.count(":") >= 2 and p not in found:
                    found.append(p)
    return found
