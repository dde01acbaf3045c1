"""Deciding one slot: the engine's refusal turned into the API's answer, and the span a
booking or hold will take. Used by holds, bookings and reschedules alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.services.clinic.scheduling.engine import Need, Refusal, refusal
from app.services.clinic.scheduling.loading import OrgClock, calendar
from app.services.clinic.scheduling.localtime import local_date
from app.services.errors import Conflict, ValidationFailed
from storage.vault import Vault

MESSAGES = {
    Refusal.OFF_GRID: "is not on the {interval}-minute grid of local start times",
    Refusal.PAST: "is in the past",
    Refusal.CLOSED: "is outside the provider's availability (hours, business hours, "
                    "closures)",
}


def need_for(org: OrgClock, appointment_type: str | None, duration: int | None) -> Need:
    kind = org.rules.appointment_type(appointment_type)
    if kind is None:
        names = ", ".join(t.name for t in org.rules.appointment_types)
        raise ValidationFailed("unknown appointment type", [
            {"field": "appointmentType", "message": f"not one of the organization's types "
                                                    f"({names})"}])
    before, after = org.rules.buffers(kind.name)
    return Need(timedelta(minutes=duration or kind.duration_minutes), before, after)


def decide(conn: sa.Connection, vault: Vault, org: OrgClock, *, provider_id: str,
           patient_id: str, start: datetime, need: Need, now: datetime,
           skip_appointment: str | None = None, skip_hold: str | None = None) -> None:
    """Refuse `start` unless it is free for both provider and patient: 400 naming
    scheduledAt outside availability, 409 when something else holds the time."""
    start = start.astimezone(UTC)
    cal = calendar(conn, vault, org, provider_id=provider_id, day=local_date(start, org.tz),
                   at=now, patient_id=patient_id, skip_appointment=skip_appointment,
                   skip_hold=skip_hold)
    why = refusal(cal, start, need, now)
    if why is Refusal.TAKEN:
        raise Conflict("the time is already booked or held for this provider or patient "
                       "(buffers included)",
                       [{"field": "scheduledAt", "message": "overlaps another appointment"}])
    if why is not None:
        message = MESSAGES[why].format(interval=org.rules.slot_interval_minutes)
        raise ValidationFailed(f"scheduledAt {message}",
                               [{"field": "scheduledAt", "message": message}])
