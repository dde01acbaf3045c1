"""Providers: registration (a login with a temporary password), details, updates, lists,
bulk registration with one result per row, and weekly availability kept inside the
organization's business hours without overlaps."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import ValidationError

from app.services.clinic import hours as wall
from app.services.clinic.access import Access, audit
from app.services.clinic.credentials import NewLogin
from app.services.clinic.errors import UserNotFound
from app.services.clinic.inputs import ProviderCreate, ProviderFields, ProviderUpdate
from app.services.clinic.provider_results import (
    BulkError,
    BulkResult,
    BulkRow,
    BulkSummary,
    Provider,
    ProviderPage,
    ProviderRegistered,
)
from app.services.clinic.results import OrganizationUser, Pagination, UserRef
from app.services.errors import Conflict, ServiceError, ValidationFailed

if TYPE_CHECKING:
    from app.services.auth import AuthService
    from storage.vault import Vault


def _columns(body: ProviderFields) -> dict[str, Any]:
    """The provider columns of the fields that were sent."""
    sent = body.model_fields_set
    values = {name: getattr(body, name) for name in (
        "name", "role", "specialties", "department", "license_number", "license_state",
        "license_expiry", "employment_type", "phone", "is_active") if name in sent}
    return values


def _details(body: ProviderFields, before: dict[str, Any]) -> dict[str, Any]:
    details = dict(before)
    for name, key in (("education", "education"), ("certifications", "certifications")):
        if name in body.model_fields_set:
            details[key] = [item.model_dump(by_alias=True, exclude_none=True)
                            for item in getattr(body, name) or []]
    return details


class ProviderService:
    def __init__(self, vault: Vault, auth: AuthService) -> None:
        self._vault = vault
        self._auth = auth
        self._store = vault.clinic

    def register(self, access: Access, body: ProviderCreate) -> ProviderRegistered:
        login = NewLogin(self._auth)
        with self._store.write() as conn:
            return self._register(conn, access, body, login)

    def register_bulk(self, access: Access, rows: list[dict[str, Any]]) -> BulkResult:
        """Each row in a transaction of its own: a bad one fails alone, with its reason."""
        results: list[BulkRow] = []
        errors: list[BulkError] = []
        for index, raw in enumerate(rows):
            email = raw.get("email") if isinstance(raw.get("email"), str) else None
            try:
                body = ProviderCreate.model_validate(raw)
                login = NewLogin(self._auth)
                with self._store.write() as conn:
                    done = self._register(conn, access, body, login)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"]) or "body"
                errors.append(BulkError(index=index, email=email, code="VALIDATION_ERROR",
                                        field=field, message=first["msg"]))
            except ServiceError as exc:
                detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
                code = "DUPLICATE_ENTRY" if isinstance(exc, Conflict) else "VALIDATION_ERROR"
                errors.append(BulkError(index=index, email=email, code=code,
                                        field=detail.get("field", "body"),
                                        message=detail.get("message", exc.message)))
            else:
                results.append(BulkRow(index=index, email=done.user.email, status="success",
                                       user_id=done.user.id, provider_id=done.provider.id,
                                       temporary_password=done.credentials.temporary_password))
                continue
            results.append(BulkRow(index=index, email=email, status="failed"))
        ok = sum(1 for r in results if r.status == "success")
        return BulkResult(summary=BulkSummary(total=len(rows), successful=ok,
                                              failed=len(rows) - ok),
                          results=results, errors=errors)

    def get(self, access: Access, provider_id: str) -> Provider:
        with self._store.read() as conn:
            return self._public(conn, access, self._row(conn, access, provider_id))

    def update(self, access: Access, provider_id: str, body: ProviderUpdate) -> Provider:
        store, org_id = self._store, access.organization_id
        with store.write() as conn:
            row = self._row(conn, access, provider_id)
            provider_id = row["id"]
            if body.availability is not None:
                self._set_availability(conn, access, provider_id, body)
            store.providers.update(conn, organization_id=org_id, row_id=provider_id,
                                   **_columns(body),
                                   details=_details(body, row["details"] or {}))
            if body.role is not None and row["user_id"]:
                store.members.add(conn, organization_id=org_id, user_id=row["user_id"],
                                  role=body.role)
            audit(conn, self._vault, access, "provider.update", resource_type="provider",
                  resource_id=provider_id)
            return self._public(conn, access, self._row(conn, access, provider_id))

    def list(self, access: Access, *, search: str | None = None,
             department: str | None = None, page: int = 1, limit: int = 20) -> ProviderPage:
        with self._store.read() as conn:
            rows, total = self._store.providers.list(
                conn, organization_id=access.organization_id, search=search,
                department=department, page=page, limit=limit)
            providers = [self._public(conn, access, row) for row in rows]
        return ProviderPage(providers=providers,
                            pagination=Pagination.of(page=page, limit=limit, total=total))

    # --- internals ------------------------------------------------------

    def _register(self, conn: sa.Connection, access: Access, body: ProviderCreate,
                  login: NewLogin) -> ProviderRegistered:
        store, org_id = self._store, access.organization_id
        user = login.create(conn, store, organization_id=org_id, email=body.email,
                            name=body.name, role=body.role)
        row = store.providers.add(conn, organization_id=org_id, user_id=user["id"],
                                  email=user["email"], **_columns(body),
                                  details=_details(body, {}))
        if body.availability is not None:
            self._set_availability(conn, access, row["id"], body)
        audit(conn, self._vault, access, "provider.create", resource_type="provider",
              resource_id=row["id"])
        provider = self._public(conn, access, row)
        return ProviderRegistered(
            user=UserRef(id=user["id"], email=user["email"], name=user["name"],
                         user_type="provider"),
            organization_user=OrganizationUser(
                id=row["id"], primary_role=provider.role or body.role,
                department=provider.department, license_number=provider.license_number,
                specialties=provider.specialties, is_active=True,
                registration_date=row["created_at"]),
            provider=provider, credentials=login.credentials)

    def _set_availability(self, conn: sa.Connection, access: Access, provider_id: str,
                          body: ProviderFields) -> None:
        assert body.availability is not None
        org = self._store.organizations.get(conn, organization_id=access.organization_id)
        intervals = {day: [i.model_dump() for i in spans]
                     for day, spans in body.availability if spans}
        errors = wall.check_intervals(intervals, (org or {}).get("business_hours") or {})
        if errors:
            raise ValidationFailed("invalid availability", errors)
        self._store.providers.set_availability(
            conn, organization_id=access.organization_id, provider_id=provider_id,
            intervals=wall.as_rows(intervals))

    def _row(self, conn: sa.Connection, access: Access, provider_id: str) -> dict[str, Any]:
        """By the provider's id or its user's (which the document's answers call the
        provider's)."""
        row = self._store.providers.find(conn, organization_id=access.organization_id,
                                         key=provider_id)
        if row is None:
            raise UserNotFound(f"no provider {provider_id}")
        return row

    def _public(self, conn: sa.Connection, access: Access, row: dict[str, Any]) -> Provider:
        details = row["details"] or {}
        expiry: date | None = row["license_expiry"]
        status = "unknown" if expiry is None else (
            "expired" if expiry < access.today() else "active")
        rows = self._store.providers.availability(conn, organization_id=row["organization_id"],
                                                  provider_id=row["id"])
        return Provider(
            id=row["id"], organization_id=row["organization_id"], user_id=row["user_id"],
            email=row["email"], name=row["name"], role=row["role"],
            specialties=row["specialties"] or [], license_number=row["license_number"],
            license_state=row["license_state"], license_expiry=expiry, license_status=status,
            department=row["department"], employment_type=row["employment_type"],
            phone=row["phone"], education=details.get("education", []),
            certifications=details.get("certifications", []),
            availability=wall.from_rows(rows), is_active=bool(row["is_active"]),
            created_at=row["created_at"], updated_at=row["updated_at"])
