"""Closures: holidays and time off, for the whole clinic (no provider) or one provider,
stored as the real span they cover (a whole local day is kept with its date too)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, new_id, now, scoped
from storage.schema import closures


class ClosureRepository:
    def add(self, conn: sa.Connection, *, organization_id: str, provider_id: str | None,
            day: date | None, starts_at: datetime, ends_at: datetime, reason: str | None,
            created_by: str | None) -> dict[str, Any]:
        row = {"id": new_id("cls"), "organization_id": organization_id,
               "provider_id": provider_id, "day": day, "starts_at": starts_at,
               "ends_at": ends_at, "reason": reason, "created_by": created_by,
               "created_at": now()}
        conn.execute(sa.insert(closures).values(**row))
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            closure_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(scoped(closures, organization_id)
                                    .where(closures.c.id == closure_id)).first())

    def delete(self, conn: sa.Connection, *, organization_id: str, closure_id: str) -> None:
        conn.execute(sa.delete(closures).where(closures.c.organization_id == organization_id,
                                               closures.c.id == closure_id))

    def of_organization(self, conn: sa.Connection, *,
                        organization_id: str) -> list[dict[str, Any]]:
        """Every closure of the organization (the clinic's and its providers')."""
        return [dict(r._mapping) for r in conn.execute(
            scoped(closures, organization_id).order_by(closures.c.starts_at))]

    def covering(self, conn: sa.Connection, *, organization_id: str, start: datetime,
                 end: datetime, provider_id: str | None = None,
                 clinic_only: bool = False) -> list[dict[str, Any]]:
        """Closures overlapping [start, end): the clinic's and, unless `clinic_only`,
        `provider_id`'s (every provider's when it is None)."""
        query = scoped(closures, organization_id).where(closures.c.starts_at < end,
                                                         closures.c.ends_at > start)
        if clinic_only:
            query = query.where(closures.c.provider_id.is_(None))
        elif provider_id is not None:
            query = query.where(sa.or_(closures.c.provider_id.is_(None),
                                       closures.c.provider_id == provider_id))
        return [dict(r._mapping) for r in conn.execute(query.order_by(closures.c.starts_at))]
