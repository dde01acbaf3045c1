"""What scheduling returns: frozen, typed, camelCase on the wire; instants in UTC (`Z`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import field_serializer

from app.services.clinic.models import Result
from app.services.clinic.results import Pagination


def utc(value: datetime | None) -> datetime | None:
    """DuckDB hands TIMESTAMPTZ back in its session zone: every result says UTC."""
    return None if value is None else value.astimezone(UTC)


class _Instants(Result):
    @field_serializer("*", when_used="json")
    def _zulu(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return value


class FreeSlot(_Instants):
    start_time: str  # local HH:MM
    end_time: str
    duration: int
    type: str
    starts_at: datetime  # the real instant (two slots of a fall-back day share a start_time)
    ends_at: datetime


class BookedSlot(_Instants):
    start_time: str
    end_time: str
    appointment_id: str
    starts_at: datetime


class DayAvailability(_Instants):
    provider_id: str
    date: date
    timezone: str
    duration: int
    available_slots: list[FreeSlot]
    booked_slots: list[BookedSlot]


class Appointment(_Instants):
    id: str
    patient_id: str
    provider_id: str
    scheduled_at: datetime
    ends_at: datetime
    duration: int
    appointment_type: str | None
    status: str
    confirmation_number: str | None
    reason: str | None
    notes: str | None
    priority: str | None
    location: dict[str, Any] | None
    reminders: dict[str, Any] | None
    hold_id: str | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    late: bool | None
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Appointment:
        return cls(id=row["id"], patient_id=row["patient_id"], provider_id=row["provider_id"],
                   scheduled_at=utc(row["scheduled_at"]), ends_at=utc(row["ends_at"]),
                   duration=row["duration_minutes"], appointment_type=row["appointment_type"],
                   status=row["status"], confirmation_number=row["confirmation_number"],
                   reason=row["reason"], notes=row["notes"], priority=row["priority"],
                   location=row["location"], reminders=row["reminders"],
                   hold_id=row["hold_id"], cancelled_at=utc(row["cancelled_at"]),
                   cancelled_by=row["cancelled_by"], cancel_reason=row["cancel_reason"],
                   late=row["late_cancel"], created_at=utc(row["created_at"]),
                   updated_at=utc(row["updated_at"]))


class AppointmentPage(Result):
    appointments: list[Appointment]
    pagination: Pagination

    def wire(self) -> dict:  # type: ignore[type-arg]
        return {"appointments": [a.wire() for a in self.appointments],
                "pagination": self.pagination.wire()}


class Hold(_Instants):
    id: str
    patient_id: str
    provider_id: str
    scheduled_at: datetime
    duration: int
    appointment_type: str | None
    expires_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> Hold:
        return cls(id=row["id"], patient_id=row["patient_id"], provider_id=row["provider_id"],
                   scheduled_at=utc(row["scheduled_at"]), duration=row["duration_minutes"],
                   appointment_type=row["appointment_type"], expires_at=utc(row["expires_at"]))


class Closure(_Instants):
    id: str
    provider_id: str | None
    date: date | None
    start: datetime
    end: datetime
    reason: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Closure:
        return cls(id=row["id"], provider_id=row["provider_id"], date=row["day"],
                   start=utc(row["starts_at"]), end=utc(row["ends_at"]), reason=row["reason"])
