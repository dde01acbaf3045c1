"""`client.organizations` and `client.clinic(org_id)`: the clinic API's resources.

One set of classes serves both clients: each method returns what the client's driver
makes of an operation, the model itself (sync) or an awaitable of it (async), hence
the `Ran[...]` return types.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeAlias, TypeVar

from pydantic import BaseModel

from app.api.schemas import scheduling as s
from app.client import clinic_ops as c
from app.client.ops import Op
from app.services.assist.results import Analytics, ChatReply, FaqReply, ReportCreated
from app.services.clinic import provider_results as pr
from app.services.clinic import results as r
from app.services.clinic.scheduling import results as sr

T = TypeVar("T")
Ran: TypeAlias = T | Awaitable[T]
Run = Callable[[Op[Any]], Any]


class Organizations:
    def __init__(self, run: Run) -> None:
        self._run = run

    def create(self, **fields: Any) -> Ran[r.OrganizationCreated]:
        """name, slug, timezone (required), type, size, address, contact_info, ..."""
        return self._run(c.create_organization(fields))


class _Part:
    def __init__(self, run: Run, paths: c.ClinicPaths) -> None:
        self._run = run
        self._p = paths


Created = TypeVar("Created", bound=BaseModel)
Item = TypeVar("Item", bound=BaseModel)
Page = TypeVar("Page", bound=BaseModel)


class _People(_Part, Generic[Created, Item, Page]):
    """Register, read, search and update one kind of person (patients, providers)."""

    kind: c.PeopleKind

    def create(self, **fields: Any) -> Ran[Created]:
        return self._run(self._p.send(self.kind.created, "POST", self.kind.tail,
                                      c.body(self.kind.create_input, fields)))

    def get(self, person_id: str) -> Ran[Item]:
        return self._run(self._p.get(self.kind.item, f"{self.kind.tail}/{person_id}"))

    def list(self, *, search: str | None = None, page: int = 1,
             limit: int = 20) -> Ran[Page]:
        return self._run(self._p.get(self.kind.page, self.kind.tail, search=search, page=page,
                                     limit=limit))

    def update(self, person_id: str, **fields: Any) -> Ran[Item]:
        return self._run(self._p.send(self.kind.item, "PUT", f"{self.kind.tail}/{person_id}",
                                      c.body(self.kind.update_input, fields)))


class Patients(_People[r.PatientRegistered, r.Patient, r.PatientPage]):
    kind = c.PATIENTS


class Providers(_People[pr.ProviderRegistered, pr.Provider, pr.ProviderPage]):
    kind = c.PROVIDERS

    def availability(self, provider_id: str, *, date: str,
                     duration: int | None = None) -> Ran[sr.DayAvailability]:
        """Free and booked slots of one local day (`date` is YYYY-MM-DD; `duration`
        defaults to the appointment type's or the clinic's)."""
        return self._run(self._p.get(sr.DayAvailability,
                                     f"/providers/{provider_id}/availability",
                                     date=date, duration=duration))


class Appointments(_Part):
    def create(self, **fields: Any) -> Ran[s.AppointmentData]:
        """patient_id, provider_id, scheduled_at, duration, appointment_type, ... or hold_id."""
        return self._run(self._p.book(fields))

    def hold(self, **fields: Any) -> Ran[s.HoldData]:
        """patient_id, provider_id, scheduled_at, duration, appointment_type."""
        return self._run(self._p.hold(fields))

    def get(self, appointment_id: str) -> Ran[s.AppointmentData]:
        return self._run(self._p.get(s.AppointmentData, f"/appointments/{appointment_id}"))

    def list(self, *, patient_id: str | None = None, provider_id: str | None = None,
             date: str | None = None, status: str | None = None, page: int = 1,
             limit: int = 20) -> Ran[sr.AppointmentPage]:
        return self._run(self._p.get(sr.AppointmentPage, "/appointments",
                                     patientId=patient_id, providerId=provider_id, date=date,
                                     status=status, page=page, limit=limit))

    def update(self, appointment_id: str, **fields: Any) -> Ran[s.AppointmentData]:
        """scheduled_at (reschedule), status, or details such as notes and reason."""
        return self._run(self._p.update_appointment(appointment_id, fields))

    def cancel(self, appointment_id: str, *, reason: str | None = None,
               cancelled_by: str | None = None) -> Ran[s.AppointmentData]:
        return self._run(self._p.cancel_appointment(appointment_id, reason, cancelled_by))


class Reports(_Part):
    def create(self, *, type: str, start: str, end: str, format: str = "pdf",  # noqa: A002
               filters: dict[str, Any] | None = None,
               email: str | None = None) -> Ran[ReportCreated]:
        """`filters`: department and/or provider (an id); `email` sends it as well."""
        return self._run(self._p.report({"type": type, "period": {"start": start, "end": end},
                                         "format": format, "filters": filters or {},
                                         "email": email}))

    def download(self, download_url: str) -> Ran[bytes]:
        return self._run(self._p.download(download_url))


class Clinic:
    """Everything under /api/v1/organizations/{org_id}."""

    def __init__(self, run: Run, organization_id: str) -> None:
        self._run = run
        self._p = c.ClinicPaths(organization_id)
        self.id = organization_id
        self.patients = Patients(run, self._p)
        self.providers = Providers(run, self._p)
        self.appointments = Appointments(run, self._p)
        self.reports = Reports(run, self._p)

    def get(self) -> Ran[r.Organization]:
        return self._run(self._p.organization())

    def update_settings(self, **fields: Any) -> Ran[r.Organization]:
        return self._run(self._p.update_settings(fields))

    def chat(self, message: str, *, context: dict[str, Any] | None = None,
             conversation_id: str | None = None) -> Ran[ChatReply]:
        """One turn; `context` takes patient_id, preferred_date, urgency (either spelling).
        Pass the reply's conversation_id to go on."""
        return self._run(self._p.chat(message, context, conversation_id))

    def faq(self, question: str, *, category: str | None = None) -> Ran[FaqReply]:
        return self._run(self._p.faq(question, category))

    def analytics(self, *, period: str = "month", start_date: str | None = None,
                  end_date: str | None = None) -> Ran[Analytics]:
        """`revenue` is None unless the organization configured fees."""
        return self._run(self._p.get(Analytics, "/analytics", period=period,
                                     startDate=start_date, endDate=end_date))
