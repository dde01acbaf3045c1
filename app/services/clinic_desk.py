"""The desktop's clinic desk: the clinic services, acting as the vault's owner.

The person at the desk is the vault's owner, who created the organization and is its
organization_owner; every call goes through the same services (and so the same
permission checks, tenant scoping and audit rows) as the /api/v1 routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.context import AppContext
from app.services.auth import Principal
from app.services.clinic.access import Access
from app.services.clinic.inputs import PatientCreate
from app.services.clinic.provider_results import Provider
from app.services.clinic.results import Organization, Patient, PatientRegistered
from app.services.clinic.scheduling.inputs import AppointmentUpdate, Booking
from app.services.clinic.scheduling.results import Appointment, DayAvailability

ACTIONS = {"check_in": "checked_in", "complete": "completed", "no_show": "no_show",
           "confirm": "confirmed"}


@dataclass(frozen=True)
class DeskDay:
    availability: DayAvailability
    appointments: tuple[Appointment, ...]


class ClinicDesk:
    def __init__(self, ctx: AppContext, principal: Principal, organization: Organization):
        self._clinic = ctx.clinic
        self.principal = principal
        self.organization = organization

    @classmethod
    def open(cls, ctx: AppContext) -> ClinicDesk | None:
        """The desk of the vault's first organization; None when there is none (or no
        owner account), and the desktop then shows no clinic tab."""
        owner = ctx.vault.users.owner()
        organizations = ctx.clinic.organizations.list_all()
        if owner is None or not organizations:
            return None
        principal = Principal(user_id=str(owner["id"]), email=str(owner["email"]),
                              name=owner.get("name"), is_owner=True, token_kind="personal")
        return cls(ctx, principal, organizations[0])

    def access(self, permission: str) -> Access:
        """The owner's Access for `permission` in this organization (checked, audited)."""
        return self._clinic.access.resolve(self.principal, self.organization.id, permission)

    def providers(self, search: str | None = None) -> list[Provider]:
        return self._clinic.providers.list(self.access("view_patient_info"), search=search,
                                           limit=100).providers

    def patients(self, search: str | None = None) -> list[Patient]:
        return self._clinic.patients.list(self.access("view_patient_info"), search=search,
                                          limit=100).patients

    def register_patient(self, *, name: str, date_of_birth: date,
                         email: str | None = None) -> PatientRegistered:
        body = PatientCreate(name=name, date_of_birth=date_of_birth, email=email)
        return self._clinic.patients.register(self.access("manage_patients"), body)

    def day(self, *, provider_id: str, day: date) -> DeskDay:
        access = self.access("manage_appointments")
        free = self._clinic.scheduling.find_slots(access, provider_id=provider_id, day=day)
        booked = self._clinic.scheduling.list(access, provider_id=provider_id, day=day,
                                              limit=100).appointments
        return DeskDay(free, tuple(sorted(booked, key=lambda a: a.scheduled_at)))

    def week(self, *, provider_id: str, start: date) -> tuple[DeskDay, ...]:
        """Seven days from `start` (the desk shows the week of the chosen day)."""
        return tuple(self.day(provider_id=provider_id, day=start + timedelta(days=i))
                     for i in range(7))

    def book(self, *, provider_id: str, patient_id: str, starts_at: datetime) -> Appointment:
        return self._clinic.scheduling.book(
            self.access("manage_appointments"),
            Booking(provider_id=provider_id, patient_id=patient_id, scheduled_at=starts_at))

    def reschedule(self, appointment_id: str, starts_at: datetime) -> Appointment:
        return self._clinic.scheduling.update(self.access("manage_appointments"),
                                              appointment_id,
                                              AppointmentUpdate(scheduled_at=starts_at))

    def act(self, appointment_id: str, action: str) -> Appointment:
        """check_in, complete, no_show or confirm (the service refuses a wrong step)."""
        access = self.access("manage_appointments")
        if action == "cancel":
            return self._clinic.scheduling.cancel(access, appointment_id,
                                                  cancelled_by="clinic")
        return self._clinic.scheduling.update(access, appointment_id,
                                              AppointmentUpdate(status=ACTIONS[action]))
