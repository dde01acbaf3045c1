"""What scheduling accepts: the document's bodies, unknown fields refused (a typo is a
400 naming it). `scheduledAt` must carry its offset (`Z` or `+02:00`): a naive time is
ambiguous on the day the clocks change."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from app.services.clinic.models import Id, Input, LongText, Text

Duration = Annotated[int, Field(ge=5, le=8 * 60, description="minutes")]
Status = Literal["scheduled", "confirmed", "checked_in", "completed", "cancelled", "no_show"]


class Reminders(Input):
    email: bool = False
    sms: bool = False
    time_before: Annotated[int, Field(ge=0, le=60 * 24 * 14)] = 1440


class Location(Input):
    building: Text | None = None
    floor: Annotated[str, Field(max_length=50)] | None = None
    room: Annotated[str, Field(max_length=50)] | None = None


class SlotRequest(Input):
    patient_id: Id
    provider_id: Id
    scheduled_at: AwareDatetime
    duration: Duration | None = None
    appointment_type: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class Booking(Input):
    """POST /appointments: a slot, or `holdId` to confirm a hold (its slot then)."""

    hold_id: Id | None = None
    patient_id: Id | None = None
    provider_id: Id | None = None
    scheduled_at: AwareDatetime | None = None
    duration: Duration | None = None
    appointment_type: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    reason: Text | None = None
    notes: LongText | None = None
    priority: Literal["routine", "urgent", "emergency"] = "routine"
    location: Location | None = None
    reminders: Reminders | None = None


class AppointmentUpdate(Input):
    """PUT /appointments/{id}: a new time (reschedule), a new status, or details."""

    scheduled_at: AwareDatetime | None = None
    duration: Duration | None = None
    status: Status | None = None
    reason: Text | None = None
    notes: LongText | None = None
    priority: Literal["routine", "urgent", "emergency"] | None = None
    location: Location | None = None
    cancel_reason: Text | None = None

    def details(self) -> dict[str, Any]:
        return {k: v for k, v in {
            "reason": self.reason, "notes": self.notes, "priority": self.priority,
            "location": self.location.model_dump(by_alias=True) if self.location else None,
        }.items() if v is not None}


class ClosureInput(Input):
    """A whole local day (`date`) or a span (`start`, `end`); one provider or the clinic."""

    day: date | None = Field(default=None, alias="date")
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    provider_id: Id | None = None
    reason: Text | None = None
