"""The records analytics and reports are computed from, as plain frozen facts.

The service reads them from the clinic and scheduling services (appointments with
their patient and provider, each provider's open minutes per day from the scheduler's
availability), so the arithmetic in analytics.py and reports/build.py is pure and
testable against counts a test makes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Visit:
    """One appointment as analytics see it; `day` and `time` are local to the clinic."""

    id: str
    patient_id: str
    patient_mrn: str | None
    provider_id: str
    provider_name: str
    department: str | None
    scheduled_at: datetime
    day: date
    time: str
    duration: int
    status: str
    appointment_type: str | None
    confirmation_number: str | None = None


@dataclass(frozen=True)
class ProviderTime:
    """A provider's open minutes per local day of the period (the scheduler's grid)."""

    provider_id: str
    name: str
    department: str | None
    open_minutes: dict[date, int]


@dataclass(frozen=True)
class PatientFacts:
    id: str
    mrn: str | None
    gender: str | None
    date_of_birth: date | None
    insured: bool
    first_visit: date | None  # the earliest day of any appointment not cancelled


@dataclass(frozen=True)
class Period:
    name: str  # day | week | month | year | custom
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end
