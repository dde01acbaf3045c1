"""Appointments: the bookings themselves. A cancelled one stays, with who, why, and
whether it was late; only active statuses (`guard.ACTIVE`) take time on the calendar.
A booking and a move are written only after `guard.taken` found their time free, in the
same transaction of the one writer. New appointments are written together just before
that transaction commits (one INSERT for a group commit's bookings, as the audit rows
are); until then `guard.taken` knows their time from the claims it found free. The
appointments a group's moves and cancellations change are read together when its
transaction begins (`prefetch`); every change of a row goes through `update`, which
forgets what was read of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, new_id, now, page_of, scoped
from storage.repos.held import held, peek, release
from storage.repos.scheduling.guard import ACTIVE, Claim, of_either
from storage.schema import appointments

COLUMNS = ("patient_id", "provider_id", "scheduled_at", "ends_at", "duration_minutes",
           "appointment_type", "status", "reason", "notes", "block_start", "block_end",
           "buffer_before_minutes", "buffer_after_minutes", "confirmation_number",
           "priority", "location", "reminders", "hold_id", "created_by", "cancelled_at",
           "cancelled_by", "cancel_reason", "late_cancel")


NEW = "appointments_new"  # held for the transaction: the rows to insert at its commit
READ = "appointments_read"  # held for the transaction: {(organization, id): row or None}


class AppointmentRepository:
    def __init__(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "commit", self._insert_new)

    def add(self, conn: sa.Connection, claim: Claim, **values: Any) -> dict[str, Any]:
        """The new appointment (after `guard.taken` found `claim` free, same transaction),
        written as the transaction commits."""
        stamp = now()
        row = {"id": new_id("apt"), "organization_id": claim.organization_id,
               "created_at": stamp, "updated_at": stamp,
               **{k: values.get(k) for k in COLUMNS}}
        held(conn, NEW, list).append(row)
        return row

    @staticmethod
    def pending(conn: sa.Connection) -> int:
        """How many new appointments `conn`'s transaction holds for its commit."""
        return len(held(conn, NEW, list))

    @staticmethod
    def _insert_new(conn: sa.Connection) -> None:
        rows = release(conn, NEW)
        if rows:  # parameters bound: one compiled INSERT, its rows in one statement
            conn.execute(sa.insert(appointments), rows)

    def prefetch(self, conn: sa.Connection, keys: list[tuple[str, str]]) -> None:
        """Read the appointments (organization, id) that a group commit's jobs will
        change, in one statement as its transaction begins: `get` answers them from
        here in that transaction until `update` changes them."""
        known: dict[tuple[str, str], dict[str, Any] | None] = held(conn, READ, dict)
        todo = [key for key in dict.fromkeys(keys) if key not in known]
        if not todo:
            return
        found = {(r["organization_id"], r["id"]): r for r in (dict(row._mapping) for row in
                 conn.execute(sa.select(appointments).where(
                     appointments.c.id.in_(sorted({i for _, i in todo})))))}
        for key in todo:
            known[key] = found.get(key)

    def get(self, conn: sa.Connection, *, organization_id: str,
            appointment_id: str) -> dict[str, Any] | None:
        known = peek(conn, READ) or {}
        key = (organization_id, appointment_id)
        if key in known:
            row = known[key]
            return None if row is None else dict(row)
        return as_dict(conn.execute(scoped(appointments, organization_id)
                                    .where(appointments.c.id == appointment_id)).first())

    def update(self, conn: sa.Connection, *, organization_id: str, appointment_id: str,
               **values: Any) -> dict[str, Any]:
        """Change the appointment's columns; the columns written."""
        changes = {**{k: v for k, v in values.items() if k in COLUMNS}, "updated_at": now()}
        conn.execute(sa.update(appointments).where(
            appointments.c.organization_id == organization_id,
            appointments.c.id == appointment_id).values(**changes))
        (peek(conn, READ) or {}).pop((organization_id, appointment_id), None)
        return changes

    def list(self, conn: sa.Connection, *, organization_id: str, patient_ids: list[str] | None
             = None, provider_id: str | None = None, start: datetime | None = None,
             end: datetime | None = None, status: str | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """One page, earliest first; `patient_ids` limits it to those patients."""
        query = scoped(appointments, organization_id)
        if patient_ids is not None:
            query = query.where(appointments.c.patient_id.in_(patient_ids))
        if provider_id is not None:
            query = query.where(appointments.c.provider_id == provider_id)
        if start is not None:
            query = query.where(appointments.c.scheduled_at >= start)
        if end is not None:
            query = query.where(appointments.c.scheduled_at < end)
        if status is not None:
            query = query.where(appointments.c.status == status)
        query = query.order_by(appointments.c.scheduled_at, appointments.c.id)
        return page_of(conn, query, page=page, limit=limit)

    def blocking(self, conn: sa.Connection, *, organization_id: str, start: datetime,
                 end: datetime, provider_id: str | None = None, patient_id: str | None = None,
                 exclude_id: str | None = None) -> list[dict[str, Any]]:
        """Active appointments of the provider or of the patient (either, when both are
        given) whose span with buffers overlaps [start, end)."""
        query = (scoped(appointments, organization_id)
                 .where(of_either(appointments, provider_id, patient_id),
                        appointments.c.status.in_(ACTIVE),
                        appointments.c.block_start < end, appointments.c.block_end > start)
                 .order_by(appointments.c.scheduled_at))
        if exclude_id is not None:
            query = query.where(appointments.c.id != exclude_id)
        return [dict(r._mapping) for r in conn.execute(query)]
