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

A group of requests sharing one transaction asks for all the claims its jobs declared
up front at once (`precheck`: one statement for the group instead of one per booking, the
dearest statement a booking runs). The answer is the state the transaction began with;
each claim `taken` finds free is then remembered as taken by the transaction, and every
claim is also held against the claims its transaction took before it (in memory: same
provider or patient, spans with buffers overlapping), which is what a prechecked claim
cannot see and what a new appointment waiting for the commit to be written
(`appointments.add`) is. Every write that takes time (a booking, a move, a hold) goes
through `taken` first, so the transaction's own takings are exactly those claims; what
it frees (a cancellation) a prechecked claim may still see as taken, which refuses the
booking as if it had come first, never double-books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from storage.repos.held import held
from storage.repos.json_rows import json_rows, rows_table
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


FIELDS = ("organization_id", "provider_id", "patient_id", "start", "end", "block_start",
          "block_end", "at", "skip_appointment", "skip_hold")


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


def _standing(claims: sa.CTE) -> sa.CompoundSelect[Any]:
    """(claim number, what stands in its way) for a table of claims: one row per thing
    in the way (ACTIVE appointments and live holds of the provider or the patient
    overlapping with buffers, closures of the clinic or the provider overlapping the
    appointment) and one for a patient the organization does not have. Joins on equal
    ids rather than one correlated subquery per kind: DuckDB plans these as hash joins."""
    c = {name: claims.c[f"claim_{name}"] for name in FIELDS}

    def overlapping(table: sa.Table, who: str, kind: int) -> sa.Select[Any]:
        return (sa.select(claims.c.claim_n, sa.literal(kind)).select_from(claims).join(
            table, sa.and_(table.c.organization_id == c["organization_id"],
                           table.c[who] == c[who], table.c.block_start < c["block_end"],
                           table.c.block_end > c["block_start"])))

    booked = [overlapping(appointments, who, BOOKED).where(
        appointments.c.status.in_(ACTIVE), appointments.c.id != c["skip_appointment"])
        for who in ("provider_id", "patient_id")]
    held = [overlapping(holds, who, HELD).where(
        holds.c.released_at.is_(None), holds.c.expires_at > c["at"],
        holds.c.id != c["skip_hold"]) for who in ("provider_id", "patient_id")]
    closed = (sa.select(claims.c.claim_n, sa.literal(CLOSED)).select_from(claims).join(
        closures, sa.and_(closures.c.organization_id == c["organization_id"],
                          closures.c.starts_at < c["end"], closures.c.ends_at > c["start"]))
        .where(sa.or_(closures.c.provider_id.is_(None),
                      closures.c.provider_id == c["provider_id"])))
    unknown = sa.select(claims.c.claim_n, sa.literal(NO_PATIENT)).where(~sa.exists().where(
        clinic_patients.c.organization_id == c["organization_id"],
        clinic_patients.c.id == c["patient_id"]))
    return sa.union_all(*booked, *held, closed, unknown)


BOOKED, HELD, CLOSED, NO_PATIENT = range(4)  # the kinds `_standing` names, Taken's order
# The claims as a table, given as JSON (storage/repos/json_rows.py).
_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "n": sa.Integer(), "organization_id": sa.String(), "provider_id": sa.String(),
    "patient_id": sa.String(),
    **{name: sa.DateTime(timezone=True) for name in ("start", "end", "block_start",
                                                     "block_end", "at")},
    "skip_appointment": sa.String(), "skip_hold": sa.String()}
CLAIMS = rows_table("claims", {f"claim_{name}": type_ for name, type_ in _TYPES.items()}
                    ).cte("claims")
STANDING = _standing(CLAIMS)
PRECHECKED = "scheduling_prechecked"  # held for the transaction: {claim: Taken}
TOOK = "scheduling_took"  # held for the transaction: the claims found free


def _row(n: int, claim: Claim) -> dict[str, Any]:
    return {"claim_n": n, **{f"claim_{name}": getattr(claim, name) for name in FIELDS},
            "claim_skip_appointment": claim.skip_appointment or "",  # "": matches no id
            "claim_skip_hold": claim.skip_hold or ""}


def precheck(conn: sa.Connection, claims: list[Claim]) -> None:
    """Ask for all `claims` in one statement at the start of a transaction; `taken`
    answers them from it (see the module)."""
    found: dict[Claim, Taken] = held(conn, PRECHECKED, dict)
    todo = list(dict.fromkeys(c for c in claims if c not in found))
    if not todo:
        return
    rows = json_rows([_row(n, claim) for n, claim in enumerate(todo)])
    standing: list[set[int]] = [set() for _ in todo]
    for n, kind in conn.execute(STANDING, {"claims": rows}):
        standing[n].add(kind)
    for claim, kinds in zip(todo, standing, strict=True):
        found[claim] = Taken(*(kind in kinds for kind in range(4)))


def _overlaps(a: Claim, b: Claim) -> bool:
    return a.organization_id == b.organization_id and \
        (a.provider_id == b.provider_id or a.patient_id == b.patient_id) and \
        a.block_start < b.block_end and b.block_start < a.block_end


def taken(conn: sa.Connection, claim: Claim) -> Taken:
    """Everything that stands in `claim`'s way: prechecked or else asked now, and what
    this transaction took (see the module). A claim found free is taken by the
    transaction: its caller writes it next."""
    took: list[Claim] = held(conn, TOOK, list)
    prechecked: dict[Claim, Taken] = held(conn, PRECHECKED, dict)
    known = prechecked.get(claim)
    if known is None:  # not declared: asked now
        precheck(conn, [claim])
        known = prechecked.pop(claim)
    found = known
    if known.free and any(_overlaps(claim, other) for other in took):
        found = Taken(booked=True, held=False, closed=False, no_patient=False)
    if found.free:
        took.append(claim)
    return found
