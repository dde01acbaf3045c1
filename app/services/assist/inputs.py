"""What the assistant's and the reports' routes accept, shared with the SDK (app/client)
so a body is checked by one definition on both sides (camelCase on the wire)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.services.clinic.models import Email, Id, Input


class ChatContext(Input):
    patient_id: Id | None = None
    preferred_date: date | None = None
    urgency: Literal["routine", "urgent", "emergency"] | None = None  # booked as priority


class ChatMessage(Input):
    message: Annotated[str, Field(min_length=1, max_length=2000)]
    context: ChatContext | None = None
    conversation_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class FaqQuestion(Input):
    question: Annotated[str, Field(min_length=1, max_length=1000)]
    category: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class ReportPeriod(Input):
    start: date
    end: date


class ReportFilters(Input):
    department: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    provider: Id | None = None


class ReportRequest(Input):
    type: Literal["appointment_summary", "provider_utilization", "patient_demographics"]
    period: ReportPeriod
    filters: ReportFilters = ReportFilters()
    format: Literal["pdf", "csv", "json"] = "pdf"
    email: Email | None = None
