"""From the store to the engine: one organization's zone, hours and rules, and one
provider's calendar around a local day.

`CalendarSource` keeps what a calendar is made of (organization, provider hours,
closures) in memory while `vault.scheduling.changes` shows no write to those tables,
so judging a booking reads nothing before the writer; under the writer, the booking
checks closures and bookings again (`storage.repos.scheduling.guard.taken`), so a
stale read can refuse a slot but never double-book one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.services.clinic.errors import OrganizationNotFound, UserNotFound
from app.services.clinic.hours import DEFAULT_HOURS, WEEKDAYS, minutes, opening
from app.services.clinic.once import Once
from app.services.clinic.scheduling.engine import Calendar, WeeklyHours, calendar_for
from app.services.clinic.scheduling.localtime import day_span
from app.services.clinic.scheduling.rules import SchedulingRules, rules_of
from app.services.clinic.scheduling.spans import Span
from storage.vault import Vault

# How far around a day bookings can reach into it: the longest duration plus buffers.
REACH = timedelta(hours=16)
# Cached entries at most (organizations, providers, organizations' closures).
ENTRIES = 4096
T = TypeVar("T")


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


def provider_of(conn: sa.Connection, vault: Vault, organization_id: str, key: str) -> str | None:
    """The provider's own id for `key`: its id, or its user's id, which is what the
    document's registration answer calls the provider's (`user.id`) and so what a
    client sends as providerId; None for neither."""
    row = vault.clinic.providers.find(conn, organization_id=organization_id, key=key)
    return None if row is None else str(row["id"])


def reach(day: date, org: OrgClock) -> Span:
    """The stretch of time whose bookings and closures bear on local `day`."""
    whole = day_span(day, org.tz)
    return Span(whole.start - REACH, whole.end + timedelta(days=1) + REACH)


class CalendarSource:
    """Organizations, provider hours and closures, cached (see the module's docstring)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._once = Once()
        self._generation = -1
        self._entries: dict[tuple[str, ...], Any] = {}

    def organization(self, organization_id: str) -> OrgClock:
        return self._cached(("org", organization_id),
                            lambda conn: organization(conn, self._vault, organization_id))

    def provider_id(self, org: OrgClock, key: str) -> str:
        """The provider's own id for `key` (its id or its user's, `provider_of`);
        USER_NOT_FOUND for neither."""
        found = self._cached(("provider-id", org.organization_id, key),
                             lambda conn: provider_of(conn, self._vault, org.organization_id,
                                                      key))
        if found is None:
            raise UserNotFound(f"no provider {key}")
        return found

    def provider_hours(self, org: OrgClock, provider_id: str) -> WeeklyHours:
        """The provider's weekly hours; USER_NOT_FOUND for no such provider (a provider
        is one of the document's users)."""
        def load(conn: sa.Connection) -> WeeklyHours | None:
            if self._vault.clinic.providers.get(conn, organization_id=org.organization_id,
                                                provider_id=provider_id) is None:
                return None
            return provider_hours(conn, self._vault, org, provider_id)

        hours = self._cached(("provider", org.organization_id, provider_id), load)
        if hours is None:
            raise UserNotFound(f"no provider {provider_id}")
        return hours

    def closures(self, org: OrgClock, provider_id: str, day: date) -> list[Span]:
        """The clinic's and the provider's closures reaching into local `day`. The
        organization's closures are loaded whole, once: a first wave of bookings across
        its providers and days then costs one statement, not one per provider-day."""
        around = reach(day, org)

        def load(conn: sa.Connection) -> list[tuple[str | None, Span]]:
            return [(r["provider_id"], Span(r["starts_at"], r["ends_at"])) for r in
                    self._vault.scheduling.closures.of_organization(
                        conn, organization_id=org.organization_id)]

        return [span for who, span in self._cached(("closures", org.organization_id), load)
                if who in (None, provider_id) and span.start < around.end
                and span.end > around.start]

    def calendar(self, org: OrgClock, *, provider_id: str, day: date,
                 blocked: list[Span] | None = None) -> Calendar:
        """The provider's calendar around local `day`; `blocked` is what is taken."""
        return calendar_for(
            day, org.tz, interval_minutes=org.rules.slot_interval_minutes,
            provider=self.provider_hours(org, provider_id), business=org.business,
            closures=self.closures(org, provider_id, day), blocked=blocked or [])

    def _cached(self, key: tuple[str, ...], load: Callable[[sa.Connection], T]) -> T:
        """The cached value of `key`, else `load`ed (once for concurrent misses: `Once`)
        and kept if no write moved the watch meanwhile."""
        generation = self._vault.scheduling.changes.generation

        def lookup() -> tuple[bool, T]:
            nonlocal generation
            generation = self._vault.scheduling.changes.generation
            if generation != self._generation or len(self._entries) >= ENTRIES:
                self._entries.clear()
                self._generation = generation
            return key in self._entries, self._entries.get(key)

        def loaded() -> T:
            with self._vault.clinic.read() as conn:
                value = load(conn)
            with self._once.lock:
                if self._generation == generation == self._vault.scheduling.changes.generation:
                    self._entries[key] = value
            return value

        return self._once.get(key, lookup, loaded)


def blocked(conn: sa.Connection, vault: Vault, org: OrgClock, *, provider_id: str,
            day: date, at: datetime, patient_id: str | None = None,
            skip_appointment: str | None = None, skip_hold: str | None = None) -> list[Span]:
    """What is taken around local `day`: the provider's (and, with `patient_id`, the
    patient's) appointments and the holds alive `at`, buffers included."""
    around = reach(day, org)
    store, oid = vault.scheduling, org.organization_id
    taken = store.appointments.blocking(conn, organization_id=oid, start=around.start,
                                        end=around.end, provider_id=provider_id,
                                        patient_id=patient_id, exclude_id=skip_appointment)
    held = store.holds.blocking(conn, organization_id=oid, start=around.start,
                                end=around.end, at=at, provider_id=provider_id,
                                patient_id=patient_id, exclude_id=skip_hold)
    return [Span(r["block_start"], r["block_end"]) for r in [*taken, *held]]
