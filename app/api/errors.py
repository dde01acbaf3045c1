"""Every failure becomes one documented code in the envelope of the API it hit.

Routes raise `ApiError` (or let a service error through); FastAPI's own 422 becomes
400 VALIDATION_ERROR with the fields at fault; anything unexpected is logged here and
answered 500 INTERNAL_ERROR with no internals (by the middleware, so the connection
stays usable). The clinic API spells some codes
differently (AUTHENTICATION_REQUIRED, INVALID_CREDENTIALS, ...): `CLINIC_CODES` maps them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.api.envelopes import error_body, is_clinic, request_id
from app.services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceError,
    ValidationFailed,
)
from app.services.tokens import AuthFailed
from storage.errors import EncryptionUnavailable, VaultKeyError, VaultNotFound

log = logging.getLogger(__name__)

# insight code -> (clinic status, clinic code) where they differ
CLINIC_CODES: dict[str, tuple[int, str]] = {
    "AUTH_REQUIRED": (401, "AUTHENTICATION_REQUIRED"),
    "AUTH_INVALID": (401, "INVALID_CREDENTIALS"),
    "AUTH_EXPIRED": (401, "INVALID_CREDENTIALS"),
    "PERMISSION_DENIED": (403, "INSUFFICIENT_PERMISSIONS"),
    "CONFLICT": (409, "DUPLICATE_ENTRY"),
    "INTERNAL_ERROR": (500, "INTERNAL_SERVER_ERROR"),
}
# The insight document has no conflict code: a duplicate is a validation failure there.
INSIGHT_CODES: dict[str, tuple[int, str]] = {"CONFLICT": (400, "VALIDATION_ERROR")}


class ApiError(Exception):
    """A documented failure: HTTP status, insight-style code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def auth_error(exc: AuthFailed) -> ApiError:
    if exc.reason == "expired":
        return ApiError(401, "AUTH_EXPIRED", exc.message, exc.details)
    return ApiError(401, "AUTH_INVALID", exc.message, exc.details)


def service_error(exc: ServiceError) -> ApiError:
    """The API's answer to an error a service raised on purpose."""
    if isinstance(exc, AuthFailed):
        return auth_error(exc)
    if isinstance(exc, NotFound):
        return ApiError(404, exc.code, exc.message, exc.details)
    if isinstance(exc, ValidationFailed):
        return ApiError(400, "VALIDATION_ERROR", exc.message, exc.details)
    if isinstance(exc, PermissionDenied):
        return ApiError(403, "PERMISSION_DENIED", exc.message, exc.details)
    if isinstance(exc, Conflict):
        return ApiError(409, "CONFLICT", exc.message, exc.details)
    if isinstance(exc, RateLimited):
        reset = (exc.details or {}).get("reset") if isinstance(exc.details, dict) else None
        wait = max(int(reset - time.time()), 1) if isinstance(reset, int) else 60
        return ApiError(429, "RATE_LIMIT_EXCEEDED", exc.message, exc.details,
                        headers={"Retry-After": str(wait)})
    return ApiError(400, "VALIDATION_ERROR", exc.message, exc.details)


def rendered(path: str, rid: str, err: ApiError) -> tuple[int, dict[str, Any]]:
    """(status, body) of `err` in the envelope of the API that `path` belongs to."""
    table = CLINIC_CODES if is_clinic(path) else INSIGHT_CODES
    status, code = table.get(err.code, (err.status, err.code))
    return status, error_body(path=path, rid=rid, code=code, message=err.message,
                              details=err.details)


def render(request: Request, err: ApiError) -> JSONResponse:
    status, body = rendered(request.url.path, request_id(request), err)
    return JSONResponse(body, status_code=status, headers=err.headers)


def _field(loc: tuple[Any, ...]) -> str:
    """The name a client sent: a parameter's own name (pydantic adds the union member
    that failed, e.g. ``startDate.date``), or the dotted path inside a body."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "header", "cookie"):
        return parts[1] if len(parts) > 1 else parts[0]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_details(exc: RequestValidationError) -> list[dict[str, str]]:
    return [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors()]


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a documented envelope."""

    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return render(request, exc)

    async def on_service_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        return render(request, service_error(exc))

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return render(request, ApiError(400, "VALIDATION_ERROR", "request validation failed",
                                        validation_details(exc)))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            err = ApiError(404, "NOT_FOUND", "no such resource")
        elif exc.status_code == 405:
            err = ApiError(405, "METHOD_NOT_ALLOWED", "method not allowed on this resource")
        elif exc.status_code == 400:
            err = ApiError(400, "VALIDATION_ERROR", str(exc.detail))
        else:
            err = ApiError(exc.status_code, "VALIDATION_ERROR" if exc.status_code < 500
                           else "INTERNAL_ERROR", str(exc.detail))
        return render(request, err)

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("vault unavailable: %s", type(exc).__name__)
        return render(request, ApiError(503, "SERVICE_UNAVAILABLE",
                                        "the vault is not available right now"))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for kind in (VaultKeyError, VaultNotFound, EncryptionUnavailable):
        app.add_exception_handler(kind, on_unavailable)
