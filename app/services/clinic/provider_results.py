"""What the provider services return (frozen; the API's response schemas too)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.services.clinic.models import Result
from app.services.clinic.results import (
    Credentials,
    OrganizationUser,
    Pagination,
    Person,
    UserRef,
)


class Provider(Person):
    role: str | None
    specialties: list[str]
    license_number: str | None
    license_state: str | None
    license_expiry: date | None
    license_status: str  # active | expired | unknown
    department: str | None
    employment_type: str | None
    phone: str | None
    education: list[dict[str, Any]]
    certifications: list[dict[str, Any]]
    availability: dict[str, list[dict[str, str]]]
    is_active: bool
    created_at: datetime
    updated_at: datetime | None


class ProviderRegistered(Result):
    user: UserRef
    organization_user: OrganizationUser
    provider: Provider
    credentials: Credentials


class ProviderPage(Result):
    providers: list[Provider]
    pagination: Pagination


class BulkSummary(Result):
    total: int
    successful: int
    failed: int


class BulkRow(Result):
    index: int
    email: str | None
    status: str  # success | failed
    user_id: str | None = None
    provider_id: str | None = None
    temporary_password: str | None = None


class BulkError(Result):
    index: int
    email: str | None
    code: str
    field: str
    message: str


class BulkResult(Result):
    summary: BulkSummary
    results: list[BulkRow]
    errors: list[BulkError]
