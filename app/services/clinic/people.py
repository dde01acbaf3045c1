"""Caregivers of a patient (dated authorizations) and administrative staff."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.clinic import hours as wall
from app.services.clinic.access import Access, AccessService, audit
from app.services.clinic.credentials import NewLogin, email_of_this_organization
from app.services.clinic.errors import UserNotFound
from app.services.clinic.inputs import CaregiverCreate, StaffCreate, StaffFields, StaffUpdate
from app.services.clinic.results import (
    Caregiver,
    CaregiverAdded,
    Caregivers,
    OrganizationUser,
    Pagination,
    Staff,
    StaffPage,
    StaffRegistered,
    UserRef,
)
from app.services.errors import ValidationFailed

if TYPE_CHECKING:
    from app.services.auth import AuthService
    from storage.vault import Vault

def in_force(row: dict[str, Any], today: date) -> bool:
    """An authorization grants anything only between its effective and expiration dates."""
    starts, ends = row["effective_date"], row["expiration_date"]
    return (starts is None or starts <= today) and (ends is None or today <= ends)


class CaregiverService:
    def __init__(self, vault: Vault, auth: AuthService, access: AccessService) -> None:
        self._vault = vault
        self._auth = auth
        self._access = access
        self._store = vault.clinic

    def add(self, access: Access, patient_id: str, body: CaregiverCreate) -> CaregiverAdded:
        store, org_id = self._store, access.organization_id
        login = NewLogin(self._auth) if body.can_access_portal else None
        with store.write() as conn:
            self._patient(conn, access, patient_id)
            if body.authorized_by is not None:
                self._authorizer(conn, access, patient_id, body.authorized_by)
            email_of_this_organization(conn, store, body.caregiver_email,
                                       organization_id=org_id, field="caregiverEmail")
            user = None
            if login is not None:
                existing = store.members.user_by_email(conn, email=body.caregiver_email)
                if existing is not None and store.members.get(
                        conn, organization_id=org_id, user_id=existing["id"]):
                    user, login = existing, None  # already a caregiver here: one login
                else:
                    user = login.create(conn, store, organization_id=org_id,
                                        email=body.caregiver_email, name=body.caregiver_name,
                                        role="caregiver", field="caregiverEmail")
            grants = body.model_dump(by_alias=True, include={
                "can_schedule_appointments", "can_receive_medical_info",
                "can_make_medical_decisions", "can_access_portal"})
            row = store.caregivers.add(
                conn, organization_id=org_id, patient_id=patient_id,
                user_id=user["id"] if user else None, name=body.caregiver_name,
                email=body.caregiver_email.lower(), relationship=body.relationship_type,
                permissions=grants, authorization_level=body.authorization_level,
                authorized_by=body.authorized_by,
                authorization_document=body.authorization_document,
                effective_date=body.effective_date, expiration_date=body.expiration_date)
            audit(conn, self._vault, access, "caregiver.create", resource_type="patient",
                  resource_id=patient_id, details={"caregiver": row["id"]})
        return CaregiverAdded(caregiver=self._public(row, access.today()),
                              credentials=login.credentials if login else None)

    def list(self, access: Access, patient_id: str) -> Caregivers:
        self._access.require_patient(access, patient_id)
        with self._store.write() as conn:
            self._patient(conn, access, patient_id)
            rows = self._store.caregivers.of_patient(
                conn, organization_id=access.organization_id, patient_id=patient_id)
            audit(conn, self._vault, access, "caregiver.list", resource_type="patient",
                  resource_id=patient_id)
        return Caregivers(caregivers=[self._public(r, access.today()) for r in rows])

    def _patient(self, conn: sa.Connection, access: Access, patient_id: str) -> None:
        if self._store.patients.get(conn, organization_id=access.organization_id,
                                    patient_id=patient_id) is None:
            raise UserNotFound(f"no patient {patient_id}")

    def _authorizer(self, conn: sa.Connection, access: Access, patient_id: str,
                    authorized_by: str) -> None:
        """`authorizedBy` names who gave the authorization: the patient (their id), or
        someone who may decide for them today (a caregiver of theirs, by its id or user
        id, whose authorization in force grants canMakeMedicalDecisions). Anyone else,
        another patient included, is refused (400): the record must not claim a consent
        nobody entitled gave."""
        if authorized_by == patient_id:
            return
        today = access.today()
        for row in self._store.caregivers.of_patient(
                conn, organization_id=access.organization_id, patient_id=patient_id):
            if authorized_by in (row["id"], row["user_id"]) and in_force(row, today) and \
                    (row["permissions"] or {}).get("canMakeMedicalDecisions"):
                return
        raise ValidationFailed(
            "authorizedBy must be this patient, or a caregiver who may make medical "
            "decisions for them", [{"field": "authorizedBy", "message": "not this patient "
                                    "nor a caregiver who decides for them"}])

    @staticmethod
    def _public(row: dict[str, Any], today: date) -> Caregiver:
        grants = row["permissions"] or {}
        return Caregiver(
            id=row["id"], patient_id=row["patient_id"], user_id=row["user_id"],
            caregiver_email=row["email"], caregiver_name=row["name"],
            relationship_type=row["relationship"],
            authorization_level=row["authorization_level"],
            can_schedule_appointments=bool(grants.get("canScheduleAppointments")),
            can_receive_medical_info=bool(grants.get("canReceiveMedicalInfo")),
            can_make_medical_decisions=bool(grants.get("canMakeMedicalDecisions")),
            can_access_portal=bool(grants.get("canAccessPortal")),
            authorized_by=row["authorized_by"],
            authorization_document=row["authorization_document"],
            effective_date=row["effective_date"], expiration_date=row["expiration_date"],
            is_active=in_force(row, today), created_at=row["created_at"])


def _staff_columns(body: StaffFields) -> dict[str, Any]:
    sent = body.model_fields_set
    values = {name: getattr(body, name) for name in (
        "name", "role", "department", "employment_type", "phone", "permissions", "is_active")
        if name in sent}
    if "work_schedule" in sent:
        values["work_schedule"] = (body.work_schedule.model_dump(exclude_none=True)
                                   if body.work_schedule else {})
        errors = wall.check_intervals({d: [v] for d, v in values["work_schedule"].items()},
                                      None, field="workSchedule")
        if errors:
            raise ValidationFailed("invalid work schedule", errors)
    return values


class StaffService:
    def __init__(self, vault: Vault, auth: AuthService) -> None:
        self._vault = vault
        self._auth = auth
        self._store = vault.clinic

    def register(self, access: Access, body: StaffCreate) -> StaffRegistered:
        store, org_id = self._store, access.organization_id
        columns = _staff_columns(body)
        login = NewLogin(self._auth)
        with store.write() as conn:
            user = login.create(conn, store, organization_id=org_id, email=body.email,
                                name=body.name, role=body.role)
            row = store.staff.add(conn, organization_id=org_id, user_id=user["id"],
                                  email=user["email"], **columns)
            audit(conn, self._vault, access, "staff.create", resource_type="staff",
                  resource_id=row["id"])
        staff = self._public(row)
        return StaffRegistered(
            user=UserRef(id=user["id"], email=user["email"], name=user["name"],
                         user_type="staff"),
            organization_user=OrganizationUser(id=row["id"], primary_role=body.role,
                                               department=body.department, is_active=True,
                                               registration_date=row["created_at"]),
            staff=staff, credentials=login.credentials)

    def get(self, access: Access, staff_id: str) -> Staff:
        with self._store.read() as conn:
            return self._public(self._row(conn, access, staff_id))

    def update(self, access: Access, staff_id: str, body: StaffUpdate) -> Staff:
        store, org_id = self._store, access.organization_id
        columns = _staff_columns(body)
        with store.write() as conn:
            row = self._row(conn, access, staff_id)
            staff_id = row["id"]
            store.staff.update(conn, organization_id=org_id, row_id=staff_id, **columns)
            if body.role is not None and row["user_id"]:
                store.members.add(conn, organization_id=org_id, user_id=row["user_id"],
                                  role=body.role)
            audit(conn, self._vault, access, "staff.update", resource_type="staff",
                  resource_id=staff_id)
            return self._public(self._row(conn, access, staff_id))

    def list(self, access: Access, *, search: str | None = None, page: int = 1,
             limit: int = 20) -> StaffPage:
        with self._store.read() as conn:
            rows, total = self._store.staff.list(conn, organization_id=access.organization_id,
                                                 search=search, page=page, limit=limit)
        return StaffPage(staff=[self._public(r) for r in rows],
                         pagination=Pagination.of(page=page, limit=limit, total=total))

    def _row(self, conn: sa.Connection, access: Access, staff_id: str) -> dict[str, Any]:
        """By the staff member's id or their user's (as for providers)."""
        row = self._store.staff.find(conn, organization_id=access.organization_id,
                                     key=staff_id)
        if row is None:
            raise UserNotFound(f"no staff member {staff_id}")
        return row

    @staticmethod
    def _public(row: dict[str, Any]) -> Staff:
        return Staff(
            id=row["id"], organization_id=row["organization_id"], user_id=row["user_id"],
            email=row["email"], name=row["name"], role=row["role"],
            department=row["department"], employment_type=row["employment_type"],
            phone=row["phone"], permissions=row["permissions"] or [],
            work_schedule=row["work_schedule"] or {}, is_active=row["is_active"] is not False,
            created_at=row["created_at"], updated_at=row["updated_at"])
