"""SchedulingService: find slots, hold, book, reschedule, change status, cancel, read.

A booking is judged against the rules from the cached calendar first (`check_open`:
grid, past, open time; no statement), then taken inside `Vault.write()`, the vault's one
writer, by one statement that inserts (or moves) only when the time is free
(`storage.repos.scheduling.guard`): of twenty requests for one slot exactly one commits
and nineteen get Conflict. The confirmation number, the reminders and the audit row are
written in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.services.clinic.access import Access, AccessService, audit
from app.services.clinic.results import Pagination
from app.services.clinic.scheduling.booking import check_open, claim_of, need_for, refused
from app.services.clinic.scheduling.clock import Clock, SystemClock
from app.services.clinic.scheduling.engine import Need, free_slots
from app.services.clinic.scheduling.inputs import AppointmentUpdate, Booking, SlotRequest
from app.services.clinic.scheduling.loading import CalendarSource, OrgClock, blocked, provider_of
from app.services.clinic.scheduling.localtime import day_span, hhmm
from app.services.clinic.scheduling.results import (
    Appointment,
    AppointmentPage,
    BookedSlot,
    DayAvailability,
    FreeSlot,
    Hold,
)
from app.services.errors import Conflict, NotFound, ValidationFailed
from storage.repos.scheduling.guard import Claim
from storage.vault import Vault

if TYPE_CHECKING:
    from agents.events import EventBus

NEXT: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"confirmed", "cancelled", "no_show"}),
    "confirmed": frozenset({"checked_in", "cancelled", "no_show"}),
    "checked_in": frozenset({"completed"}),
}
MOVABLE = ("scheduled", "confirmed")
FREEING = ("cancelled", "no_show")  # statuses that give the time back (and tell the desk)


class SchedulingService:
    def __init__(self, vault: Vault, access: AccessService, clock: Clock | None = None,
                 bus: EventBus | None = None) -> None:
        self._vault = vault
        self._access = access
        self._bus = bus
        self.clock: Clock = clock or SystemClock()
        self.calendars = CalendarSource(vault)

    # --- finding ---------------------------------------------------------

    def find_slots(self, access: Access, *, provider_id: str, day: date,
                   duration: int | None = None,
                   appointment_type: str | None = None) -> DayAvailability:
        """The provider's free starts on local `day` and what is booked that day."""
        now = self.clock.now()
        org = self.calendars.organization(access.organization_id)
        provider_id = self.calendars.provider_id(org, provider_id)
        need = need_for(org, appointment_type, duration)
        kind = org.rules.appointment_type(appointment_type)
        whole = day_span(day, org.tz)
        with self._vault.clinic.read() as conn:
            taken = blocked(conn, self._vault, org, provider_id=provider_id, day=day, at=now)
            booked = self._vault.scheduling.appointments.blocking(
                conn, organization_id=org.organization_id, provider_id=provider_id,
                start=whole.start, end=whole.end)
        cal = self.calendars.calendar(org, provider_id=provider_id, day=day, blocked=taken)
        minutes = int(need.duration.total_seconds() // 60)
        free = [FreeSlot(start_time=hhmm(s.start, org.tz), end_time=hhmm(s.end, org.tz),
                         duration=minutes, type=kind.name if kind else "", starts_at=s.start,
                         ends_at=s.end) for s in free_slots(cal, day, need, now)]
        slots = [BookedSlot(start_time=hhmm(r["scheduled_at"], org.tz),
                            end_time=hhmm(r["ends_at"], org.tz), appointment_id=r["id"],
                            starts_at=r["scheduled_at"]) for r in booked
                 if whole.start <= r["scheduled_at"] < whole.end]
        return DayAvailability(provider_id=provider_id, date=day, timezone=org.tz.key,
                               duration=minutes, available_slots=free, booked_slots=slots)

    # --- holding and booking ---------------------------------------------

    def hold(self, access: Access, body: SlotRequest) -> Hold:
        """Keep a slot for one patient for `holdMinutes`; it blocks everyone else."""
        self._access.require_patient(access, body.patient_id, booking=True)
        now = self.clock.now()
        org, need, claim = self._judge(access, body, now)
        with self._vault.write() as conn:
            row = self._vault.scheduling.holds.add_if_free(
                conn, claim, patient_id=body.patient_id, provider_id=claim.provider_id,
                scheduled_at=claim.start, duration_minutes=_minutes(need.duration),
                appointment_type=(body.appointment_type or org.rules.default_type.name),
                block_start=claim.block_start, block_end=claim.block_end,
                expires_at=now + org.rules.hold, created_by=access.user_id)
            if row is None:
                raise refused(conn, self._vault, self.calendars, org, claim, need)
            audit(conn, self._vault, access, "appointment_hold.create",
                  resource_type="appointment_hold", resource_id=row["id"],
                  details={"patientId": body.patient_id})
        return Hold.of(row)

    def book(self, access: Access, body: Booking) -> Appointment:
        """A new appointment inside availability, or the confirmation of a live hold."""
        now = self.clock.now()
        store = self._vault.scheduling
        if not body.hold_id:  # a hold's slot is known once the hold is read
            slot = self._slot_of(body)
            self._access.require_patient(access, slot.patient_id, booking=True)
            judged = self._judge(access, slot, now)
        with self._vault.write() as conn:
            if body.hold_id:
                slot = self._live_hold(conn, access, body, now)
                judged = self._judge(access, slot, now, skip_hold=body.hold_id)
                store.holds.release(conn, organization_id=access.organization_id,
                                    hold_id=body.hold_id, at=now)
            org, need, claim = judged
            year = now.astimezone(org.tz).year
            number = self._vault.clinic.organizations.next_number(
                conn, organization_id=org.organization_id, name=f"confirmation:{year}")
            reminders = body.reminders.model_dump(by_alias=True) if body.reminders else None
            row = store.appointments.add_if_free(
                conn, claim, patient_id=slot.patient_id, provider_id=claim.provider_id,
                scheduled_at=claim.start, ends_at=claim.end,
                duration_minutes=_minutes(need.duration),
                appointment_type=slot.appointment_type or org.rules.default_type.name,
                status="scheduled", reason=body.reason, notes=body.notes,
                block_start=claim.block_start, block_end=claim.block_end,
                buffer_before_minutes=_minutes(need.before),
                buffer_after_minutes=_minutes(need.after),
                confirmation_number=f"CONF-{year}-{number:03d}", priority=body.priority,
                location=body.location.model_dump(by_alias=True) if body.location else None,
                reminders=reminders, hold_id=body.hold_id, created_by=access.user_id)
            if row is None:  # the transaction rolls back: the number is given back
                raise refused(conn, self._vault, self.calendars, org, claim, need)
            if body.reminders:
                channels = [c for c in ("email", "sms") if getattr(body.reminders, c)]
                store.reminders.add(conn, organization_id=org.organization_id,
                                    appointment_id=row["id"], channels=channels,
                                    minutes_before=body.reminders.time_before,
                                    starts_at=claim.start)
            audit(conn, self._vault, access, "appointment.create", resource_type="appointment",
                  resource_id=row["id"], details={"patientId": slot.patient_id})
        return Appointment.of(row)

    # --- changing ----------------------------------------------------------

    def update(self, access: Access, appointment_id: str, body: AppointmentUpdate) -> Appointment:
        """Reschedule (the old time is freed in the same transaction), change status
        along the allowed transitions, or change details."""
        now = self.clock.now()
        store = self._vault.scheduling
        oid = access.organization_id
        with self._vault.write() as conn:
            row = self._appointment(conn, access, appointment_id, booking=True)
            changes: dict[str, Any] = body.details()
            if body.status is not None and body.status != row["status"]:
                self._check_transition(row["status"], body.status)
                changes["status"] = body.status
                if body.status == "cancelled":
                    changes.update(self._cancellation(conn, access, row, now,
                                                      by=None, reason=body.cancel_reason))
            if body.scheduled_at is not None or body.duration is not None:
                if row["status"] not in MOVABLE:
                    raise Conflict(f"a {row['status']} appointment cannot be rescheduled "
                                   f"(only scheduled or confirmed ones)")
                slot = SlotRequest(patient_id=row["patient_id"], provider_id=row["provider_id"],
                                   scheduled_at=body.scheduled_at or row["scheduled_at"],
                                   duration=body.duration or row["duration_minutes"],
                                   appointment_type=row["appointment_type"])
                org, need, claim = self._judge(access, slot, now,
                                               skip_appointment=appointment_id)
                written = store.appointments.move_if_free(
                    conn, claim, appointment_id=appointment_id, **changes,
                    scheduled_at=claim.start, ends_at=claim.end,
                    duration_minutes=_minutes(need.duration), block_start=claim.block_start,
                    block_end=claim.block_end)
                if written is None:
                    raise refused(conn, self._vault, self.calendars, org, claim, need)
                if row["reminders"]:
                    store.reminders.move(conn, organization_id=oid,
                                         appointment_id=appointment_id, starts_at=claim.start)
            else:
                written = store.appointments.update(conn, organization_id=oid,
                                                    appointment_id=appointment_id, **changes)
            freed = None
            if "scheduled_at" in written or written.get("status") in FREEING:
                freed = self._freed(conn, access, row, now)
            audit(conn, self._vault, access, "appointment.update", resource_type="appointment",
                  resource_id=appointment_id,
                  details={"fields": sorted(set(written) - {"updated_at"})})
        self._publish(freed)
        return Appointment.of({**row, **written})

    def cancel(self, access: Access, appointment_id: str, *, cancelled_by: str | None = None,
               reason: str | None = None) -> Appointment:
        """Cancel: the record stays, with who cancelled, why and whether it was late."""
        now = self.clock.now()
        store = self._vault.scheduling
        with self._vault.write() as conn:
            row = self._appointment(conn, access, appointment_id, booking=True)
            self._check_transition(row["status"], "cancelled")
            written = store.appointments.update(
                conn, organization_id=access.organization_id, appointment_id=appointment_id,
                status="cancelled", **self._cancellation(conn, access, row, now,
                                                         by=cancelled_by, reason=reason))
            audit(conn, self._vault, access, "appointment.cancel", resource_type="appointment",
                  resource_id=appointment_id, details={"late": written["late_cancel"]})
            freed = self._freed(conn, access, row, now)
        self._publish(freed)
        return Appointment.of({**row, **written})

    # --- reading -----------------------------------------------------------

    def get(self, access: Access, appointment_id: str) -> Appointment:
        with self._vault.write() as conn:
            row = self._appointment(conn, access, appointment_id)
            audit(conn, self._vault, access, "appointment.read", resource_type="appointment",
                  resource_id=appointment_id)
        return Appointment.of(row)

    def list(self, access: Access, *, patient_id: str | None = None,
             provider_id: str | None = None, day: date | None = None,
             status: str | None = None, page: int = 1, limit: int = 20) -> AppointmentPage:
        patient_ids = None if access.patient_ids is None else sorted(access.patient_ids)
        if patient_id is not None:
            patient_ids = [patient_id] if access.sees_patient(patient_id) else []
        org = self.calendars.organization(access.organization_id)
        if provider_id is not None:  # an unknown one matches nothing
            with self._vault.clinic.read() as conn:
                provider_id = provider_of(conn, self._vault, org.organization_id,
                                          provider_id) or provider_id
        with self._vault.write() as conn:
            start = end = None
            if day is not None:
                whole = day_span(day, org.tz)
                start, end = whole.start, whole.end
            rows, total = self._vault.scheduling.appointments.list(
                conn, organization_id=access.organization_id, patient_ids=patient_ids,
                provider_id=provider_id, start=start, end=end, status=status, page=page,
                limit=limit)
            audit(conn, self._vault, access, "appointment.list", resource_type="appointment",
                  details={"count": len(rows)})
        return AppointmentPage(appointments=[Appointment.of(r) for r in rows],
                               pagination=Pagination.of(page=page, limit=limit, total=total))

    # --- helpers -------------------------------------------------------------

    def _freed(self, conn: Any, access: Access, row: dict[str, Any],
               now: datetime) -> dict[str, Any]:
        """Mark the waitlist entries the freed slot suits; the event to publish."""
        start = row["scheduled_at"].astimezone(UTC)
        slot = {"providerId": row["provider_id"],
                "scheduledAt": start.isoformat().replace("+00:00", "Z"),
                "duration": row["duration_minutes"],
                "appointmentType": row["appointment_type"]}
        suited = self._vault.scheduling.waitlist.match(
            conn, organization_id=access.organization_id, provider_id=row["provider_id"],
            start=start, appointment_type=row["appointment_type"], slot=slot, at=now)
        return {"type": "slot_freed", "organization_id": access.organization_id,
                "data": {**slot, "waitlistEntryIds": suited}}

    def _publish(self, event: dict[str, Any] | None) -> None:
        """After the commit: the desk hears of a freed slot (and who may want it)."""
        if event is not None and self._bus is not None:
            self._bus.publish(event)

    @staticmethod
    def _check_transition(old: str, new: str) -> None:
        if new not in NEXT.get(old, frozenset()):
            raise Conflict(f"an appointment cannot go from {old} to {new}",
                           [{"field": "status", "message": f"{old} -> {new} is not allowed"}])

    def _cancellation(self, conn: Any, access: Access, row: dict[str, Any], now: datetime, *,
                      by: str | None, reason: str | None) -> dict[str, Any]:
        self._vault.scheduling.reminders.cancel(conn, organization_id=access.organization_id,
                                                appointment_id=row["id"])
        org = self.calendars.organization(access.organization_id)
        who = by or ("patient" if access.role in ("patient", "caregiver") else "clinic")
        late = row["scheduled_at"] - now < org.rules.late_cancel
        return {"cancelled_at": now, "cancelled_by": who, "cancel_reason": reason,
                "late_cancel": bool(late)}

    @staticmethod
    def _slot_of(body: Booking) -> SlotRequest:
        missing = [f for f in ("patientId", "providerId", "scheduledAt")
                   if getattr(body, {"patientId": "patient_id", "providerId": "provider_id",
                                     "scheduledAt": "scheduled_at"}[f]) is None]
        if missing:
            raise ValidationFailed("a booking needs a slot or a holdId",
                                   [{"field": f, "message": "required without holdId"}
                                    for f in missing])
        return SlotRequest(patient_id=body.patient_id, provider_id=body.provider_id,
                           scheduled_at=body.scheduled_at, duration=body.duration,
                           appointment_type=body.appointment_type)

    def _live_hold(self, conn: Any, access: Access, body: Booking, now: datetime) -> SlotRequest:
        hold = self._vault.scheduling.holds.get(conn, organization_id=access.organization_id,
                                                hold_id=body.hold_id or "")
        if hold is None or not access.books_for(hold["patient_id"]):
            raise ValidationFailed("no such hold", [{"field": "holdId", "message": "not found"}])
        if hold["released_at"] is not None or hold["expires_at"] <= now:
            raise Conflict("the hold has expired or was already used",
                           [{"field": "holdId", "message": "expired"}])
        if body.patient_id and body.patient_id != hold["patient_id"]:
            raise ValidationFailed("the hold is for another patient",
                                   [{"field": "patientId", "message": "differs from the hold"}])
        return SlotRequest(patient_id=hold["patient_id"], provider_id=hold["provider_id"],
                           scheduled_at=hold["scheduled_at"], duration=hold["duration_minutes"],
                           appointment_type=hold["appointment_type"])

    def _appointment(self, conn: Any, access: Access, appointment_id: str, *,
                     booking: bool = False) -> dict[str, Any]:
        row = self._vault.scheduling.appointments.get(
            conn, organization_id=access.organization_id, appointment_id=appointment_id)
        allowed = row is not None and (access.books_for(row["patient_id"]) if booking
                                       else access.sees_patient(row["patient_id"]))
        if row is None or not allowed:
            raise NotFound(f"no appointment {appointment_id}")
        return row

    def _judge(self, access: Access, slot: SlotRequest, now: datetime, *,
               skip_appointment: str | None = None,
               skip_hold: str | None = None) -> tuple[OrgClock, Need, Claim]:
        """The slot checked against the rules (no statement: the cached calendar) and the
        claim its write is guarded by."""
        org = self.calendars.organization(access.organization_id)
        provider_id = self.calendars.provider_id(org, slot.provider_id)  # NotFound first
        need = need_for(org, slot.appointment_type, slot.duration)
        start = slot.scheduled_at.astimezone(UTC)
        check_open(self.calendars, org, provider_id=provider_id, start=start, need=need,
                   now=now)
        return org, need, claim_of(org, provider_id=provider_id,
                                   patient_id=slot.patient_id, start=start, need=need,
                                   now=now, skip_appointment=skip_appointment,
                                   skip_hold=skip_hold)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
