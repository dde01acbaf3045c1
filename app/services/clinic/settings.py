"""Organization settings: what `PUT /organizations/{id}/settings` accepts and stores.

Each key of the settings JSON is one sub-model here, validated when saved and read back
by the service that uses it: `mrnPrefix` (patients), `scheduling` (issue 14: the grid,
buffers, holds, late cancellation, appointment types), `faq` (issue 15: the FAQ entries),
`fees` (issue 15: revenue in analytics only when set) and `reminders` (issue 14:
defaults for new appointments). A later issue extends its own sub-model here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from app.services.clinic.models import Email, Id, Input, LongText, Text, Time

Minutes = Annotated[int, Field(ge=0, le=24 * 60)]


class DayHours(Input):
    open: Time | None = None
    close: Time | None = None
    closed: bool = False


class BusinessHours(Input):
    monday: DayHours | None = None
    tuesday: DayHours | None = None
    wednesday: DayHours | None = None
    thursday: DayHours | None = None
    friday: DayHours | None = None
    saturday: DayHours | None = None
    sunday: DayHours | None = None


class AppointmentType(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    duration_minutes: Annotated[int, Field(ge=5, le=8 * 60)] = 30
    buffer_before_minutes: Minutes | None = None
    buffer_after_minutes: Minutes | None = None


class SchedulingSettings(Input):
    slot_interval_minutes: Annotated[int, Field(ge=5, le=240)] = 30
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    hold_minutes: Annotated[int, Field(ge=1, le=120)] = 5
    late_cancel_hours: Annotated[int, Field(ge=0, le=24 * 14)] = 24
    appointment_types: Annotated[list[AppointmentType], Field(max_length=50)] = []


class FaqEntry(Input):
    id: Id | None = None
    question: Text
    answer: LongText
    category: Annotated[str, Field(min_length=1, max_length=100)] = "general_info"


class Fees(Input):
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    default: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    appointment_types: dict[Annotated[str, Field(min_length=1, max_length=100)],
                            Annotated[float, Field(ge=0, le=1_000_000)]] = {}


class Reminders(Input):
    email: bool = True
    sms: bool = False
    time_before: Annotated[int, Field(ge=0, le=60 * 24 * 14)] = 1440
    smtp_host: Annotated[str, Field(max_length=255)] | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    from_address: Email | None = None


class SettingsUpdate(Input):
    """Only the keys sent change; the rest stay as they were."""

    business_hours: BusinessHours | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    mrn_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,8}$")] | None = None
    faq: Annotated[list[FaqEntry], Field(max_length=500)] | None = None
    scheduling: SchedulingSettings | None = None
    fees: Fees | None = None
    reminders: Reminders | None = None
    departments: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]],
                           Field(max_length=200)] | None = None  # besides providers' and staff's


def scheduling_of(settings: dict[str, Any]) -> SchedulingSettings:
    """The organization's scheduling rules (defaults where none were saved)."""
    return SchedulingSettings.model_validate(settings.get("scheduling") or {})


def faq_of(settings: dict[str, Any]) -> list[FaqEntry]:
    return [FaqEntry.model_validate(entry) for entry in settings.get("faq") or []]


def fees_of(settings: dict[str, Any]) -> Fees | None:
    """The fees, or None when none are configured (analytics then shows no revenue)."""
    saved = settings.get("fees")
    return None if not saved else Fees.model_validate(saved)


def reminders_of(settings: dict[str, Any]) -> Reminders:
    return Reminders.model_validate(settings.get("reminders") or {})
