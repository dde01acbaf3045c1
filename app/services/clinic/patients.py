"""Patients: registration with a medical record number, details, updates, lists, and
records imported for them. Every read and change of a patient is audited.

The number is `<PREFIX>-<YEAR>-<6 digits>`: the prefix from settings (default the
slug's initials), the year in the organization's time zone, and the organization's
`mrn` counter taken inside the one writer's transaction that inserts the patient, so
concurrent registrations get consecutive numbers and UNIQUE(organization, mrn) backs
that up.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.clinic.access import Access, AccessService, audit
from app.services.clinic.credentials import NewLogin, email_of_this_organization
from app.services.clinic.errors import UserNotFound
from app.services.clinic.inputs import PatientCreate, PatientFields, PatientUpdate
from app.services.clinic.organizations import default_prefix
from app.services.clinic.results import (
    Credentials,
    OrganizationUser,
    Pagination,
    Patient,
    PatientPage,
    PatientRef,
    PatientRegistered,
)
from app.services.errors import Conflict

if TYPE_CHECKING:
    from app.services.auth import AuthService
    from app.services.imports import ImportService
    from storage.vault import Vault

_DETAILS = ("address", "emergency_contact", "insurance_info", "medical_history", "preferences")


def _details(body: PatientFields, before: dict[str, Any]) -> dict[str, Any]:
    details = dict(before)
    for name in _DETAILS:
        if name in body.model_fields_set:
            value = getattr(body, name)
            details[name] = (None if value is None else
                             value.model_dump(by_alias=True, exclude_none=True, mode="json"))
    return details


class PatientService:
    def __init__(self, vault: Vault, auth: AuthService, access: AccessService,
                 imports: ImportService) -> None:
        self._vault = vault
        self._auth = auth
        self._access = access
        self._imports = imports
        self._store = vault.clinic

    def register(self, access: Access, body: PatientCreate) -> PatientRegistered:
        store, org_id = self._store, access.organization_id
        login = NewLogin(self._auth) if body.portal_access else None
        with store.write() as conn:
            if body.email:
                self._email_unused(conn, access, body.email)
            user = None
            if login is not None and body.email:
                user = login.create(conn, store, organization_id=org_id, email=body.email,
                                    name=body.name, role="patient")
            mrn = self._next_mrn(conn, access)
            row = store.patients.add(
                conn, organization_id=org_id, patient_id="pat_" + secrets.token_hex(8),
                mrn=mrn, name=body.name, date_of_birth=body.date_of_birth, gender=body.gender,
                email=body.email.lower() if body.email else None, phone=body.phone,
                user_id=user["id"] if user else None, details=_details(body, {}))
            audit(conn, self._vault, access, "patient.create", resource_type="patient",
                  resource_id=row["id"])
        return PatientRegistered(
            patient=PatientRef(id=row["id"], email=row["email"], name=row["name"],
                               medical_record_number=mrn, date_of_birth=row["date_of_birth"]),
            organization_user=OrganizationUser(id=row["id"], primary_role="patient",
                                               is_active=True,
                                               registration_date=row["created_at"]),
            credentials=login.credentials if login else Credentials(
                temporary_password=None, must_change_password=False))

    def get(self, access: Access, patient_id: str) -> Patient:
        self._access.require_patient(access, patient_id)
        with self._store.write() as conn:  # a read of patient data writes its audit row
            row = self._row(conn, access, patient_id)
            audit(conn, self._vault, access, "patient.read", resource_type="patient",
                  resource_id=patient_id)
        return self._public(row)

    def update(self, access: Access, patient_id: str, body: PatientUpdate) -> Patient:
        store, org_id = self._store, access.organization_id
        with store.write() as conn:
            row = self._row(conn, access, patient_id)
            sent = body.model_fields_set
            values = {name: getattr(body, name) for name in
                      ("name", "date_of_birth", "gender", "phone") if name in sent}
            if "email" in sent and body.email and body.email.lower() != row["email"]:
                self._email_unused(conn, access, body.email)
                values["email"] = body.email.lower()
            store.patients.update(conn, organization_id=org_id, patient_id=patient_id,
                                  **values, details=_details(body, row["details"] or {}))
            audit(conn, self._vault, access, "patient.update", resource_type="patient",
                  resource_id=patient_id, details={"fields": sorted(sent)})
            return self._public(self._row(conn, access, patient_id))

    def list(self, access: Access, *, search: str | None = None, page: int = 1,
             limit: int = 20) -> PatientPage:
        with self._store.write() as conn:
            rows, total = self._store.patients.list(
                conn, organization_id=access.organization_id, search=search,
                only=access.patient_ids, page=page, limit=limit)
            audit(conn, self._vault, access, "patient.list", resource_type="patient",
                  details={"returned": len(rows)})
        return PatientPage(patients=[self._public(r) for r in rows],
                           pagination=Pagination.of(page=page, limit=limit, total=total))

    def by_mrn(self, organization_id: str, mrn: str) -> Patient:
        with self._store.read() as conn:
            row = self._store.patients.by_mrn(conn, organization_id=organization_id, mrn=mrn)
        if row is None:
            raise UserNotFound(f"no patient with medical record number {mrn}")
        return self._public(row)

    def import_records(self, access: Access, patient_id: str, paths: list[Path], *,
                       delete_after: bool = False) -> str:
        """Start importing files as this clinic patient's records; the import id."""
        with self._store.write() as conn:
            self._row(conn, access, patient_id)
            import_id = self._imports.start(paths, owner_id=None, patient_id=patient_id,
                                            delete_after=delete_after)
            audit(conn, self._vault, access, "patient.records.import",
                  resource_type="patient", resource_id=patient_id,
                  details={"import_id": import_id, "files": len(paths)})
        return import_id

    # --- internals ------------------------------------------------------

    def _next_mrn(self, conn: sa.Connection, access: Access) -> str:
        store = self._store
        org = store.organizations.get(conn, organization_id=access.organization_id) or {}
        prefix = (org.get("settings") or {}).get("mrnPrefix") or default_prefix(org["slug"])
        number = store.organizations.next_number(conn, organization_id=access.organization_id,
                                                 name="mrn")
        return f"{prefix}-{access.today().year}-{number:06d}"

    def _email_unused(self, conn: sa.Connection, access: Access, email: str) -> None:
        """Conflict unless `email` is no other patient's here and no one's elsewhere."""
        org_id = access.organization_id
        email_of_this_organization(conn, self._store, email, organization_id=org_id,
                                   field="email")
        if self._store.patients.email_taken(conn, organization_id=org_id, email=email):
            raise Conflict(f"a patient with email {email} is already registered",
                           [{"field": "email", "message": "already registered"}])

    def _row(self, conn: sa.Connection, access: Access, patient_id: str) -> dict[str, Any]:
        row = self._store.patients.get(conn, organization_id=access.organization_id,
                                       patient_id=patient_id)
        if row is None:
            raise UserNotFound(f"no patient {patient_id}")
        return row

    @staticmethod
    def _public(row: dict[str, Any]) -> Patient:
        details = row["details"] or {}
        return Patient(
            id=row["id"], organization_id=row["organization_id"], user_id=row["user_id"],
            email=row["email"], name=row["name"], medical_record_number=row["mrn"],
            date_of_birth=row["date_of_birth"], gender=row["gender"], phone=row["phone"],
            **{name: details.get(name) for name in _DETAILS},
            is_active=bool(row["is_active"]), registration_date=row["created_at"],
            updated_at=row["updated_at"])
