"""Reminders: stored with each appointment (one per channel), listed when due, and sent
through the organization's SMTP server when its settings name one, else written to the
organization's outbox folder in the vault (`outbox/<organization id>/`) and marked sent.

An outbox file names ids and times only (no names, no addresses): it sits beside the
encrypted vault in plain text, so it must not hold patient data.
"""

from __future__ import annotations

import json
import smtplib
from datetime import UTC
from email.message import EmailMessage
from typing import Any

from pydantic import field_serializer

from app.services.clinic.access import Access, audit
from app.services.clinic.models import Result
from app.services.clinic.results import Pagination
from app.services.clinic.scheduling.clock import Clock
from app.services.clinic.scheduling.results import utc
from app.services.clinic.settings import reminders_of
from storage.vault import Vault


class Reminder(Result):
    id: str
    appointment_id: str
    channel: str
    minutes_before: int
    due_at: Any
    status: str
    sent_at: Any = None
    delivery: str | None = None

    @field_serializer("due_at", "sent_at")
    def _zulu(self, value: Any) -> Any:
        return None if value is None else utc(value).isoformat().replace(  # type: ignore[union-attr]
            "+00:00", "Z")

    @classmethod
    def of(cls, row: dict[str, Any]) -> Reminder:
        return cls(id=row["id"], appointment_id=row["appointment_id"], channel=row["channel"],
                   minutes_before=row["minutes_before"], due_at=row["due_at"],
                   status=row["status"], sent_at=row["sent_at"], delivery=row["delivery"])


class ReminderPage(Result):
    reminders: list[Reminder]
    pagination: Pagination

    def wire(self) -> dict:  # type: ignore[type-arg]
        return {"reminders": [r.wire() for r in self.reminders],
                "pagination": self.pagination.wire()}


class ReminderService:
    def __init__(self, vault: Vault, clock_of: Any) -> None:
        self._vault = vault
        self._clock_of = clock_of  # the scheduling service's clock, read at each call

    @property
    def _clock(self) -> Clock:
        return self._clock_of()  # type: ignore[no-any-return]

    def list(self, access: Access, *, due: bool = False, page: int = 1,
             limit: int = 20) -> ReminderPage:
        with self._vault.write() as conn:
            rows, total = self._vault.scheduling.reminders.list(
                conn, organization_id=access.organization_id,
                due_at=self._clock.now() if due else None, page=page, limit=limit)
            audit(conn, self._vault, access, "reminder.list", resource_type="reminder",
                  details={"count": len(rows)})
        return ReminderPage(reminders=[Reminder.of(r) for r in rows],
                            pagination=Pagination.of(page=page, limit=limit, total=total))

    def send_due(self, access: Access) -> list[Reminder]:
        """Send every due reminder; each is marked sent with how it went out."""
        now = self._clock.now()
        sent: list[Reminder] = []
        with self._vault.write() as conn:
            oid = access.organization_id
            org = self._vault.clinic.organizations.get(conn, organization_id=oid) or {}
            config = reminders_of(org.get("settings") or {})
            rows, _ = self._vault.scheduling.reminders.list(conn, organization_id=oid,
                                                             due_at=now, limit=1000)
            for row in rows:
                apt = self._vault.scheduling.appointments.get(
                    conn, organization_id=oid, appointment_id=row["appointment_id"]) or {}
                patient = self._vault.clinic.patients.get(
                    conn, organization_id=oid, patient_id=apt.get("patient_id", "")) or {}
                address = patient.get("email")
                if config.smtp_host and row["channel"] == "email" and address:
                    delivery, ref = "smtp", self._smtp(config, address, apt)
                else:
                    delivery, ref = "outbox", self._outbox(oid, row, apt)
                self._vault.scheduling.reminders.mark_sent(
                    conn, organization_id=oid, reminder_id=row["id"], at=now,
                    delivery=delivery, ref=ref)
                sent.append(Reminder.of({**row, "status": "sent", "sent_at": now,
                                         "delivery": delivery}))
            audit(conn, self._vault, access, "reminder.send", resource_type="reminder",
                  details={"count": len(sent)})
        return sent

    def _outbox(self, organization_id: str, row: dict[str, Any], apt: dict[str, Any]) -> str:
        folder = self._vault.home / "outbox" / organization_id
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{row['id']}.json"
        start = apt.get("scheduled_at")
        (folder / name).write_text(json.dumps({
            "reminderId": row["id"], "appointmentId": row["appointment_id"],
            "channel": row["channel"], "patientId": apt.get("patient_id"),
            "scheduledAt": start.astimezone(UTC).isoformat().replace("+00:00", "Z")
            if start else None}, indent=2))
        return name

    @staticmethod
    def _smtp(config: Any, address: str, apt: dict[str, Any]) -> str:
        message = EmailMessage()
        message["From"] = config.from_address or "reminders@localhost"
        message["To"] = address
        message["Subject"] = "Appointment reminder"
        start = apt["scheduled_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        message.set_content(f"A reminder of your appointment at {start} "
                            f"(confirmation {apt.get('confirmation_number')}).")
        with smtplib.SMTP(config.smtp_host, config.smtp_port or 25, timeout=10) as smtp:
            smtp.send_message(message)
        return str(message.get("Message-ID") or address)
