"""SchedulingService: find slots, hold, book, reschedule, change status, cancel, read.

A booking is judged against the rules from the cached calendar first (`check_open`:
grid, past, open time; no statement), then taken under the vault's one writer: what
stands in the way now is asked (`storage.repos.scheduling.guard.taken`; for the new
bookings of a group in one statement) and the appointment is written in the same
transaction only when nothing does, so of twenty requests for one slot exactly one
commits and nineteen get Conflict. The confirmation
number, the reminders and the audit row are written in the same transaction.

Writes go through a group commit (`storage.repos.scheduling.group`): concurrent
requests share one writer transaction and one commit, and each gets its answer once it
is committed. Every write here is a job that refuses before its first write, so a
refused booking leaves the others of its group alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.clinic.access import Access, AccessService, audit
from app.services.clinic.results import Pagination
from app.services.clinic.scheduling.booking import check_open, claim_of, need_for, refusal_of
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
from app.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from storage.repos.scheduling.group import GroupWriter
from storage.repos.scheduling.guard import Claim, taken
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
    def __init__(self, vault: Vault, access: AccessService, writes: GroupWriter,
                 clock: Clock | None = None, bus: EventBus | None = None) -> None:
        self._vault = vault
        self._access = access
        self._bus = bus
        self.clock: Clock = clock or SystemClock()
        self.calendars = CalendarSource(vault)
        self._writes = writes

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

        def write(conn: sa.Connection) -> dict[str, Any]:
            self._take(conn, claim)
            row = self._vault.scheduling.holds.add(
                conn, claim, patient_id=body.patient_id, provider_id=claim.provider_id,
                scheduled_at=claim.start, duration_minutes=_minutes(need.duration),
                appointment_type=(body.appointment_type or org.rules.default_type.name),
                block_start=claim.block_start, block_end=claim.block_end,
                expires_at=now + org.rules.hold, created_by=access.user_id)
            audit(conn, self._vault, access, "appointment_hold.create",
                  resource_type="appointment_hold", resource_id=row["id"],
                  details={"patientId": body.patient_id})
            return row

        return Hold.of(self._writes.run(write))

    def book(self, access: Access, body: Booking) -> Appointment:
        """A new appointment inside availability, or the confirmation of a live hold."""
        now = self.clock.now()
        store = self._vault.scheduling
        known = None  # a hold's slot is known once the hold is read
        if not body.hold_id:
            slot = self._slot_of(body)
            self._access.require_patient(access, slot.patient_id, booking=True)
            judged = self._judge(access, slot, now)
            known = judged[2]  # checked with the claims of its group (GroupWriter)

        def write(conn: sa.Connection) -> dict[str, Any]:
            if body.hold_id:
                held = self._live_hold(conn, access, body, now)
                org, need, claim = self._judge(access, held, now, skip_hold=body.hold_id)
            else:
                held, (org, need, claim) = slot, judged
            self._take(conn, claim)  # refused: nothing is written
            if body.hold_id:
                store.holds.release(conn, organization_id=access.organization_id,
                                    hold_id=body.hold_id, at=now)
            year = now.astimezone(org.tz).year
            number = self._vault.clinic.organizations.next_number(
                conn, organization_id=org.organization_id, name=f"confirmation:{year}")
            reminders = body.reminders.model_dump(by_alias=True) if body.reminders else None
            row = store.appointments.add(
                conn, claim, patient_id=held.patient_id, provider_id=claim.provider_id,
                scheduled_at=claim.start, ends_at=claim.end,
                duration_minutes=_minutes(need.duration),
                appointment_type=held.appointment_type or org.rules.default_type.name,
                status="scheduled", reason=body.reason, notes=body.notes,
                block_start=claim.block_start, block_end=claim.block_end,
                buffer_before_minutes=_minutes(need.before),
                buffer_after_minutes=_minutes(need.after),
                confirmation_number=f"CONF-{year}-{number:03d}", priority=body.priority,
                location=body.location.model_dump(by_alias=True) if body.location else None,
                reminders=reminders, hold_id=body.hold_id, created_by=access.user_id)
            if body.reminders:
                channels = [c for c in ("email", "sms") if getattr(body.reminders, c)]
                store.reminders.add(conn, organization_id=org.organization_id,
                                    appointment_id=row["id"], channels=channels,
                                    minutes_before=body.reminders.time_before,
                                    starts_at=claim.start)
            audit(conn, self._vault, access, "appointment.create", resource_type="appointment",
                  resource_id=row["id"], details={"patientId": held.patient_id})
            return row

        return Appointment.of(self._writes.run(write, claim=known))

    # --- changing ----------------------------------------------------------

    def update(self, access: Access, appointment_id: str, body: AppointmentUpdate) -> Appointment:
        """Reschedule (the old time is freed in the same transaction), change status
        along the allowed transitions, or change details. Every refusal comes before
        the first write."""
        now = self.clock.now()
        store = self._vault.scheduling
        oid = access.organization_id
        moving = body.scheduled_at is not None or body.duration is not None
        expected = None
        if moving:
            with self._vault.clinic.read() as conn:
                before = store.appointments.get(conn, organization_id=oid,
                                                appointment_id=appointment_id)
            expected = self._move_claim(access, before, body, now)

        def write(conn: sa.Connection) -> tuple[dict[str, Any], dict[str, Any] | None]:
            row = self._appointment(conn, access, appointment_id, booking=True)
            changes: dict[str, Any] = body.details()
            cancelling = body.status == "cancelled" and row["status"] != "cancelled"
            if body.status is not None and body.status != row["status"]:
                self._check_transition(row["status"], body.status)
                changes["status"] = body.status
                if cancelling:
                    changes.update(self._cancellation(access, row, now, by=None,
                                                      reason=body.cancel_reason))
            claim = None
            if moving:
                if row["status"] not in MOVABLE:
                    raise Conflict(f"a {row['status']} appointment cannot be rescheduled "
                                   f"(only scheduled or confirmed ones)")
                _, need, claim = self._judge(access, self._move_of(row, body), now,
                                             skip_appointment=appointment_id)
                self._take(conn, claim)
                changes.update(scheduled_at=claim.start, ends_at=claim.end,
                               duration_minutes=_minutes(need.duration),
                               block_start=claim.block_start, block_end=claim.block_end)
            if cancelling and row["reminders"]:  # reminders are kept only when asked for
                store.reminders.cancel(conn, organization_id=oid, appointment_id=row["id"])
            written = store.appointments.update(conn, organization_id=oid,
                                                appointment_id=appointment_id, **changes)
            if claim is not None and row["reminders"]:
                store.reminders.move(conn, organization_id=oid,
                                     appointment_id=appointment_id, starts_at=claim.start)
            freed = None
            if "scheduled_at" in written or written.get("status") in FREEING:
                freed = self._freed(conn, access, row, now)
            audit(conn, self._vault, access, "appointment.update", resource_type="appointment",
                  resource_id=appointment_id,
                  details={"fields": sorted(set(written) - {"updated_at"})})
            return {**row, **written}, freed

        changed, freed = self._writes.run(write, claim=expected,
                                          appointment=(oid, appointment_id))
        self._publish(freed)
        return Appointment.of(changed)

    def cancel(self, access: Access, appointment_id: str, *, cancelled_by: str | None = None,
               reason: str | None = None) -> Appointment:
        """Cancel: the record stays, with who cancelled, why and whether it was late."""
        now = self.clock.now()
        store = self._vault.scheduling
        oid = access.organization_id

        def write(conn: sa.Connection) -> tuple[dict[str, Any], dict[str, Any]]:
            row = self._appointment(conn, access, appointment_id, booking=True)
            self._check_transition(row["status"], "cancelled")
            if row["reminders"]:  # reminders are kept only when asked for
                store.reminders.cancel(conn, organization_id=oid, appointment_id=row["id"])
            written = store.appointments.update(
                conn, organization_id=oid, appointment_id=appointment_id,
                status="cancelled", **self._cancellation(access, row, now, by=cancelled_by,
                                                         reason=reason))
            audit(conn, self._vault, access, "appointment.cancel", resource_type="appointment",
                  resource_id=appointment_id, details={"late": written["late_cancel"]})
            return {**row, **written}, self._freed(conn, access, row, now)

        cancelled, freed = self._writes.run(write, appointment=(oid, appointment_id))
        self._publish(freed)
        return Appointment.of(cancelled)

    # --- reading -----------------------------------------------------------
    # A read opens no writer transaction: it reads on a connection of its own, then its
    # audit row joins the next group commit; the answer waits for that commit, so no
    # read is answered whose audit row could still be lost.

    def get(self, access: Access, appointment_id: str) -> Appointment:
        with self._vault.clinic.read() as conn:
            row = self._appointment(conn, access, appointment_id)
        self._audited(access, "appointment.read", resource_id=appointment_id)
        return Appointment.of(row)

    def list(self, access: Access, *, patient_id: str | None = None,
             provider_id: str | None = None, day: date | None = None,
             status: str | None = None, page: int = 1, limit: int = 20) -> AppointmentPage:
        patient_ids = None if access.patient_ids is None else sorted(access.patient_ids)
        if patient_id is not None:
            patient_ids = [patient_id] if access.sees_patient(patient_id) else []
        org = self.calendars.organization(access.organization_id)
        start = end = None
        if day is not None:
            whole = day_span(day, org.tz)
            start, end = whole.start, whole.end
        with self._vault.clinic.read() as conn:
            if provider_id is not None:  # an unknown one matches nothing
                provider_id = provider_of(conn, self._vault, org.organization_id,
                                          provider_id) or provider_id
            rows, total = self._vault.scheduling.appointments.list(
                conn, organization_id=access.organization_id, patient_ids=patient_ids,
                provider_id=provider_id, start=start, end=end, status=status, page=page,
                limit=limit)
        self._audited(access, "appointment.list", details={"count": len(rows)})
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

    def _cancellation(self, access: Access, row: dict[str, Any], now: datetime, *,
                      by: str | None, reason: str | None) -> dict[str, Any]:
        org = self.calendars.organization(access.organization_id)
        who = by or ("patient" if access.role in ("patient", "caregiver") else "clinic")
        late = row["scheduled_at"] - now < org.rules.late_cancel
        return {"cancelled_at": now, "cancelled_by": who, "cancel_reason": reason,
                "late_cancel": bool(late)}

    @staticmethod
    def _take(conn: sa.Connection, claim: Claim) -> None:
        """Refuse, before anything is written, a claim whose time is not free now."""
        found = taken(conn, claim)
        if not found.free:
            raise refusal_of(found)

    def _audited(self, access: Access, action: str, *, resource_id: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        """A read's audit row, in the next group commit (durable when this returns)."""
        self._writes.run(lambda conn: audit(conn, self._vault, access, action,
                                            resource_type="appointment",
                                            resource_id=resource_id, details=details))

    @staticmethod
    def _move_of(row: dict[str, Any], body: AppointmentUpdate) -> SlotRequest:
        """The slot an appointment moves to (its own provider, patient and type)."""
        return SlotRequest(patient_id=row["patient_id"], provider_id=row["provider_id"],
                           scheduled_at=body.scheduled_at or row["scheduled_at"],
                           duration=body.duration or row["duration_minutes"],
                           appointment_type=row["appointment_type"])

    def _move_claim(self, access: Access, row: dict[str, Any] | None,
                    body: AppointmentUpdate, now: datetime) -> Claim | None:
        """The claim a move will make, judged from the row read before the writer, so that
        its group checks it with the others (GroupWriter). Under the writer the move is
        judged again from the row as it is then: an equal claim (the row unchanged) was
        checked with the group, another one is checked alone. None when the move will
        be refused anyway (the job gives the answer)."""
        if row is None or row["status"] not in MOVABLE or \
                not access.books_for(row["patient_id"]):
            return None
        try:
            return self._judge(access, self._move_of(row, body), now,
                               skip_appointment=row["id"])[2]
        except ServiceError:
            return None

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
