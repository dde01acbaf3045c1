"""Facts for analytics and reports, read from the clinic and scheduling stores.

One read transaction per request: the organization's zone and hours, its providers'
open minutes per local day (the scheduler's own `open_time`: provider hours within
business hours, less closures), every appointment up to the period's end (the earlier
ones decide who is a new patient), and the patients seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from app.services.assist.facts import PatientFacts, Period, ProviderTime, Visit
from app.services.clinic.scheduling.engine import open_time
from app.services.clinic.scheduling.loading import OrgClock, organization, provider_hours
from app.services.clinic.scheduling.localtime import day_span
from app.services.clinic.scheduling.spans import Span
from storage.vault import Vault

PAGE = 1000


def _pages(fetch: Any) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        rows, total = fetch(page)
        yield from rows
        if page * PAGE >= total or not rows:
            return
        page += 1


def load(vault: Vault, organization_id: str, period: Period) -> tuple[
        OrgClock, list[Visit], list[ProviderTime], dict[str, PatientFacts]]:
    store, sched = vault.clinic, vault.scheduling
    with store.read() as conn:
        org = organization(conn, vault, organization_id)
        end = day_span(period.end, org.tz).end
        providers = list(_pages(lambda p: store.providers.list(
            conn, organization_id=organization_id, page=p, limit=PAGE)))
        names = {p["id"]: p for p in providers}
        times = [_open_minutes(conn, vault, org, p, period) for p in providers]
        rows = list(_pages(lambda p: sched.appointments.list(
            conn, organization_id=organization_id, end=end, page=p, limit=PAGE)))
        first: dict[str, date] = {}
        visits = []
        for row in rows:
            local = row["scheduled_at"].astimezone(org.tz)
            if row["status"] != "cancelled":
                first[row["patient_id"]] = min(first.get(row["patient_id"], local.date()),
                                               local.date())
            if period.holds(local.date()):
                visits.append((row, local))
        patients = {pid: _patient(conn, vault, organization_id, pid, first.get(pid))
                    for pid in {row["patient_id"] for row, _ in visits}}
    mrns = {pid: p.mrn for pid, p in patients.items()}
    return org, [Visit(
        id=row["id"], patient_id=row["patient_id"], patient_mrn=mrns.get(row["patient_id"]),
        provider_id=row["provider_id"],
        provider_name=str(names.get(row["provider_id"], {}).get("name", row["provider_id"])),
        department=names.get(row["provider_id"], {}).get("department"),
        scheduled_at=row["scheduled_at"], day=local.date(), time=f"{local:%H:%M}",
        duration=int(row["duration_minutes"]), status=row["status"],
        appointment_type=row.get("appointment_type"),
        confirmation_number=row.get("confirmation_number")) for row, local in visits
    ], times, patients


def _open_minutes(conn: sa.Connection, vault: Vault, org: OrgClock, provider: dict[str, Any],
                  period: Period) -> ProviderTime:
    weekly = provider_hours(conn, vault, org, provider["id"])
    start, end = day_span(period.start, org.tz).start, day_span(period.end, org.tz).end
    closures = [Span(r["starts_at"], r["ends_at"]) for r in vault.scheduling.closures.covering(
        conn, organization_id=org.organization_id, start=start, end=end,
        provider_id=provider["id"])]
    minutes: dict[date, int] = {}
    for offset in range(period.days):
        day = period.start + timedelta(days=offset)
        spans = open_time(day, org.tz, provider=weekly, business=org.business,
                          closures=closures)
        minutes[day] = int(sum((s.end - s.start).total_seconds() for s in spans) // 60)
    return ProviderTime(provider["id"], str(provider["name"]), provider.get("department"),
                        minutes)


def _patient(conn: sa.Connection, vault: Vault, organization_id: str, patient_id: str,
             first: date | None) -> PatientFacts:
    row = vault.clinic.patients.get(conn, organization_id=organization_id,
                                    patient_id=patient_id) or {}
    details = row.get("details") or {}
    insured = bool(details.get("insurance_info") or details.get("insuranceInfo"))
    return PatientFacts(patient_id, row.get("mrn"), row.get("gender"), row.get("date_of_birth"),
                        insured, first)
