"""Caregivers of patients, and administrative staff, of one organization."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, as_dicts, like, new_id, now, page_of, scoped
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
        return int(conn.execute(sa.select(sa.func.count()).select_from(caregivers).where(
            caregivers.c.organization_id == organization_id)).scalar_one())


class StaffRepository:
    def add(self, conn: sa.Connection, *, organization_id: str,
            **values: Any) -> dict[str, Any]:
        row = {"id": new_id("stf"), "organization_id": organization_id, "created_at": now(),
               "updated_at": now(), **dict.fromkeys(STAFF_COLUMNS), "is_active": True,
               **{k: v for k, v in values.items() if k in STAFF_COLUMNS}}
        conn.execute(sa.insert(staff).values(**row))
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            staff_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            scoped(staff, organization_id).where(staff.c.id == staff_id)).first())

    def by_user(self, conn: sa.Connection, *, organization_id: str,
                user_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            scoped(staff, organization_id).where(staff.c.user_id == user_id)).first())

    def update(self, conn: sa.Connection, *, organization_id: str, staff_id: str,
               **values: Any) -> None:
        changes = {k: v for k, v in values.items() if k in STAFF_COLUMNS}
        conn.execute(sa.update(staff).where(staff.c.organization_id == organization_id,
                                            staff.c.id == staff_id)
                     .values(**changes, updated_at=now()))

    def list(self, conn: sa.Connection, *, organization_id: str, search: str | None = None,
             page: int = 1, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        query = scoped(staff, organization_id)
        if search:
            pattern = like(search)
            query = query.where(sa.or_(
                sa.func.lower(staff.c.name).like(pattern, escape="\\"),
                sa.func.lower(staff.c.email).like(pattern, escape="\\")))
        return page_of(conn, query.order_by(staff.c.name, staff.c.id), page=page, limit=limit)

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(staff).where(
            staff.c.organization_id == organization_id)).scalar_one())

    def departments(self, conn: sa.Connection, *, organization_id: str) -> list[str]:
        query = (sa.select(staff.c.department).distinct()
                 .where(staff.c.organization_id == organization_id,
                        staff.c.department.is_not(None)))
        return sorted(str(r[0]) for r in conn.execute(query))
