"""The organization's scheduling rules as scheduling uses them.

The settings key ``scheduling`` is validated once, by clinic's `SchedulingSettings`
(app/services/clinic/settings.py) when `PUT /organizations/{id}/settings` stores it;
this is the frozen view over it with the defaults filled in. Buffers are provider time
before and after an appointment (preparation, notes, cleaning); an appointment type
may set its own, else the organization's apply. Two appointments conflict when their
spans *with* buffers overlap, for the provider and for the patient alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.services.clinic.settings import scheduling_of


@dataclass(frozen=True)
class AppointmentType:
    name: str
    duration_minutes: int
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None


# When an organization configured no types: the document's "consultation" and two more.
DEFAULT_TYPES = (AppointmentType("consultation", 30), AppointmentType("follow_up", 15),
                 AppointmentType("annual_physical", 60))


@dataclass(frozen=True)
class SchedulingRules:
    slot_interval_minutes: int = 30
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    hold_minutes: int = 5
    late_cancel_hours: int = 24
    appointment_types: tuple[AppointmentType, ...] = DEFAULT_TYPES

    @property
    def default_type(self) -> AppointmentType:
        return self.appointment_types[0]

    def appointment_type(self, name: str | None) -> AppointmentType | None:
        """The named type (the first configured one when `name` is None)."""
        if name is None:
            return self.default_type
        return next((t for t in self.appointment_types if t.name == name), None)

    def buffers(self, type_name: str | None) -> tuple[timedelta, timedelta]:
        """(before, after) for an appointment of this type."""
        kind = self.appointment_type(type_name)
        before = kind.buffer_before_minutes if kind else None
        after = kind.buffer_after_minutes if kind else None
        return (timedelta(minutes=self.buffer_before_minutes if before is None else before),
                timedelta(minutes=self.buffer_after_minutes if after is None else after))

    @property
    def hold(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    @property
    def late_cancel(self) -> timedelta:
        return timedelta(hours=self.late_cancel_hours)


def rules_of(settings: dict[str, Any]) -> SchedulingRules:
    """The rules in an organization's stored settings (defaults where none were set)."""
    saved = scheduling_of(settings or {})
    types = tuple(AppointmentType(t.name, t.duration_minutes, t.buffer_before_minutes,
                                  t.buffer_after_minutes) for t in saved.appointment_types)
    return SchedulingRules(saved.slot_interval_minutes, saved.buffer_before_minutes,
                           saved.buffer_after_minutes, saved.hold_minutes,
                           saved.late_cancel_hours, types or DEFAULT_TYPES)
