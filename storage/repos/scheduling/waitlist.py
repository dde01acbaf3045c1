"""The waitlist: patients who want an earlier or any slot, with the window they accept.
When a slot frees, the entries it suits are marked matched (and listed first).

Most organizations have no one waiting most of the time, and every cancellation and
move asks: an organization found with no waiting entry is remembered as such while a
watch of the waitlist table shows no write (`watch.TableWatch`), so a freed slot then
costs no statement. Every waitlist write is a Core statement on the engine, so the watch
sees them all, those of the asking transaction included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, new_id, now, page_of, scoped
from storage.repos.scheduling.watch import TableWatch
from storage.schema import waitlist

COLUMNS = ("patient_id", "provider_id", "appointment_type", "window_start", "window_end",
           "notes", "created_by")


class WaitlistRepository:
    def __init__(self, engine: sa.Engine) -> None:
        self._changes = TableWatch(engine, frozenset({waitlist.name}))
        self._nobody: dict[str, int] = {}  # organization -> generation it had no one at

    def add(self, conn: sa.Connection, *, organization_id: str,
            **values: Any) -> dict[str, Any]:
        row = {"id": new_id("wtl"), "organization_id": organization_id, "status": "waiting",
               "matched_at": None, "matched_slot": None, "created_at": now(),
               **{k: values.get(k) for k in COLUMNS}}
        conn.execute(sa.insert(waitlist).values(**row))
        return row

    def get(self, conn: sa.Connection, *, organization_id: str,
            entry_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(scoped(waitlist, organization_id)
                                    .where(waitlist.c.id == entry_id)).first())

    def remove(self, conn: sa.Connection, *, organization_id: str, entry_id: str) -> None:
        conn.execute(sa.update(waitlist).where(waitlist.c.organization_id == organization_id,
                                               waitlist.c.id == entry_id)
                     .values(status="removed"))

    def list(self, conn: sa.Connection, *, organization_id: str, patient_ids: list[str] | None
             = None, provider_id: str | None = None, matches_first: bool = False,
             page: int = 1, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        query = scoped(waitlist, organization_id).where(waitlist.c.status == "waiting")
        if patient_ids is not None:
            query = query.where(waitlist.c.patient_id.in_(patient_ids))
        if provider_id is not None:
            query = query.where(sa.or_(waitlist.c.provider_id.is_(None),
                                       waitlist.c.provider_id == provider_id))
        order = [waitlist.c.created_at, waitlist.c.id]
        if matches_first:
            matched = sa.case((waitlist.c.matched_at.is_(None), 1), else_=0)
            order = [matched, waitlist.c.matched_at.desc(), *order]
        return page_of(conn, query.order_by(*order), page=page, limit=limit)

    def match(self, conn: sa.Connection, *, organization_id: str, provider_id: str,
              start: datetime, appointment_type: str | None, slot: dict[str, Any],
              at: datetime) -> list[str]:
        """Mark the waiting entries a freed slot of `provider_id` at `start` suits (one
        statement, none when the organization has no one waiting); their ids, longest
        waiting first."""
        if not self._waiting(conn, organization_id):
            return []
        rows = conn.execute(sa.update(waitlist).where(
            waitlist.c.organization_id == organization_id, waitlist.c.status == "waiting",
            sa.or_(waitlist.c.provider_id.is_(None), waitlist.c.provider_id == provider_id),
            waitlist.c.window_start <= start, waitlist.c.window_end > start,
            sa.or_(waitlist.c.appointment_type.is_(None),
                   waitlist.c.appointment_type == appointment_type))
            .values(matched_at=at, matched_slot=slot)
            .returning(waitlist.c.id, waitlist.c.created_at)).all()
        return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))]

    def _waiting(self, conn: sa.Connection, organization_id: str) -> bool:
        """Whether anyone of the organization waits, as `conn` sees it (see the module)."""
        generation = self._changes.generation
        if self._nobody.get(organization_id) == generation:
            return False
        anyone = conn.execute(sa.select(sa.exists().where(
            waitlist.c.organization_id == organization_id,
            waitlist.c.status == "waiting"))).scalar()
        if not anyone and self._changes.generation == generation:
            self._nobody[organization_id] = generation
        return bool(anyone)
