"""Analytics and reports on a real server: figures equal to counts this test makes of
the appointments it booked; the PDF read back with pypdf; CSV rows counted; email to
the outbox when no SMTP is configured."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from tests.api.clinic import make_org, patient_body, provider_body
from tests.api.conftest import Api

ZONE = ZoneInfo("Europe/Berlin")
WEEK = {day: [{"start": "09:00", "end": "12:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _next_monday() -> date:
    today = datetime.now(ZONE).date()
    return today + timedelta(days=7 - today.weekday())


def test_analytics_and_reports_count_what_was_booked(own_api: Callable[..., Api]) -> None:
    api = own_api()  # its patients would join the shared vault's people
    org = make_org(api, timezone="Europe/Berlin")
    assert org.admin.post(org.url("/providers"), json=provider_body(
        1, name="Dr. John Smith", availability=WEEK)).status_code == 201
    provider_id = org.admin.get(org.url("/providers")).json()["data"]["providers"][0]["id"]
    patients = [org.admin.post(org.url("/patients"), json=patient_body(n)).json()[
        "data"]["patient"]["id"] for n in range(3)]
    monday = _next_monday()
    booked: list[dict[str, Any]] = []
    for n, patient_id in enumerate(patients * 2):  # six appointments, two per patient
        day = monday + timedelta(days=n // 3)
        slots = org.admin.get(org.url(f"/providers/{provider_id}/availability"),
                              params={"date": day.isoformat()}).json()["data"]["availableSlots"]
        made = org.admin.post(org.url("/appointments"), json={
            "patientId": patient_id, "providerId": provider_id,
            "scheduledAt": slots[0]["startsAt"], "duration": 30})
        assert made.status_code == 201, made.text
        booked.append(made.json()["data"]["appointment"])
    cancelled = org.admin.delete(org.url(f"/appointments/{booked[0]['id']}"))
    assert cancelled.status_code == 200, cancelled.text
    end = monday + timedelta(days=4)
    span = {"period": "custom", "startDate": monday.isoformat(), "endDate": end.isoformat()}

    reply = org.admin.get(org.url("/analytics"), params=span)
    assert reply.status_code == 200, reply.text
    metrics = reply.json()["data"]["metrics"]
    assert metrics["appointments"]["total"] == len(booked)
    assert metrics["appointments"]["cancelled"] == 1
    assert metrics["appointments"]["scheduled"] == len(booked) - 1
    kept = len(booked) - 1
    assert metrics["patients"]["total"] == len(patients)
    assert metrics["patients"]["new"] == len(patients)
    available = 5 * 180  # 09:00-12:00 on five weekdays
    assert metrics["providers"]["availableMinutes"] == available
    assert metrics["providers"]["utilizationRate"] == round(100 * 30 * kept / available, 1)
    assert metrics["providers"]["averageAppointmentsPerDay"] == round(kept / 5, 1)
    assert "revenue" not in metrics
    org.admin.put(org.url("/settings"), json={"fees": {"default": 80}})
    again = org.admin.get(org.url("/analytics"), params=span).json()["data"]["metrics"]
    assert again["revenue"] == {"total": 0.0, "insurance": 0.0, "selfPay": 0.0}  # none done

    period = {"start": monday.isoformat(), "end": end.isoformat()}
    pdf = org.admin.post(org.url("/reports"), json={
        "type": "appointment_summary", "period": period, "format": "pdf",
        "email": "manager@clinic.example"})
    assert pdf.status_code == 201, pdf.text
    created = pdf.json()["data"]
    assert created["delivery"]["method"] == "outbox"
    outbox = api.ctx.vault.home / "outbox" / org.id / created["delivery"]["file"]
    assert outbox.is_file() and b"manager@clinic.example" in outbox.read_bytes()
    raw = org.admin.get(created["downloadUrl"])
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(raw.content)).pages)
    assert "Appointment summary" in text
    for appointment in booked:
        assert appointment["confirmationNumber"] in text

    for kind, rows in (("appointment_summary", len(booked)), ("provider_utilization", 1),
                       ("patient_demographics", len(patients))):
        made = org.admin.post(org.url("/reports"), json={"type": kind, "period": period,
                                                         "format": "csv"}).json()["data"]
        body = org.admin.get(made["downloadUrl"]).text
        assert len(list(csv.DictReader(io.StringIO(body)))) == rows, kind
    other = make_org(api)
    assert other.admin.get(created["downloadUrl"]).status_code == 404
    bad = org.admin.get(org.url("/analytics"), params={"period": "custom"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
