"""The chat's steps against the scheduler: offer slots, hold a chosen one, ask, act.

Nothing is booked, moved or cancelled here without a pending action the person said
yes to (`answer_pending`). Who may book for whom is the scheduler's and the access
service's decision (a caregiver needs an authorization in force that allows booking).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from app.services.assist.chat_state import ChatState, Offer, Pending
from app.services.assist.results import ChatAction
from app.services.assist.understanding import ClockTime, Understanding
from app.services.clinic.scheduling.inputs import AppointmentUpdate, Booking, SlotRequest
from app.services.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from app.services.assist.parser import Parser
    from app.services.clinic import ClinicServices
    from app.services.clinic.access import Access
    from app.services.clinic.scheduling.results import Appointment

LOOKAHEAD_DAYS = 14
PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
LIVE = ("scheduled", "confirmed")
URGENT = ("urgent", "emergency")
Answer = tuple[str, list[ChatAction]]


def _day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


class Flow:
    def __init__(self, clinic: ClinicServices, access: Access, state: ChatState,
                 parser: Parser, now: datetime) -> None:
        self.clinic, self.access, self.state, self.parser, self.now = (clinic, access, state,
                                                                       parser, now)
        self.names = {p.id: p.name for p in parser.providers}

    # --- offering ----------------------------------------------------------

    def offer(self, said: Understanding, preferred: date | None, *, booking: bool) -> Answer:
        state, e = self.state, said.entities
        if booking or state.purpose == "reschedule":
            problem = self._may_book()
            if problem:
                return problem, []
        if e.provider_candidates:
            names = " or ".join(p.name for p in e.provider_candidates)
            return f"Did you mean {names}?", []
        if e.provider is not None:
            state.provider_id = e.provider.id
        if state.provider_id is None:
            names = ", ".join(self.names.values()) or "no providers yet"
            return f"Which provider would you like to see? We have {names}.", []
        day = e.date or preferred or state.day
        if day is None and state.urgency in URGENT:
            day = self.now.astimezone(self.parser.zone).date()  # the soonest open time
        if day is None:
            return f"What day would you like to see {self.names[state.provider_id]}?", []
        first, slots = self._slots(state.provider_id, day, e.part_of_day)
        if not slots:
            return (f"{self.names[state.provider_id]} has no open times in the next "
                    f"{LOOKAHEAD_DAYS} days from {_day(day)}.", [])
        state.day = first
        state.offer = Offer(provider_id=state.provider_id,
                            provider_name=self.names[state.provider_id], day=first,
                            slots=tuple(slots))
        if e.time is not None:
            return self.choose(e.time)
        labels = [label for label, _ in slots]
        moved = "" if first == day else f"nothing on {_day(day)}; "
        verb = "move it to" if state.purpose == "reschedule" else "book"
        text = (f"{moved}{self.names[state.provider_id]} has these times on {_day(first)}: "
                f"{', '.join(labels[:8])}{' and more' if len(labels) > 8 else ''}. "
                f"Which one should I {verb}?")
        kind = "reschedule_appointment" if state.purpose == "reschedule" else "book_appointment"
        return text[0].upper() + text[1:], [ChatAction(
            type=kind, provider_id=state.provider_id, date=first.isoformat(),
            available_slots=labels, appointment_id=state.appointment_id)]

    def _slots(self, provider_id: str, day: date,
               part: str | None) -> tuple[date, list[tuple[str, datetime]]]:
        low, high = PARTS.get(part or "", (0, 24))
        for offset in range(LOOKAHEAD_DAYS + 1):
            when = day + timedelta(days=offset)
            found = self.clinic.scheduling.find_slots(
                self.access, provider_id=provider_id, day=when,
                appointment_type=self.state.appointment_type)
            slots = [(s.start_time, s.starts_at) for s in found.available_slots
                     if low <= int(s.start_time[:2]) < high]
            if slots:
                return when, slots
        return day, []

    # --- choosing a time ---------------------------------------------------

    def choose(self, clock: ClockTime) -> Answer:
        state, offer = self.state, self.state.offer
        assert offer is not None
        picked = [(label, at) for label, at in offer.slots if clock.matches(label)]
        if not picked:
            labels = ", ".join(label for label, _ in offer.slots[:8])
            return f"{clock.label()} is not open on {_day(offer.day)}; open times: {labels}.", []
        label, at = picked[0]
        where = f"{label} on {_day(offer.day)} with {offer.provider_name}"
        if state.purpose == "reschedule":
            state.pending = Pending(kind="reschedule", summary=f"moved to {where}",
                                    appointment_id=state.appointment_id, scheduled_at=at)
            return f"Shall I move your appointment to {where}? Please say yes to confirm.", [
                ChatAction(type="confirm_reschedule", appointment_id=state.appointment_id,
                           provider_id=offer.provider_id, scheduled_at=at)]
        try:
            hold = self.clinic.scheduling.hold(self.access, SlotRequest(
                patient_id=str(state.patient_id), provider_id=offer.provider_id,
                scheduled_at=at, appointment_type=state.appointment_type))
        except (Conflict, ValidationFailed):
            state.offer = None
            return f"Sorry, {label} was just taken. Shall I look for another time?", []
        state.pending = Pending(kind="book", summary=f"booked for {where}", hold_id=hold.id,
                                scheduled_at=at, expires_at=hold.expires_at,
                                provider_id=offer.provider_id)
        until = hold.expires_at.astimezone(self.parser.zone)
        return (f"I'm holding {where} for you until {until:%H:%M}. Shall I book it? "
                "Please say yes to confirm."), [
            ChatAction(type="confirm_booking", hold_id=hold.id, provider_id=offer.provider_id,
                       scheduled_at=at, expires_at=hold.expires_at)]

    # --- the yes or no -------------------------------------------------------

    def answer_pending(self, yes: bool) -> Answer:
        state, pending = self.state, self.state.pending
        assert pending is not None
        state.pending = state.offer = None
        if not yes:
            state.purpose = "book"
            return "All right, I have not changed anything. What else can I do?", []
        scheduling = self.clinic.scheduling
        if pending.kind == "book":
            done = scheduling.book(self.access, Booking(
                hold_id=pending.hold_id, reason=state.reason,
                priority=state.urgency or "routine"))
        elif pending.kind == "reschedule":
            done = scheduling.update(self.access, str(pending.appointment_id),
                                     AppointmentUpdate(scheduled_at=pending.scheduled_at))
        else:
            by = "patient" if self.access.role in ("patient", "caregiver") else "clinic"
            done = scheduling.cancel(self.access, str(pending.appointment_id), cancelled_by=by)
        state.purpose, state.appointment_id = "book", None
        state.appointment_type = state.reason = None  # they were this appointment's
        number = f" Your confirmation number is {done.confirmation_number}." if (
            pending.kind != "cancel" and done.confirmation_number) else ""
        return f"Done: your appointment is {pending.summary}.{number}", [ChatAction(
            type={"book": "appointment_booked", "reschedule": "appointment_rescheduled",
                  "cancel": "appointment_cancelled"}[pending.kind], appointment_id=done.id,
            provider_id=done.provider_id, scheduled_at=done.scheduled_at,
            confirmation_number=done.confirmation_number)]

    # --- reschedule and cancel -------------------------------------------------

    def reschedule(self, said: Understanding, preferred: date | None) -> Answer:
        state = self.state
        if state.purpose != "reschedule" or state.appointment_id is None:
            target = self._target(said, match_day=False)
            if isinstance(target, str):
                return target, []
            state.purpose, state.appointment_id = "reschedule", target.id
            state.provider_id, state.offer = target.provider_id, None
        if said.entities.date is None and preferred is None and said.entities.time is None:
            return "What day would you like instead?", []
        if said.entities.date is None and preferred is None:
            state.day = None
            return "Which day would you like to move it to?", []
        return self.offer(said, preferred, booking=False)

    def cancel(self, said: Understanding) -> Answer:
        target = self._target(said, match_day=True)
        if isinstance(target, str):
            return target, []
        local = target.scheduled_at.astimezone(self.parser.zone)
        where = f"{local:%H:%M} on {_day(local.date())} with {self.names.get(target.provider_id)}"
        self.state.pending = Pending(kind="cancel", summary=f"cancelled ({where})",
                                     appointment_id=target.id)
        return f"Shall I cancel your appointment at {where}? Please say yes to confirm.", [
            ChatAction(type="cancel_appointment", appointment_id=target.id,
                       provider_id=target.provider_id, scheduled_at=target.scheduled_at)]

    def _target(self, said: Understanding, *, match_day: bool) -> Appointment | str:
        problem = self._may_book()
        if problem:
            return problem
        page = self.clinic.scheduling.list(self.access, patient_id=self.state.patient_id,
                                           limit=100)
        e = said.entities
        upcoming = sorted((a for a in page.appointments if a.status in LIVE
                           and a.scheduled_at > self.now
                           and (e.provider is None or a.provider_id == e.provider.id)
                           and (not match_day or e.date is None
                                or a.scheduled_at.astimezone(self.parser.zone).date() == e.date)),
                          key=lambda a: a.scheduled_at)
        if not upcoming:
            return "I could not find an upcoming appointment to change."
        return upcoming[0]

    def _may_book(self) -> str | None:
        if self.state.patient_id is None:
            return "Which patient is this for? Send their patientId in the context."
        if not self.access.may("manage_appointments"):
            self.clinic.access.deny(self.access, "your role may not book appointments")
        self.clinic.access.require_patient(self.access, self.state.patient_id, booking=True)
        return None
