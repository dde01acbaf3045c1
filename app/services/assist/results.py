"""What the assistant, FAQ, analytics and report services return (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
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


class ChatReply(Result):
    response: str
    intent: str
    confidence: float
    entities: dict[str, Any]
    available_actions: list[ChatAction]
    conversation_id: str
    engine: str


class ReportCreated(Result):
    report_id: str
    status: str
    type: str
    format: str
    download_url: str
    delivery: dict[str, Any] | None = None  # {method: smtp|outbox, to, path?}
    created_at: datetime
