"""Errors services raise on purpose; the API and the UI map each to one message or code."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    """Missing, or belongs to another owner (the two are indistinguishable on purpose).

    `code` is the API's error code; the clinic's subclasses name what was not found."""

    code = "NOT_FOUND"


class ValidationFailed(ServiceError):
    """The request is well-formed but its content is not acceptable."""


class PermissionDenied(ServiceError):
    pass


class Conflict(ServiceError):
    """Would duplicate something unique (an email, a slug, a booked slot)."""


class RateLimited(ServiceError):
    pass
