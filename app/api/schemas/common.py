"""The envelopes as models, so /openapi.json documents exactly what is sent."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Open(BaseModel):
    """A documented object that may carry more fields than it names."""

    model_config = ConfigDict(extra="allow")


class Metadata(BaseModel):
    timestamp: str
    request_id: str
    version: str


class Envelope(BaseModel, Generic[T]):
    success: Literal[True]
    data: T
    metadata: Metadata


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorMetadata(BaseModel):
    timestamp: str
    request_id: str


class ErrorEnvelope(BaseModel):
    success: Literal[False]
    error: ErrorInfo
    metadata: ErrorMetadata


class ClinicEnvelope(BaseModel, Generic[T]):
    success: Literal[True]
    data: T


class FieldError(BaseModel):
    field: str
    message: str


class ClinicErrorInfo(BaseModel):
    code: str
    message: str
    details: list[FieldError]
    timestamp: str
    requestId: str  # the document spells it in camelCase


class ClinicErrorEnvelope(BaseModel):
    success: Literal[False]
    error: ClinicErrorInfo


def _responses(model: type[BaseModel], statuses: dict[int, str]) -> dict[int | str, Any]:
    return {code: {"model": model, "description": text} for code, text in statuses.items()}


_STATUSES = {
    400: "Validation failed (VALIDATION_ERROR)",
    401: "Authentication required, invalid or expired",
    403: "Not allowed",
    404: "Not found",
    429: "Rate limit exceeded",
    500: "Internal error",
    503: "Service unavailable",
}
INSIGHT_ERRORS = _responses(ErrorEnvelope, _STATUSES)
CLINIC_ERRORS = _responses(ClinicErrorEnvelope, {**_STATUSES, 409: "Duplicate entry"})
