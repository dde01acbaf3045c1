"""The organization's scheduling rules: settings key ``scheduling``, camelCase as the API
takes them (``PUT /organizations/{id}/settings``), validated here once for everyone.

Buffers are provider time before and after an appointment (preparation, notes,
cleaning); an appointment type may set its own, else the organization's apply. Two
appointments conflict when their spans *with* buffers overlap, for the provider and
for the patient alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from app.services.errors import ValidationFailed

SETTINGS_KEY = "scheduling"


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid", frozen=True)


class AppointmentType(_Camel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    duration_minutes: int = Field(ge=5, le=480)
    buffer_before_minutes: int | None = Field(default=None, ge=0, le=240)
    buffer_after_minutes: int | None = Field(default=None, ge=0, le=240)


DEFAULT_TYPES = (
    AppointmentType(name="consultation", duration_minutes=30),
    AppointmentType(name="follow_up", duration_minutes=15),
    AppointmentType(name="annual_physical", duration_minutes=60),
)


class SchedulingRules(_Camel):
    """Every rule with its default; an organization that set nothing gets these."""

    slot_interval_minutes: int = Field(default=30, ge=5, le=240)
    buffer_before_minutes: int = Field(default=0, ge=0, le=240)
    buffer_after_minutes: int = Field(default=0, ge=0, le=240)
    hold_minutes: int = Field(default=5, ge=1, le=120)
    late_cancel_hours: int = Field(default=24, ge=0, le=24 * 14)
    default_appointment_type: str = "consultation"
    appointment_types: tuple[AppointmentType, ...] = DEFAULT_TYPES

    @model_validator(mode="after")
    def _types_consistent(self) -> SchedulingRules:
        names = [t.name for t in self.appointment_types]
        if len(set(names)) != len(names):
            raise ValueError("appointmentTypes: each name once")
        if self.default_appointment_type not in names:
            raise ValueError("defaultAppointmentType must be one of appointmentTypes")
        if 24 * 60 % self.slot_interval_minutes:
            raise ValueError("slotIntervalMinutes must divide a day (1440 minutes)")
        return self

    def appointment_type(self, name: str | None) -> AppointmentType | None:
        wanted = name or self.default_appointment_type
        return next((t for t in self.appointment_types if t.name == wanted), None)

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

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def parse_rules(raw: Mapping[str, Any] | None) -> SchedulingRules:
    """The rules stored under ``scheduling`` (None: all defaults). Bad input raises
    ValidationFailed naming each field as ``scheduling.<camelName>``."""
    try:
        return SchedulingRules.model_validate(dict(raw or {}))
    except ValidationError as exc:
        details = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()))
            details.append({"field": f"{SETTINGS_KEY}.{where}" if where else SETTINGS_KEY,
                            "message": str(error.get("msg", "invalid"))})
        raise ValidationFailed("invalid scheduling rules", details) from None
