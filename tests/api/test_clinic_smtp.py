"""Mail to SMTP on a real server, received by a loopback SMTP sink: an emailed report
arrives with the file the download gives, and due appointment reminders arrive at the
patient's address naming the appointment's time and confirmation number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.api.clinic import Org, make_org, patient_body, provider_body
from tests.api.conftest import Api
from tests.api.smtp_sink import SmtpSink

WEEK = {day: [{"start": "09:00", "end": "12:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
SENDER = "desk@clinic.example"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def _weekday_after(days: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _clinic(api: Api, sink: SmtpSink) -> tuple[Org, str]:
    org = make_org(api, timezone="UTC")
    settings = org.admin.put(org.url("/settings"), json={"reminders": {
        "smtpHost": sink.host, "smtpPort": sink.port, "fromAddress": SENDER}})
    assert settings.status_code == 200, settings.text
    made = org.admin.post(org.url("/providers"), json=provider_body(1, availability=WEEK))
    assert made.status_code == 201, made.text
    return org, org.admin.get(org.url("/providers")).json()["data"]["providers"][0]["id"]


def _book(org: Org, provider_id: str, patient_id: str, day: date, n: int,
          **extra: Any) -> dict[str, Any]:
    slots = org.admin.get(org.url(f"/providers/{provider_id}/availability"),
                          params={"date": day.isoformat()}).json()["data"]["availableSlots"]
    made = org.admin.post(org.url("/appointments"), json={
        "patientId": patient_id, "providerId": provider_id,
        "scheduledAt": slots[n]["startsAt"], "duration": 30, **extra})
    assert made.status_code == 201, made.text
    return dict(made.json()["data"]["appointment"])


def test_an_emailed_report_arrives_by_smtp(own_api: Callable[..., Api],
                                           sink: SmtpSink) -> None:
    api = own_api()  # its patients would join the shared vault's people
    org, provider_id = _clinic(api, sink)
    patient_id = org.admin.post(org.url("/patients"), json=patient_body(1)).json()[
        "data"]["patient"]["id"]
    day = _weekday_after(2)
    booked = [_book(org, provider_id, patient_id, day, n) for n in (0, 2)]

    made = org.admin.post(org.url("/reports"), json={
        "type": "appointment_summary", "period": {"start": day.isoformat(),
                                                  "end": day.isoformat()},
        "format": "csv", "email": "manager@clinic.example"})
    assert made.status_code == 201, made.text
    created = made.json()["data"]
    assert created["delivery"]["method"] == "smtp"
    [mail] = sink.wait(1)
    assert mail.rcpt_to == ("manager@clinic.example",) and mail.mail_from == SENDER
    assert mail.message["To"] == "manager@clinic.example"
    assert mail.message["From"] == SENDER
    assert day.isoformat() in mail.message.get_body(("plain",)).get_content()
    [attachment] = list(mail.message.iter_attachments())
    assert attachment.get_filename().endswith(".csv")
    sent = attachment.get_content()
    sent = sent if isinstance(sent, bytes) else sent.encode()
    assert sent == org.admin.get(created["downloadUrl"]).content
    rows = list(csv.DictReader(io.StringIO(sent.decode())))
    numbers = {a["confirmationNumber"] for a in booked}
    assert len(rows) == len(booked)
    assert {v for row in rows for v in row.values()} >= numbers
    assert not (api.ctx.vault.home / "outbox" / org.id).exists()  # SMTP, not the outbox


def test_due_reminders_arrive_by_smtp(own_api: Callable[..., Api], sink: SmtpSink) -> None:
    api = own_api()
    org, provider_id = _clinic(api, sink)
    body = patient_body(2)
    patient_id = org.admin.post(org.url("/patients"), json=body).json()["data"]["patient"]["id"]
    day = _weekday_after(2)
    two_weeks = 14 * 24 * 60  # due at once: the appointment is less than two weeks away
    soon = _book(org, provider_id, patient_id, day, 1,
                 reminders={"email": True, "sms": True, "timeBefore": two_weeks})
    _book(org, provider_id, patient_id, day, 4, reminders={"email": True, "timeBefore": 60})

    sent = org.admin.post(org.url("/reminders/send"))
    assert sent.status_code == 200, sent.text
    by_channel = {r["channel"]: r["delivery"] for r in sent.json()["data"]["reminders"]}
    assert by_channel == {"email": "smtp", "sms": "outbox"}  # the 60-minute one is not due
    [mail] = sink.wait(1)
    assert mail.rcpt_to == (body["email"],) and mail.message["From"] == SENDER
    assert mail.message["Subject"] == "Appointment reminder"
    start = datetime.fromisoformat(soon["scheduledAt"].replace("Z", "+00:00"))
    text = mail.message.get_content()
    assert f"{start.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in text
    assert soon["confirmationNumber"] in text
    assert org.admin.post(org.url("/reminders/send")).json()["data"]["reminders"] == []
    assert len(sink.messages) == 1  # each reminder goes out once
