"""GET /analytics and the reports: facts loaded once per request, then the pure math.

A generated report is stored in the vault (encrypted, scoped to its organization) for
its download, so it survives a restart and its patient rows rest nowhere else in
plain form (the outbox copy below excepted, which is the asked-for delivery). Creating
and downloading one are audited. Email goes through SMTP when
the organization configured it (settings `reminders.smtpHost`), else a message with
the report attached is saved in the organization's outbox folder in the vault.
"""

from __future__ import annotations

import secrets
import smtplib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from app.services.assist.analytics import analytics
from app.services.assist.facts import Period
from app.services.assist.loading import load
from app.services.assist.periods import period_of
from app.services.assist.results import Analytics, ReportCreated
from app.services.clinic.access import audit
from app.services.clinic.settings import fees_of, reminders_of
from app.services.errors import NotFound
from app.services.reports.build import build
from app.services.reports.render import MEDIA_TYPES, render

if TYPE_CHECKING:
    from app.services.clinic import ClinicServices
    from app.services.clinic.access import Access
    from storage.vault import Vault


class InsightService:
    def __init__(self, vault: Vault, clinic: ClinicServices) -> None:
        self._vault = vault
        self._clinic = clinic

    def analytics(self, access: Access, *, period: str, start: date | None,
                  end: date | None) -> Analytics:
        span = period_of(period, access.today(), start, end)
        _, visits, providers, patients = load(self._vault, access.organization_id, span)
        fees = fees_of(self._clinic.organizations.get(access).settings)
        table = None if fees is None else {**fees.appointment_types, **(
            {"default": fees.default} if fees.default is not None else {})}
        return analytics(span, visits, providers, patients, table)

    def create_report(self, access: Access, *, kind: str, start: date, end: date, fmt: str,
                      department: str | None, provider_id: str | None,
                      email: str | None) -> ReportCreated:
        span = period_of("custom", access.today(), start, end)
        org = self._clinic.organizations.get(access)
        _, visits, providers, patients = load(self._vault, access.organization_id, span)
        report = build(kind, organization=org.name, period=span, visits=visits,
                       providers=providers, patients=patients, department=department,
                       provider_id=provider_id)
        data = render(report, fmt)
        report_id = "rpt_" + secrets.token_hex(8)
        name = f"{kind}_{start.isoformat()}_{end.isoformat()}.{fmt}"
        delivery = self._deliver(access, org.settings, email, name, data, fmt, span) \
            if email else None
        with self._vault.write() as conn:
            self._vault.assist.reports.add(
                conn, organization_id=access.organization_id, report_id=report_id, type=kind,
                format=fmt, file_name=name, media_type=MEDIA_TYPES[fmt], content=data,
                delivery=delivery, created_by=access.user_id)
            audit(conn, self._vault, access, "report.create", resource_type="report",
                  resource_id=report_id, details={"type": kind, "format": fmt,
                                                  "emailed": bool(email)})
        return ReportCreated(
            report_id=report_id, status="completed", type=kind, format=fmt,
            download_url=f"/api/v1/organizations/{access.organization_id}/reports/"
                         f"{report_id}/download", delivery=delivery,
            created_at=datetime.now(UTC))

    def download(self, access: Access, report_id: str) -> tuple[str, bytes, str]:
        with self._vault.write() as conn:
            found = self._vault.assist.reports.get(conn, organization_id=access.organization_id,
                                                   report_id=report_id)
            if found is None:
                raise NotFound(f"no report {report_id}")
            audit(conn, self._vault, access, "report.download", resource_type="report",
                  resource_id=report_id)
        return str(found["file_name"]), bytes(found["content"]), str(found["media_type"])

    def _deliver(self, access: Access, settings: dict[str, Any], to: str, name: str,
                 data: bytes, fmt: str, span: Period) -> dict[str, Any]:
        smtp = reminders_of(settings)
        message = EmailMessage()
        message["Subject"] = f"Report {name}"
        message["From"] = smtp.from_address or "healthinsight@localhost"
        message["To"] = to
        message.set_content(f"The report for {span.start} to {span.end} is attached.")
        maintype, subtype = MEDIA_TYPES[fmt].split(";")[0].split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        if smtp.smtp_host:
            with smtplib.SMTP(smtp.smtp_host, smtp.smtp_port or 25, timeout=30) as server:
                server.send_message(message)
            return {"method": "smtp", "to": to}
        folder = self._vault.home / "outbox" / access.organization_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.eml"
        path.write_bytes(bytes(message))
        return {"method": "outbox", "to": to, "file": path.name,
                "message": "no SMTP server is configured; saved in the organization's "
                           "outbox folder in the vault"}
