"""Appointments: the bookings themselves. A cancelled one stays, with who, why, and
whether it was late; only active statuses (`guard.ACTIVE`) take time on the calendar.
A booking and a move are written only after `guard.taken` found their time free, in the
same transaction of the one writer.

What a transaction writes here is held on its connection and written just before it
commits, one statement for all its rows, as the audit rows are: its new appointments
in one INSERT, its changes in one UPDATE (a group commit's cancellations and moves each
cost the encrypted vault a statement of a millisecond or more, one after another, under
the one writer). Until then `get` answers from what is held, so a job sees its own and
earlier jobs' changes; and `guard.taken` knows the time new appointments and moves take
from the claims it found free, while the time a change frees is seen as taken until the
commit, which refuses a booking as if it had come first, never double-books. Only `get`
sees what is held: `list` and `blocking` read the table, and the scheduling services
call them on connections of their own, never inside a write. The appointments a group's
moves and cancellations change are read together when its transaction begins
(`prefetch`)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, new_id, now, page_of, scoped
from storage.repos.held import held, peek, release
from storage.repos.json_rows import insert_from_json, json_rows, rows_table
from storage.repos.scheduling.guard import ACTIVE, Claim, of_either
from storage.schema import appointments

COLUMNS = ("patient_id", "provider_id", "scheduled_at", "ends_at", "duration_minutes",
           "appointment_type", "status", "reason", "notes", "block_start", "block_end",
           "buffer_before_minutes", "buffer_after_minutes", "confirmation_number",
           "priority", "location", "reminders", "hold_id", "created_by", "cancelled_at",
           "cancelled_by", "cancel_reason", "late_cancel")


NEW = "appointments_new"  # held for the transaction: the rows to insert at its commit
READ = "appointments_read"  # held for the transaction: {(organization, id): row or None}
# held for the transaction: {(organization, id): (the row as changed, columns changed)}
CHANGED = "appointments_changed"
Changed = dict[tuple[str, str], tuple[dict[str, Any], set[str]]]
KEY = ("id", "organization_id")


@cache
def _changes_of(columns: tuple[str, ...]) -> sa.Update:
    """UPDATE appointments from rows given as JSON (storage/repos/json_rows.py): their
    key and `columns`; compiled once per set of columns."""
    rows = rows_table("rows", {name: appointments.c[name].type
                               for name in (*KEY, *columns)}).subquery("changed")
    return (sa.update(appointments)
            .where(appointments.c.id == rows.c.id,
                   appointments.c.organization_id == rows.c.organization_id)
            .values({name: rows.c[name] for name in columns}))


class AppointmentRepository:
    def __init__(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "commit", self._write_held)

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
        """How many new and changed appointments `conn`'s transaction holds for its
        commit."""
        return len(held(conn, NEW, list)) + len(held(conn, CHANGED, dict))

    @staticmethod
    def _write_held(conn: sa.Connection) -> None:
        rows = release(conn, NEW)
        if rows:
            conn.execute(insert_from_json(appointments, tuple(rows[0])),
                         {"rows": json_rows(rows, appointments)})
        changed: Changed | None = release(conn, CHANGED)
        if changed:
            columns = tuple(sorted(set().union(*(names for _, names in changed.values()))))
            conn.execute(_changes_of(columns), {"rows": json_rows(
                [{name: row[name] for name in (*KEY, *columns)}
                 for row, _ in changed.values()], appointments)})

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
        key = (organization_id, appointment_id)
        changed = peek(conn, CHANGED) or {}
        if key in changed:
            return dict(changed[key][0])
        known = peek(conn, READ) or {}
        if key in known:
            row = known[key]
            return None if row is None else dict(row)
        row = as_dict(conn.execute(scoped(appointments, organization_id)
                                   .where(appointments.c.id == appointment_id)).first())
        if conn.in_transaction():  # the change that may follow reads it from here
            held(conn, READ, dict)[key] = row
        return None if row is None else dict(row)

    def update(self, conn: sa.Connection, *, organization_id: str, appointment_id: str,
               **values: Any) -> dict[str, Any]:
        """Change the appointment's columns (written as the transaction commits); the
        columns written. An appointment that does not exist is left so."""
        changes = {**{k: v for k, v in values.items() if k in COLUMNS}, "updated_at": now()}
        row = self.get(conn, organization_id=organization_id, appointment_id=appointment_id)
        if row is None:
            return changes
        key = (organization_id, appointment_id)
        changed: Changed = held(conn, CHANGED, dict)
        before = changed.get(key, (row, set()))[1]
        changed[key] = ({**row, **changes}, before | set(changes))
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
