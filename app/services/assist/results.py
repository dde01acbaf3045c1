"""What the assistant, FAQ, analytics and report services return (camelCase on the wire)."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from app.services.clinic.models import Result


class FaqSource(Result):
    id: str
    question: str


class FaqReply(Result):
    question: str
    answer: str
    answered: bool
    confidence: float
    category: str | None = None
    source: FaqSource | None = None


class ChatAction(Result):
    type: str  # book_appointment | confirm_booking | reschedule_appointment | cancel_appointment
    provider_id: str | None = None
    date: str | None = None
    available_slots: list[str] | None = None
    hold_id: str | None = None
    appointment_id: str | None = None
    scheduled_at: datetime | None = None
    expires_at: datetime | None = None
    confirmation_number: str | None = None


class ProviderName(Result):
    id: str
    name: str


class ChatEntities(Result):
    """What the message named; `time` is HH:MM, or a part of the day when only that."""

    provider: ProviderName | None = None
    date: dt.date | None = None  # `dt.`: the field's name would shadow the type
    time: str | None = None
    reason: str | None = None
    appointment_type: str | None = None


class ChatReply(Result):
    response: str
    intent: str
    confidence: float
    entities: ChatEntities
    available_actions: list[ChatAction]
    conversation_id: str
    engine: str

    def wire(self) -> dict:  # type: ignore[type-arg]
        """Each action with only the fields it has, like the document's example
        (`{type, providerId, availableSlots}` for an offer)."""
        data = super().wire()
        data["availableActions"] = [a.model_dump(by_alias=True, mode="json", exclude_none=True)
                                    for a in self.available_actions]
        return data


class ReportCreated(Result):
    report_id: str
    status: str
    type: str
    format: str
    download_url: str
    delivery: dict[str, Any] | None = None  # {method: smtp|outbox, to, path?}
    created_at: datetime


class AppointmentCounts(Result):
    """By status; `total` counts every status, as the clinic document's example does."""

    total: int
    scheduled: int
    confirmed: int
    checked_in: int
    completed: int
    cancelled: int
    no_show: int
    completion_rate: float  # completed / total, in percent


class PatientCounts(Result):
    new: int
    returning: int
    total: int


class ProviderUse(Result):
    utilization_rate: float  # booked / available minutes, in percent
    booked_minutes: int
    available_minutes: int
    average_appointments_per_day: float


class Revenue(Result):
    total: float
    insurance: float
    self_pay: float


class Metrics(Result):
    appointments: AppointmentCounts
    patients: PatientCounts
    providers: ProviderUse
    revenue: Revenue | None = None  # only when fees are configured


class Analytics(Result):
    period: str
    start_date: date
    end_date: date
    metrics: Metrics

    def wire(self) -> dict:  # type: ignore[type-arg]
        """As the document shows it, without `revenue` when no fees are configured
        (absent, not null: nothing is invented)."""
        drop = {"metrics": {"revenue"}} if self.metrics.revenue is None else None
        return self.model_dump(by_alias=True, mode="json", exclude=drop)
