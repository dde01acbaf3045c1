"""From the store to the engine: one organization's zone, hours and rules, and one
provider's calendar around a local day, read on the caller's connection (inside
`Vault.write()` when a booking is being decided)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.services.clinic.errors import OrganizationNotFound
from app.services.clinic.hours import DEFAULT_HOURS, WEEKDAYS, minutes, opening
from app.services.clinic.scheduling.engine import Calendar, WeeklyHours, calendar_for
from app.services.clinic.scheduling.localtime import day_span
from app.services.clinic.scheduling.rules import SchedulingRules, rules_of
from app.services.clinic.scheduling.spans import Span
from storage.vault import Vault

# How far around a day bookings can reach into it: the longest duration plus buffers.
REACH = timedelta(hours=16)


@dataclass(frozen=True)
class OrgClock:
    """What scheduling needs of an organization."""

    organization_id: str
    tz: ZoneInfo
    business: WeeklyHours
    rules: SchedulingRules


def organization(conn: sa.Connection, vault: Vault, organization_id: str) -> OrgClock:
    row = vault.clinic.organizations.get(conn, organization_id=organization_id)
    if row is None:
        raise OrganizationNotFound(f"no organization {organization_id}")
    hours: dict[str, Any] = row.get("business_hours") or DEFAULT_HOURS
    business = {i: [span] for i, day in enumerate(WEEKDAYS)
                if (span := opening(hours, day)) is not None}
    return OrgClock(organization_id, ZoneInfo(row.get("timezone") or "UTC"), business,
                    rules_of(row.get("settings") or {}))


def provider_hours(conn: sa.Connection, vault: Vault, org: OrgClock,
                   provider_id: str) -> WeeklyHours:
    weekly: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in vault.clinic.providers.availability(
            conn, organization_id=org.organization_id, provider_id=provider_id):
        weekly.setdefault(weekday, []).append((minutes(start), minutes(end)))
    return weekly


def calendar(conn: sa.Connection, vault: Vault, org: OrgClock, *, provider_id: str,
             day: date, at: datetime, patient_id: str | None = None,
             skip_appointment: str | None = None, skip_hold: str | None = None) -> Calendar:
    """The provider's calendar around local `day`; with `patient_id`, the patient's
    appointments and holds block too. `at` decides which holds are still alive."""
    whole = day_span(day, org.tz)
    start, end = whole.start - REACH, whole.end + timedelta(days=1) + REACH
    store, oid = vault.scheduling, org.organization_id
    taken = store.appointments.blocking(conn, organization_id=oid, start=start, end=end,
                                        provider_id=provider_id, patient_id=patient_id,
                                        exclude_id=skip_appointment)
    held = store.holds.blocking(conn, organization_id=oid, start=start, end=end, at=at,
                                provider_id=provider_id, patient_id=patient_id,
                                exclude_id=skip_hold)
    closed = store.closures.covering(conn, organization_id=oid, start=start, end=end,
                                     provider_id=provider_id)
    return calendar_for(
        day, org.tz, interval_minutes=org.rules.slot_interval_minutes,
        provider=provider_hours(conn, vault, org, provider_id), business=org.business,
        closures=[Span(r["starts_at"], r["ends_at"]) for r in closed],
        blocked=[Span(r["block_start"], r["block_end"]) for r in [*taken, *held]])
