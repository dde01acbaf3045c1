"""The desktop's clinic desk: the clinic services, acting as the vault's owner.

The person at the desk is the vault's owner, who created the organization and is its
organization_owner; every call goes through the same services (and so the same
permission checks, tenant scoping and audit rows) as the /api/v1 routes, the
assistant's chat included (`ctx.assist.chat`, as POST /organizations/{id}/chat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.context import AppContext
from app.services.assist.results import ChatReply
from app.services.auth import Principal
from app.services.clinic.access import Access
from app.services.clinic.inputs import PatientCreate
from app.services.clinic.provider_results import Provider
from app.services.clinic.results import Organization, Patient, PatientRegistered
from app.services.clinic.scheduling.inputs import AppointmentUpdate, Booking, WaitlistInput
from app.services.clinic.scheduling.results import Appointment, DayAvailability, WaitlistEntry
from app.services.clinic_presence import has_desk
from app.services.errors import Conflict

ACTIONS = {"check_in": "checked_in", "complete": "completed", "no_show": "no_show",
           "confirm": "confirmed"}


@dataclass(frozen=True)
class DeskDay:
    availability: DayAvailability
    appointments: tuple[Appointment, ...]


class ClinicDesk:
    def __init__(self, ctx: AppContext, principal: Principal, organization: Organization):
        self._clinic = ctx.clinic
        self._ctx = ctx
        self.principal = principal
        self.organization = organization

    @classmethod
    def open(cls, ctx: AppContext) -> ClinicDesk | None:
        """The desk of the vault's first organization; None when there is none (or no
        owner account), and the desktop then shows no clinic tab."""
        owner = ctx.vault.users.owner()
        if owner is None or not has_desk(ctx.vault):  # before the services: they hash a
            return None  # password to build
        organizations = ctx.clinic.organizations.list_all()
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

    # --- the waitlist --------------------------------------------------------

    def waitlist(self) -> list[WaitlistEntry]:
        """Who waits, those a freed slot suits first (the desk offers them that slot)."""
        return self._clinic.waitlist.list(self.access("manage_appointments"), matches=True,
                                          limit=100).entries

    def add_to_waitlist(self, *, patient_id: str, provider_id: str | None,
                        window_start: datetime, window_end: datetime,
                        notes: str | None = None) -> WaitlistEntry:
        body = WaitlistInput(patient_id=patient_id, provider_id=provider_id,
                             window_start=window_start, window_end=window_end, notes=notes)
        return self._clinic.waitlist.add(self.access("manage_appointments"), body)

    def remove_from_waitlist(self, entry_id: str) -> None:
        self._clinic.waitlist.remove(self.access("manage_appointments"), entry_id)

    def book_freed_slot(self, entry: WaitlistEntry) -> Appointment:
        """The patient took the freed slot offered: book it for them, then they stop
        waiting. The scheduler decides as for any booking, so a slot taken meanwhile
        is a Conflict and the entry stays."""
        slot = entry.matched_slot
        if not slot:
            raise Conflict("no slot has freed up for this waitlist entry yet")
        starts = datetime.fromisoformat(str(slot["scheduledAt"]).replace("Z", "+00:00"))
        booked = self._clinic.scheduling.book(
            self.access("manage_appointments"),
            Booking(provider_id=str(slot["providerId"]), patient_id=entry.patient_id,
                    scheduled_at=starts, duration=slot.get("duration"),
                    appointment_type=slot.get("appointmentType")))
        self.remove_from_waitlist(entry.id)
        return booked

    # --- the assistant ---------------------------------------------------------

    def chat(self, message: str, *, conversation_id: str | None,
             patient_id: str | None) -> ChatReply:
        """One turn with the scheduling assistant, for the patient chosen at the desk.
        (Its parser brings dateparser and the engines, seconds of imports: loaded with
        the first message, not with the desk.)"""
        from app.services.assist.chat import ChatContext

        return self._ctx.assist.chat.reply(
            self.access("use_assistant"), message=message,
            context=ChatContext(patient_id=patient_id), conversation_id=conversation_id)
