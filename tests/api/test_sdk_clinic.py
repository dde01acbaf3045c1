"""The SDK's clinic half against a real loopback server: an organization created by the
vault owner, its admin's first login and password change, patients, providers,
settings and the FAQ, appointments, the assistant, analytics and reports, with frozen
typed snake_case models read from camelCase answers, sync and async."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pytest
from pydantic import ValidationError

from app.client import AsyncHealthInsightClient, ClientError, HealthInsightClient
from app.services.assist.results import Analytics, ChatEntities, ChatReply, ReportCreated
from app.services.clinic.provider_results import ProviderRegistered
from app.services.clinic.results import Patient, PatientRegistered
from app.services.clinic.scheduling.results import (
    Appointment,
    AppointmentPage,
    DayAvailability,
    Hold,
)
from tests.api.clinic import Org, make_org, patient_body, provider_body
from tests.api.conftest import PASSWORD, USERS, Api

NEW = "the admin's own password"


def test_organization_people_settings_and_faq(own_api: Callable[..., Api]) -> None:
    api = own_api()  # its patients would join the shared vault's people
    slug = f"sdk-{uuid.uuid4().hex[:8]}"
    with HealthInsightClient(api.base, email=USERS["owner"][0], password=PASSWORD) as owner:
        created = owner.organizations.create(
            name="SDK Clinic", slug=slug, timezone="Europe/Berlin",
            contact_info={"phone": "+49-30-1234"},
            admin_user={"email": f"admin@{slug}.example", "name": "Ada Admin"})
    assert created.organization.slug == slug
    assert created.organization.onboarding_status == "pending"
    temporary = created.admin_user.temporary_password
    org_id = created.organization.id

    with HealthInsightClient(api.base, email=f"admin@{slug}.example",
                             password=temporary) as admin:
        with pytest.raises(ClientError) as first:
            admin.clinic(org_id).get()
        assert first.value.status == 403 and first.value.code == "PASSWORD_CHANGE_REQUIRED"
        admin.change_password(temporary, NEW)
        clinic = admin.clinic(org_id)
        assert clinic.get().timezone == "Europe/Berlin"

        patient = clinic.patients.create(name="Pat Doe", date_of_birth="1985-06-15",
                                         gender="female", email=f"pat@{slug}.example")
        assert isinstance(patient, PatientRegistered)
        mrn = patient.patient.medical_record_number
        assert re.fullmatch(r"[A-Z0-9]+-\d{4}-\d{6}", mrn), mrn
        again = clinic.patients.get(patient.patient.id)
        assert isinstance(again, Patient) and again.name == "Pat Doe"
        assert [p.id for p in clinic.patients.list(search="Pat").patients] == [again.id]

        provider = clinic.providers.create(
            email=f"dr.smith@{slug}.example", name="Dr. John Smith",
            role="attending_physician", department="Cardiology",
            availability={"monday": [{"start": "09:00", "end": "12:00"}]})
        assert isinstance(provider, ProviderRegistered)
        assert provider.credentials.must_change_password is True
        listed = clinic.providers.list()
        assert [p.name for p in listed.providers] == ["Dr. John Smith"]

        clinic.update_settings(faq=[{"question": "What are your visiting hours?",
                                     "answer": "10:00 to 20:00.", "category": "general_info"}])
        hit = clinic.faq("when can my family visit?")
        assert hit.answered and hit.source is not None
        assert hit.source.question == "What are your visiting hours?"
        miss = clinic.faq("do you repair bicycles?")
        assert not miss.answered and "+49-30-1234" in miss.answer
        with pytest.raises(ValidationError):  # checked before it is sent
            clinic.chat("hello", context={"urgency": "whenever"})
        with pytest.raises(ClientError) as bad:
            clinic.patients.get("pat_missing")
        assert bad.value.status == 404


@pytest.mark.asyncio
async def test_async_clinic(api: Api) -> None:
    slug = f"sdk-{uuid.uuid4().hex[:8]}"
    async with AsyncHealthInsightClient(api.base, email=USERS["owner"][0],
                                        password=PASSWORD) as owner:
        created = await owner.organizations.create(name="Async Clinic", slug=slug,
                                                   timezone="UTC")
        got = await owner.clinic(created.organization.id).get()
    assert got.slug == slug and got.timezone == "UTC"


WEEK = {day: [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _weekday_after(days: int) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _clinic_with_people(api: Api) -> tuple[Org, str, str]:
    """An organization (UTC) with one provider on weekdays and one patient."""
    org = make_org(api, timezone="UTC")
    with httpx.Client(base_url=api.base, timeout=60,
                      headers={"Authorization": f"Bearer {org.token}"}) as admin:
        made = admin.post(org.url("/providers"), json=provider_body(
            1, name="Dr. John Smith", availability=WEEK))
        assert made.status_code == 201, made.text
        provider_id = admin.get(org.url("/providers")).json()["data"]["providers"][0]["id"]
        patient_id = admin.post(org.url("/patients"), json=patient_body(1)).json()[
            "data"]["patient"]["id"]
    return org, provider_id, patient_id


def test_appointments_chat_analytics_and_reports_are_typed(
        own_api: Callable[..., Api]) -> None:
    api = own_api()  # its patients would join the shared vault's people
    org, provider_id, patient_id = _clinic_with_people(api)
    day = _weekday_after(2)
    with HealthInsightClient(api.base, token=org.token) as admin:
        clinic = admin.clinic(org.id)
        free = clinic.providers.availability(provider_id, date=day.isoformat())
        assert isinstance(free, DayAvailability) and free.available_slots[0].start_time == "09:00"
        held = clinic.appointments.hold(patient_id=patient_id, provider_id=provider_id,
                                        scheduled_at=free.available_slots[0].starts_at)
        assert isinstance(held.hold, Hold) and held.hold.expires_at.tzinfo is not None
        booked = clinic.appointments.create(hold_id=held.hold.id)
        assert isinstance(booked.appointment, Appointment)
        assert booked.appointment.scheduled_at == free.available_slots[0].starts_at
        with pytest.raises(ValidationError):
            booked.appointment.status = "completed"  # type: ignore[misc]  # frozen
        later = free.available_slots[2].starts_at
        moved = clinic.appointments.update(booked.appointment.id, scheduled_at=later)
        assert moved.appointment.scheduled_at == later
        assert clinic.appointments.get(booked.appointment.id).appointment.scheduled_at == later
        page = clinic.appointments.list(patient_id=patient_id)
        assert isinstance(page, AppointmentPage)
        assert [a.id for a in page.appointments] == [booked.appointment.id]
        gone = clinic.appointments.cancel(booked.appointment.id, reason="moved away")
        assert gone.appointment.status == "cancelled"
        assert gone.appointment.cancel_reason == "moved away"

        first = clinic.chat(f"I need an appointment with Dr. Smith on {day:%B} {day.day} "
                            "in the afternoon", context={"patientId": patient_id})
        assert isinstance(first, ChatReply) and first.intent == "appointment_booking"
        assert isinstance(first.entities, ChatEntities) and first.entities.date == day
        assert first.entities.provider is not None
        assert first.entities.provider.id == provider_id
        offer = first.available_actions[0]
        assert offer.available_slots == [s.start_time for s in free.available_slots
                                         if s.start_time >= "13:00"]
        second = clinic.chat("the 2:30 one", conversation_id=first.conversation_id)
        assert second.available_actions[0].type == "confirm_booking"
        third = clinic.chat("yes", conversation_id=first.conversation_id)
        confirmation = third.available_actions[0].confirmation_number
        assert confirmation and confirmation in third.response

        stats = clinic.analytics(period="custom", start_date=day.isoformat(),
                                 end_date=day.isoformat())
        assert isinstance(stats, Analytics) and stats.metrics.revenue is None
        assert (stats.metrics.appointments.total, stats.metrics.appointments.cancelled,
                stats.metrics.appointments.scheduled) == (2, 1, 1)
        assert stats.metrics.providers.available_minutes == 7 * 60  # 09-12 and 13-17

        report = clinic.reports.create(type="appointment_summary", start=day.isoformat(),
                                       end=day.isoformat(), format="csv")
        assert isinstance(report, ReportCreated) and report.status == "completed"
        rows = list(csv.DictReader(io.StringIO(
            clinic.reports.download(report.download_url).decode())))
        assert len(rows) == 2


@pytest.mark.asyncio
async def test_async_appointments_chat_and_analytics(own_api: Callable[..., Api]) -> None:
    api = own_api()
    org, provider_id, patient_id = _clinic_with_people(api)
    day = _weekday_after(3)
    async with AsyncHealthInsightClient(api.base, token=org.token) as admin:
        clinic = admin.clinic(org.id)
        free = await clinic.providers.availability(provider_id, date=day.isoformat())
        booked = await clinic.appointments.create(
            patient_id=patient_id, provider_id=provider_id,
            scheduled_at=free.available_slots[1].starts_at, duration=30)
        assert isinstance(booked.appointment, Appointment)
        assert booked.appointment.confirmation_number
        reply = await clinic.chat("Please cancel my appointment",
                                  context={"patient_id": patient_id})  # either spelling
        assert isinstance(reply, ChatReply) and reply.intent == "cancel"
        assert reply.available_actions[0].appointment_id == booked.appointment.id
        done = await clinic.chat("yes", conversation_id=reply.conversation_id)
        assert done.available_actions[0].type == "appointment_cancelled"
        listed = await clinic.appointments.list(patient_id=patient_id)
        assert [a.status for a in listed.appointments] == ["cancelled"]
        stats = await clinic.analytics(period="custom", start_date=day.isoformat(),
                                       end_date=day.isoformat())
        assert isinstance(stats, Analytics)
        assert stats.metrics.appointments.cancelled == 1 == stats.metrics.appointments.total
