"""Helpers of the scheduling API tests: a clinic with providers and patients, a clock
the test moves, and the whole-table overlap check every test ends with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.clinic import Org, make_org, patient_body, provider_body
from tests.api.conftest import Api

MONDAY = "2027-01-11"  # America/Los_Angeles is UTC-8 that day
ALL_WEEK = {d: {"open": "00:00", "close": "23:59"} for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}


class ManualClock:
    """The scheduler's clock in these tests: it moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Clinic:
    org: Org
    providers: list[str] = field(default_factory=list)
    patients: list[str] = field(default_factory=list)

    def url(self, tail: str) -> str:
        return self.org.url(tail)

    def slots(self, provider: int, day: str = MONDAY, **params: Any) -> dict[str, Any]:
        reply = self.org.admin.get(self.url(f"/providers/{self.providers[provider]}"
                                            "/availability"), params={"date": day, **params})
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["data"])

    def starts(self, provider: int, day: str = MONDAY, **params: Any) -> list[str]:
        return [s["startsAt"] for s in self.slots(provider, day, **params)["availableSlots"]]

    def book(self, provider: int, patient: int, at: str, **extra: Any) -> Any:
        return self.org.admin.post(self.url("/appointments"), json={
            "patientId": self.patients[patient], "providerId": self.providers[provider],
            "scheduledAt": at, **extra})


def make_clinic(api: Api, *, providers: int = 1, patients: int = 2,
                hours: dict[str, list[dict[str, str]]] | None = None,
                timezone: str = "America/Los_Angeles", **org: Any) -> Clinic:
    clinic = Clinic(make_org(api, timezone=timezone, **org))
    weekly = hours or {"monday": [{"start": "09:00", "end": "12:00"}]}
    for n in range(providers):
        reply = clinic.org.admin.post(clinic.url("/providers"),
                                      json=provider_body(n, availability=weekly))
        assert reply.status_code == 201, reply.text
        clinic.providers.append(reply.json()["data"]["provider"]["id"])
    for n in range(patients):
        reply = clinic.org.admin.post(clinic.url("/patients"), json=patient_body(n))
        assert reply.status_code == 201, reply.text
        clinic.patients.append(reply.json()["data"]["patient"]["id"])
    return clinic


def overlaps(api: Api) -> int:
    """Pairs of appointments holding their time (not cancelled, not a no-show), anywhere
    in the table, of one provider or one patient whose spans with buffers overlap:
    written here in SQL, not by the app."""
    row = api.ctx.vault.cursor().execute("""
        SELECT count(*) FROM appointments a JOIN appointments b
          ON a.id < b.id AND a.organization_id = b.organization_id
         AND (a.provider_id = b.provider_id OR a.patient_id = b.patient_id)
         AND a.scheduled_at - to_minutes(coalesce(a.buffer_before_minutes, 0))
             < b.scheduled_at + to_minutes(b.duration_minutes
                                           + coalesce(b.buffer_after_minutes, 0))
         AND b.scheduled_at - to_minutes(coalesce(b.buffer_before_minutes, 0))
             < a.scheduled_at + to_minutes(a.duration_minutes
                                           + coalesce(a.buffer_after_minutes, 0))
        WHERE a.status NOT IN ('cancelled', 'no_show')
          AND b.status NOT IN ('cancelled', 'no_show')
    """).fetchone()
    assert row is not None
    return int(row[0])


def zulu(*parts: int) -> str:
    return datetime(*parts, tzinfo=UTC).isoformat().replace("+00:00", "Z")  # type: ignore[misc]
