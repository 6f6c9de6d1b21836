"""Errors handlers raise; the API wrapper turns them into the normalized ErrorBody."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def not_found(what: str) -> ApiError:
    return ApiError(404, "not.found", f"The requested {what} was not found.")


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad.request", message)


USER_CONTEXT = ApiError(
    400,
    "bad.request",
    "This request requires a user context. Client credentials cannot be "
    "used for requests to this resource.",
)
