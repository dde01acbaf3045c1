"""Deciding one slot, for holds, bookings and reschedules alike.

Before the writer, `check_open` refuses what the rules refuse (400 naming scheduledAt:
off the grid, in the past, outside open time) from the cached calendar. Under the
writer, the booking's own statement takes the time only if it is free
(`storage.repos.scheduling.guard`); when it took nothing, `refused` reads why, on the
writer's connection, and gives the API's answer (409 when something else holds the
time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.services.clinic.scheduling.engine import Need, Refusal, refusal
from app.services.clinic.scheduling.loading import CalendarSource, OrgClock, blocked
from app.services.clinic.scheduling.localtime import local_date
from app.services.errors import Conflict, ServiceError, ValidationFailed
from storage.repos.scheduling.guard import Claim
from storage.vault import Vault

MESSAGES = {
    Refusal.OFF_GRID: "is not on the {interval}-minute grid of local start times",
    Refusal.PAST: "is in the past",
    Refusal.CLOSED: "is outside the provider's availability (hours, business hours, "
                    "closures)",
}
TAKEN = ("the time is already booked or held for this provider or patient "
         "(buffers included)")


def need_for(org: OrgClock, appointment_type: str | None, duration: int | None) -> Need:
    kind = org.rules.appointment_type(appointment_type)
    if kind is None:
        names = ", ".join(t.name for t in org.rules.appointment_types)
        raise ValidationFailed("unknown appointment type", [
            {"field": "appointmentType", "message": f"not one of the organization's types "
                                                    f"({names})"}])
    before, after = org.rules.buffers(kind.name)
    return Need(timedelta(minutes=duration or kind.duration_minutes), before, after)


def claim_of(org: OrgClock, *, provider_id: str, patient_id: str, start: datetime,
             need: Need, now: datetime, skip_appointment: str | None = None,
             skip_hold: str | None = None) -> Claim:
    own, taking = need.at(start), need.blocking(start)
    return Claim(organization_id=org.organization_id, provider_id=provider_id,
                 patient_id=patient_id, start=own.start, end=own.end,
                 block_start=taking.start, block_end=taking.end, at=now,
                 skip_appointment=skip_appointment, skip_hold=skip_hold)


def check_open(source: CalendarSource, org: OrgClock, *, provider_id: str,
               start: datetime, need: Need, now: datetime) -> None:
    """400 naming scheduledAt unless `start` is on the grid, not past and inside the
    provider's open time (NotFound for no such provider)."""
    start = start.astimezone(UTC)
    cal = source.calendar(org, provider_id=provider_id, day=local_date(start, org.tz))
    _raise(org, refusal(cal, start, need, now))


def refused(conn: sa.Connection, vault: Vault, source: CalendarSource, org: OrgClock,
            claim: Claim, need: Need) -> ServiceError:
    """Why the guarded write of `claim` took nothing, read on the writer's connection."""
    if vault.clinic.patients.get(conn, organization_id=org.organization_id,
                                 patient_id=claim.patient_id) is None:
        return ValidationFailed("no such patient",
                                [{"field": "patientId", "message": "not found"}])
    day = local_date(claim.start, org.tz)
    taken = blocked(conn, vault, org, provider_id=claim.provider_id, day=day, at=claim.at,
                    patient_id=claim.patient_id, skip_appointment=claim.skip_appointment,
                    skip_hold=claim.skip_hold)
    cal = source.calendar(org, provider_id=claim.provider_id, day=day, blocked=taken)
    try:
        _raise(org, refusal(cal, claim.start, need, claim.at))
    except ServiceError as exc:
        return exc
    # Nothing left to blame: a closure or booking came and went meanwhile. Ask again.
    return Conflict(TAKEN, [{"field": "scheduledAt", "message": "taken meanwhile"}])


def _raise(org: OrgClock, why: Refusal | None) -> None:
    if why is Refusal.TAKEN:
        raise Conflict(TAKEN, [{"field": "scheduledAt",
                                "message": "overlaps another appointment"}])
    if why is not None:
        message = MESSAGES[why].format(interval=org.rules.slot_interval_minutes)
        raise ValidationFailed(f"scheduledAt {message}",
                               [{"field": "scheduledAt", "message": message}])
