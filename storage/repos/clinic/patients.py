"""Clinic patients: each one a person of the vault (`patients` row, same id) registered
in one organization with a medical record number unique there.

The person's `owner_id` is `org:<organization id>`: no user's own health views (which
select their owner_id, NULL for the vault owner) ever list a clinic's patients."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import count, now, one, page_of, scoped, search_in
from storage.schema import clinic_patients, patients


def owner_of(organization_id: str) -> str:
    """The owner_id of an organization's patients in the vault's `patients` table."""
    return f"org:{organization_id}"


COLUMNS = ("user_id", "name", "email", "date_of_birth", "gender", "phone", "details",
           "is_active")


class PatientRepository:
    def add(self, conn: sa.Connection, *, organization_id: str, patient_id: str, mrn: str,
            name: str, date_of_birth: date | None, gender: str | None,
            **values: Any) -> dict[str, Any]:
        """The vault person and its registration in the organization, on one connection."""
        stamp = now()
        conn.execute(sa.insert(patients).values(
            id=patient_id, owner_id=owner_of(organization_id), name=name,
            birth_date=date_of_birth, sex=gender,
            extra={"identifiers": [f"urn:healthinsight:mrn:{organization_id}|{mrn}"]},
            organization_id=organization_id, identifier_system=(
                f"urn:healthinsight:mrn:{organization_id}"), identifier=mrn,
            created_at=stamp))
        row = {**dict.fromkeys(COLUMNS), "id": patient_id, "organization_id": organization_id,
               "mrn": mrn, "name": name, "date_of_birth": date_of_birth, "gender": gender,
               "is_active": True, "created_at": stamp, "updated_at": stamp,
               **{k: v for k, v in values.items() if k in COLUMNS}}
        conn.execute(sa.insert(clinic_patients).values(**row))
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            patient_id: str) -> dict[str, Any] | None:
        return one(conn, clinic_patients, organization_id, id=patient_id)

    def by_mrn(self, conn: sa.Connection, *, organization_id: str,
               mrn: str) -> dict[str, Any] | None:
        return one(conn, clinic_patients, organization_id, mrn=mrn)

    def by_user(self, conn: sa.Connection, *, organization_id: str,
                user_id: str) -> dict[str, Any] | None:
        return one(conn, clinic_patients, organization_id, user_id=user_id)

    def email_taken(self, conn: sa.Connection, *, organization_id: str, email: str) -> bool:
        query = scoped(clinic_patients, organization_id).where(
            sa.func.lower(clinic_patients.c.email) == email.strip().lower())
        return conn.execute(query).first() is not None

    def update(self, conn: sa.Connection, *, organization_id: str, patient_id: str,
               **values: Any) -> None:
        changes = {k: v for k, v in values.items() if k in COLUMNS}
        conn.execute(sa.update(clinic_patients).where(
            clinic_patients.c.organization_id == organization_id,
            clinic_patients.c.id == patient_id).values(**changes, updated_at=now()))
        person = {"name": changes.get("name"), "birth_date": changes.get("date_of_birth"),
                  "sex": changes.get("gender")}
        person = {k: v for k, v in person.items() if v is not None}
        if person:
            conn.execute(sa.update(patients).where(
                patients.c.organization_id == organization_id,
                patients.c.id == patient_id).values(**person))

    def list(self, conn: sa.Connection, *, organization_id: str, search: str | None = None,
             only: frozenset[str] | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """A page of patients; `only` narrows it to those ids (a patient's own, a
        caregiver's authorized ones)."""
        query = search_in(scoped(clinic_patients, organization_id), clinic_patients, search,
                          "name", "email", "mrn")
        if only is not None:
            query = query.where(clinic_patients.c.id.in_(sorted(only) or [""]))
        return page_of(conn, query.order_by(clinic_patients.c.mrn), page=page, limit=limit)

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return count(conn, clinic_patients, organization_id)

    def mrns(self, conn: sa.Connection, *, organization_id: str) -> list[str]:
        query = (sa.select(clinic_patients.c.mrn)
                 .where(clinic_patients.c.organization_id == organization_id)
                 .order_by(clinic_patients.c.mrn))
        return [str(r[0]) for r in conn.execute(query)]
