"""Organizations and their per-organization counters (medical record numbers, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, as_dicts, new_id, now
from storage.repos.held import held, release
from storage.schema import appointments, audit_events, memberships, org_sequences, organizations

COUNTERS = "org_counters"  # held for the transaction: {(organization, name): [value, stored]}


class OrganizationRepository:
    """The organization row itself is the one clinic table scoped by its own id."""

    def __init__(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "commit", self._store_counters)

    def add(self, conn: sa.Connection, *, name: str, slug: str, type: str | None,
            timezone: str, business_hours: dict[str, Any], details: dict[str, Any],
            settings: dict[str, Any]) -> dict[str, Any]:
        stamp = now()
        values = {"id": new_id("org"), "name": name, "slug": slug, "type": type,
                  "timezone": timezone, "business_hours": business_hours, "details": details,
                  "settings": settings, "is_active": True, "created_at": stamp,
                  "updated_at": stamp}
        conn.execute(sa.insert(organizations).values(**values))
        return values

    def get(self, conn: sa.Connection, *, organization_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            sa.select(organizations).where(organizations.c.id == organization_id)).first())

    def by_slug(self, conn: sa.Connection, *, slug: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            sa.select(organizations).where(organizations.c.slug == slug)).first())

    def slug_taken(self, conn: sa.Connection, *, slug: str) -> bool:
        return self.by_slug(conn, slug=slug) is not None

    def of_user(self, conn: sa.Connection, *, user_id: str) -> list[dict[str, Any]]:
        """The organizations a user belongs to (what X-Organization-Context may name)."""
        query = (sa.select(organizations).join(
            memberships, memberships.c.organization_id == organizations.c.id)
            .where(memberships.c.user_id == user_id).order_by(organizations.c.created_at))
        return as_dicts(conn.execute(query))

    def all(self, conn: sa.Connection) -> list[dict[str, Any]]:
        """Every organization: for the vault owner's `healthinsight org list` only."""
        return as_dicts(conn.execute(sa.select(organizations).order_by(organizations.c.slug)))

    def update(self, conn: sa.Connection, *, organization_id: str,
               **values: Any) -> None:
        allowed = {"name", "type", "timezone", "business_hours", "details", "settings"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not organization columns: {sorted(unknown)}")
        conn.execute(sa.update(organizations).where(organizations.c.id == organization_id)
                     .values(**values, updated_at=now()))

    def next_number(self, conn: sa.Connection, *, organization_id: str, name: str) -> int:
        """The next value of the organization's counter `name` (1, 2, ...).

        Call it inside `Vault.write`: the read and the write happen under the one writer
        and in the caller's transaction, so a rolled-back registration gives its number
        back and two concurrent ones never get the same; the primary key (organization,
        name) keeps each counter one row. A transaction moves a counter in the table once,
        on its first number; the numbers after it (the other bookings of a group commit)
        are counted in memory and the counter is written once more as the transaction
        commits.
        """
        counters: dict[tuple[str, str], list[int]] = held(conn, COUNTERS, dict)
        counter = counters.get((organization_id, name))
        if counter is not None:
            counter[0] += 1
            return int(counter[0])
        key = sa.and_(org_sequences.c.organization_id == organization_id,
                      org_sequences.c.name == name)
        value = conn.execute(sa.update(org_sequences).where(key)
                             .values(value=org_sequences.c.value + 1)
                             .returning(org_sequences.c.value)).scalar()
        if value is None:
            conn.execute(sa.insert(org_sequences).values(
                organization_id=organization_id, name=name, value=1))
            value = 1
        counters[(organization_id, name)] = [int(value), int(value)]
        return int(value)

    @staticmethod
    def _store_counters(conn: sa.Connection) -> None:
        """Before the commit: write the counters that moved in memory."""
        counters: dict[tuple[str, str], list[int]] = release(conn, COUNTERS) or {}
        for (organization_id, name), (value, stored) in counters.items():
            if value != stored:
                conn.execute(sa.update(org_sequences).where(
                    org_sequences.c.organization_id == organization_id,
                    org_sequences.c.name == name).values(value=value))

    def appointment_figures(self, conn: sa.Connection, *, organization_id: str, start: datetime,
                            end: datetime) -> dict[str, Any]:
        """Appointments scheduled in [start, end): how many, how many completed, and the mean
        days between booking and visit (None when there are none)."""
        in_range = sa.and_(appointments.c.organization_id == organization_id,
                           appointments.c.scheduled_at >= start, appointments.c.scheduled_at < end)
        rows = conn.execute(sa.select(appointments.c.status, appointments.c.scheduled_at,
                                      appointments.c.created_at).where(in_range)).all()
        leads = [(r.scheduled_at - r.created_at).total_seconds() / 86400 for r in rows
                 if r.created_at is not None]
        return {"total": len(rows), "completed": sum(1 for r in rows if r.status == "completed"),
                "lead_days": sum(leads) / len(leads) if leads else None}


    def last_activity(self, conn: sa.Connection, *, organization_id: str) -> datetime | None:
        """When the organization's audit chain last grew."""
        value = conn.execute(sa.select(sa.func.max(audit_events.c.occurred_at))
                             .where(audit_events.c.organization_id == organization_id)).scalar()
        return value  # type: ignore[no-any-return]
