"""The one condition every booking, hold and reschedule is written under: the time is
free. `taken` asks it in one statement (every conflict at once, set-based) on the
connection of `Vault.write()`, the vault's one writer, and the write follows in the same
transaction only when nothing stands in the way: no other writer runs between the check
and the write, so nothing can be booked between them. Since a refused claim writes
nothing, it leaves the transaction as it found it (several requests share one:
storage/repos/scheduling/group.py).

Free means: no active appointment and no live hold of the provider or of the patient
overlaps the span with its buffers, no closure of the clinic or of the provider overlaps
the appointment itself, and the patient is one of the organization's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class Taken:
    """What stands in a claim's way (nothing: the time is free)."""

    booked: bool  # an active appointment of the provider or the patient
    held: bool  # a live hold of the provider or the patient
    closed: bool  # a closure of the clinic or the provider
    no_patient: bool  # the patient is not one of the organization's

    @property
    def free(self) -> bool:
        return not (self.booked or self.held or self.closed or self.no_patient)


def _taken_query() -> sa.Select[Any]:
    """The one statement `taken` runs, built once: its parameters are bound per call, so
    SQLAlchemy reuses its compiled form and cache key instead of rebuilding four
    subqueries per booking. An id never empty stands for "skip nothing"."""
    p = sa.bindparam
    booked = sa.select(appointments.c.id).where(
        appointments.c.organization_id == p("organization_id"),
        sa.or_(appointments.c.provider_id == p("provider_id"),
               appointments.c.patient_id == p("patient_id")),
        appointments.c.status.in_(ACTIVE),
        appointments.c.block_start < p("block_end"),
        appointments.c.block_end > p("block_start"),
        appointments.c.id != p("skip_appointment"))
    held = sa.select(holds.c.id).where(
        holds.c.organization_id == p("organization_id"),
        sa.or_(holds.c.provider_id == p("provider_id"),
               holds.c.patient_id == p("patient_id")),
        holds.c.released_at.is_(None), holds.c.expires_at > p("at"),
        holds.c.block_start < p("block_end"), holds.c.block_end > p("block_start"),
        holds.c.id != p("skip_hold"))
    closed = sa.select(closures.c.id).where(
        closures.c.organization_id == p("organization_id"),
        sa.or_(closures.c.provider_id.is_(None), closures.c.provider_id == p("provider_id")),
        closures.c.starts_at < p("end"), closures.c.ends_at > p("start"))
    patient = sa.select(clinic_patients.c.id).where(
        clinic_patients.c.organization_id == p("organization_id"),
        clinic_patients.c.id == p("patient_id"))
    return sa.select(booked.exists(), held.exists(), closed.exists(), ~patient.exists())


TAKEN = _taken_query()


def taken(conn: sa.Connection, claim: Claim) -> Taken:
    """Everything that stands in `claim`'s way, in one statement (see the module)."""
    row = conn.execute(TAKEN, {
        "organization_id": claim.organization_id, "provider_id": claim.provider_id,
        "patient_id": claim.patient_id, "start": claim.start, "end": claim.end,
        "block_start": claim.block_start, "block_end": claim.block_end, "at": claim.at,
        "skip_appointment": claim.skip_appointment or "",
        "skip_hold": claim.skip_hold or ""}).one()
    return Taken(*(bool(v) for v in row))
