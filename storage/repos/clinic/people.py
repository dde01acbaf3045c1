"""Caregivers of patients, and administrative staff, of one organization."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import (
    MemberRows,
    as_dicts,
    count,
    new_id,
    now,
    one,
    scoped,
)
from storage.schema import caregivers, staff

CAREGIVER_COLUMNS = ("patient_id", "user_id", "name", "email", "relationship", "permissions",
                     "authorization_level", "authorized_by", "authorization_document",
                     "effective_date", "expiration_date")
STAFF_COLUMNS = ("user_id", "name", "email", "role", "details", "department",
                 "employment_type", "phone", "permissions", "work_schedule", "is_active")


class CaregiverRepository:
    def add(self, conn: sa.Connection, *, organization_id: str,
            **values: Any) -> dict[str, Any]:
        row = {"id": new_id("cgv"), "organization_id": organization_id, "created_at": now(),
               **{k: values.get(k) for k in CAREGIVER_COLUMNS}}
        conn.execute(sa.insert(caregivers).values(**row))
        return row

    def of_patient(self, conn: sa.Connection, *, organization_id: str,
                   patient_id: str) -> list[dict[str, Any]]:
        return as_dicts(conn.execute(scoped(caregivers, organization_id)
                                     .where(caregivers.c.patient_id == patient_id)
                                     .order_by(caregivers.c.created_at)))

    def active_for_user(self, conn: sa.Connection, *, organization_id: str, user_id: str,
                        on: date) -> list[dict[str, Any]]:
        """The user's authorizations in force on `on` (inside effective..expiration)."""
        query = scoped(caregivers, organization_id).where(
            caregivers.c.user_id == user_id,
            sa.or_(caregivers.c.effective_date.is_(None), caregivers.c.effective_date <= on),
            sa.or_(caregivers.c.expiration_date.is_(None), caregivers.c.expiration_date >= on))
        return as_dicts(conn.execute(query))

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return count(conn, caregivers, organization_id)


class StaffRepository(MemberRows):
    table = staff
    columns = STAFF_COLUMNS
    prefix = "stf"
    searched = ("name", "email")

    def get(self, conn: sa.Connection, *, organization_id: str,
            staff_id: str) -> dict[str, Any] | None:
        return one(conn, staff, organization_id, id=staff_id)
