"""Providers of an organization and their weekly availability (local wall times)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import (
    MemberRows,
    new_id,
    one,
)
from storage.schema import availability, providers

COLUMNS = ("user_id", "name", "email", "role", "specialties", "details", "department",
           "license_number", "license_state", "license_expiry", "employment_type", "phone",
           "is_active")
Interval = tuple[int, str, str]  # (weekday 0 = Monday, "HH:MM", "HH:MM")


class ProviderRepository(MemberRows):
    table = providers
    columns = COLUMNS
    prefix = "prv"
    searched = ("name", "email", "department")

    def get(self, conn: sa.Connection, *, organization_id: str,
            provider_id: str) -> dict[str, Any] | None:
        return one(conn, providers, organization_id, id=provider_id)

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

