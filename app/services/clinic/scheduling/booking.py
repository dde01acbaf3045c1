"""Deciding one slot, for holds, bookings and reschedules alike.

Before the writer, `check_open` refuses what the rules refuse (400 naming scheduledAt:
off the grid, in the past, outside open time) from the cached calendar. Under the
writer, `guard.taken` asks in one statement what stands in the way now; `refusal_of`
turns a claim that is not free into the API's answer (409 when something else holds
the time) before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.clinic.scheduling.engine import Need, Refusal, refusal
from app.services.clinic.scheduling.loading import CalendarSource, OrgClock
from app.services.clinic.scheduling.localtime import local_date
from app.services.errors import Conflict, ServiceError, ValidationFailed
from storage.repos.scheduling.guard import Claim, Taken

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


def refusal_of(taken: Taken) -> ServiceError:
    """The answer to a claim `guard.taken` did not find free."""
    if taken.no_patient:
        return ValidationFailed("no such patient",
                                [{"field": "patientId", "message": "not found"}])
    if taken.closed:  # a closure the cached calendar did not know of yet
        message = MESSAGES[Refusal.CLOSED]
        return ValidationFailed(f"scheduledAt {message}",
                                [{"field": "scheduledAt", "message": message}])
    return Conflict(TAKEN, [{"field": "scheduledAt", "message": "overlaps another "
                                                              "appointment or hold"}])


def _raise(org: OrgClock, why: Refusal | None) -> None:
    if why is Refusal.TAKEN:
        raise Conflict(TAKEN, [{"field": "scheduledAt",
                                "message": "overlaps another appointment"}])
    if why is not None:
        message = MESSAGES[why].format(interval=org.rules.slot_interval_minutes)
        raise ValidationFailed(f"scheduledAt {message}",
                               [{"field": "scheduledAt", "message": message}])
