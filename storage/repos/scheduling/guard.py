"""The one condition every booking, hold and reschedule is written under: the time is
free. It goes into the WHERE of the INSERT ... SELECT (or the UPDATE) that takes the
time, so the check and the write are one statement inside the vault's one writer;
nothing can be booked between them.

Free means: no active appointment and no live hold of the provider or of the patient
overlaps the span with its buffers, no closure of the clinic or of the provider overlaps
the appointment itself, and the patient is one of the organization's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.schema import appointment_holds as holds
from storage.schema import appointments, clinic_patients, closures

# Statuses that keep their time taken: a completed visit happened then; a no-show or a
# cancellation gives the time back.
ACTIVE = ("scheduled", "confirmed", "checked_in", "completed")


@dataclass(frozen=True)
class Claim:
    """The time one booking (or hold) wants: its own span and the span with buffers."""

    organization_id: str
    provider_id: str
    patient_id: str
    start: datetime
    end: datetime
    block_start: datetime
    block_end: datetime
    at: datetime  # holds alive at this instant block
    skip_appointment: str | None = None  # the appointment being moved
    skip_hold: str | None = None  # the hold being confirmed


def of_either(table: sa.Table, provider_id: str | None,
              patient_id: str | None) -> sa.ColumnElement[bool]:
    """Rows of the provider or of the patient (either, when both are given)."""
    return sa.or_(*[table.c[name] == value for name, value in (
        ("provider_id", provider_id), ("patient_id", patient_id)) if value is not None])


def free(claim: Claim) -> sa.ColumnElement[bool]:
    """True when `claim`'s time is free (see the module's docstring)."""
    booked = sa.select(appointments.c.id).where(
        appointments.c.organization_id == claim.organization_id,
        sa.or_(appointments.c.provider_id == claim.provider_id,
               appointments.c.patient_id == claim.patient_id),
        appointments.c.status.in_(ACTIVE),
        appointments.c.block_start < claim.block_end,
        appointments.c.block_end > claim.block_start)
    if claim.skip_appointment is not None:
        booked = booked.where(appointments.c.id != claim.skip_appointment)
    held = sa.select(holds.c.id).where(
        holds.c.organization_id == claim.organization_id,
        sa.or_(holds.c.provider_id == claim.provider_id,
               holds.c.patient_id == claim.patient_id),
        holds.c.released_at.is_(None), holds.c.expires_at > claim.at,
        holds.c.block_start < claim.block_end, holds.c.block_end > claim.block_start)
    if claim.skip_hold is not None:
        held = held.where(holds.c.id != claim.skip_hold)
    closed = sa.select(closures.c.id).where(
        closures.c.organization_id == claim.organization_id,
        sa.or_(closures.c.provider_id.is_(None), closures.c.provider_id == claim.provider_id),
        closures.c.starts_at < claim.end, closures.c.ends_at > claim.start)
    patient = sa.select(clinic_patients.c.id).where(
        clinic_patients.c.organization_id == claim.organization_id,
        clinic_patients.c.id == claim.patient_id)
    return sa.and_(~booked.exists(), ~held.exists(), ~closed.exists(), patient.exists())


def insert_if_free(conn: sa.Connection, table: sa.Table, row: dict[str, object],
                   claim: Claim) -> bool:
    """INSERT `row` into `table` only when `claim` is free; whether it was written."""
    names = list(row)
    source = sa.select(*[sa.literal(row[n], type_=table.c[n].type).label(n) for n in names]
                       ).where(free(claim))
    written = conn.execute(sa.insert(table).from_select(names, source)
                           .returning(table.c.id)).first()
    return written is not None
