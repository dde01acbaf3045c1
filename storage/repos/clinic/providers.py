"""Providers of an organization and their weekly availability (local wall times)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, like, new_id, now, page_of, scoped
from storage.schema import availability, providers

COLUMNS = ("user_id", "name", "email", "role", "specialties", "details", "department",
           "license_number", "license_state", "license_expiry", "employment_type", "phone",
           "is_active")
Interval = tuple[int, str, str]  # (weekday 0 = Monday, "HH:MM", "HH:MM")


class ProviderRepository:
    def add(self, conn: sa.Connection, *, organization_id: str,
            **values: Any) -> dict[str, Any]:
        row = {"id": new_id("prv"), "organization_id": organization_id, "created_at": now(),
               "updated_at": now(), **dict.fromkeys(COLUMNS), "is_active": True,
               **{k: v for k, v in values.items() if k in COLUMNS}}
        conn.execute(sa.insert(providers).values(**row))
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            provider_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            scoped(providers, organization_id).where(providers.c.id == provider_id)).first())

    def by_user(self, conn: sa.Connection, *, organization_id: str,
                user_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            scoped(providers, organization_id).where(providers.c.user_id == user_id)).first())

    def update(self, conn: sa.Connection, *, organization_id: str, provider_id: str,
               **values: Any) -> None:
        changes = {k: v for k, v in values.items() if k in COLUMNS}
        conn.execute(sa.update(providers).where(
            providers.c.organization_id == organization_id, providers.c.id == provider_id)
            .values(**changes, updated_at=now()))

    def list(self, conn: sa.Connection, *, organization_id: str, search: str | None = None,
             department: str | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        query = scoped(providers, organization_id)
        if search:
            pattern = like(search)
            query = query.where(sa.or_(
                sa.func.lower(providers.c.name).like(pattern, escape="\\"),
                sa.func.lower(providers.c.email).like(pattern, escape="\\"),
                sa.func.lower(providers.c.department).like(pattern, escape="\\")))
        if department:
            query = query.where(providers.c.department == department)
        return page_of(conn, query.order_by(providers.c.name, providers.c.id),
                       page=page, limit=limit)

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(providers).where(
            providers.c.organization_id == organization_id)).scalar_one())

    def departments(self, conn: sa.Connection, *, organization_id: str) -> list[str]:
        query = (sa.select(providers.c.department).distinct()
                 .where(providers.c.organization_id == organization_id,
                        providers.c.department.is_not(None)))
        return sorted(str(r[0]) for r in conn.execute(query))

    # --- weekly availability ----------------------------------------------

    def set_availability(self, conn: sa.Connection, *, organization_id: str,
                         provider_id: str, intervals: list[Interval]) -> None:
        """Replace the provider's weekly intervals."""
        conn.execute(sa.delete(availability).where(
            availability.c.organization_id == organization_id,
            availability.c.provider_id == provider_id))
        for weekday, start, end in intervals:
            conn.execute(sa.insert(availability).values(
                id=new_id("avl"), organization_id=organization_id, provider_id=provider_id,
                weekday=weekday, start_time=start, end_time=end, slot_minutes=30))

    def availability(self, conn: sa.Connection, *, organization_id: str,
                     provider_id: str) -> list[Interval]:
        query = (sa.select(availability.c.weekday, availability.c.start_time,
                           availability.c.end_time)
                 .where(availability.c.organization_id == organization_id,
                        availability.c.provider_id == provider_id)
                 .order_by(availability.c.weekday, availability.c.start_time))
        return [(int(w), str(s), str(e)) for w, s, e in conn.execute(query)]

    def all_availability(self, conn: sa.Connection, *,
                         organization_id: str) -> dict[str, list[Interval]]:
        """Every provider's weekly intervals, by provider id."""
        query = (sa.select(availability.c.provider_id, availability.c.weekday,
                           availability.c.start_time, availability.c.end_time)
                 .where(availability.c.organization_id == organization_id)
                 .order_by(availability.c.weekday, availability.c.start_time))
        found: dict[str, list[Interval]] = {}
        for pid, w, s, e in conn.execute(query):
            found.setdefault(str(pid), []).append((int(w), str(s), str(e)))
        return found

