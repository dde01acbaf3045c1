"""Holds: a slot kept for one patient for a few minutes while they decide. Until it
expires or is released it blocks the calendar exactly like a booking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, new_id, now, scoped
from storage.repos.scheduling.guard import Claim, of_either
from storage.schema import appointment_holds as holds

COLUMNS = ("patient_id", "provider_id", "scheduled_at", "duration_minutes",
           "appointment_type", "block_start", "block_end", "expires_at", "created_by")


class HoldRepository:
    def add(self, conn: sa.Connection, claim: Claim, **values: Any) -> dict[str, Any]:
        """The new hold (after `guard.taken` found `claim` free, same transaction)."""
        row = {"id": new_id("hld"), "organization_id": claim.organization_id,
               "created_at": now(), "released_at": None,
               **{k: values.get(k) for k in COLUMNS}}
        conn.execute(sa.insert(holds), row)  # parameters bound: compiled once
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            hold_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(scoped(holds, organization_id)
                                    .where(holds.c.id == hold_id)).first())

    def release(self, conn: sa.Connection, *, organization_id: str, hold_id: str,
                at: datetime) -> None:
        conn.execute(sa.update(holds).where(holds.c.organization_id == organization_id,
                                            holds.c.id == hold_id).values(released_at=at))

    def blocking(self, conn: sa.Connection, *, organization_id: str, start: datetime,
                 end: datetime, at: datetime, provider_id: str | None = None,
                 patient_id: str | None = None,
                 exclude_id: str | None = None) -> list[dict[str, Any]]:
        """Holds alive at `at` of the provider or the patient overlapping [start, end)."""
        query = (scoped(holds, organization_id)
                 .where(of_either(holds, provider_id, patient_id), holds.c.released_at.is_(None),
                        holds.c.expires_at > at,
                        holds.c.block_start < end, holds.c.block_end > start))
        if exclude_id is not None:
            query = query.where(holds.c.id != exclude_id)
        return [dict(r._mapping) for r in conn.execute(query)]
