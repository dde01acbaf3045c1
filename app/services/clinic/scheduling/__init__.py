"""Scheduling: availability from rules and bookings, in the organization's time zone.

Service interface (`ctx.clinic.scheduling`, a `SchedulingService`; every call takes the
clinic `Access` of the request, checks patient scope and writes its audit rows):

- `find_slots(access, *, provider_id, day, duration=None, appointment_type=None)`
  -> `DayAvailability` (`available_slots` [FreeSlot: start_time/end_time local HH:MM,
  starts_at/ends_at UTC, duration, type], `booked_slots`). `day` is a local date.
- `hold(access, SlotRequest(patient_id, provider_id, scheduled_at, duration?,
  appointment_type?))` -> `Hold(id, expires_at, ...)`: the slot is taken from everyone
  else for `holdMinutes`.
- `book(access, Booking(...))` -> `Appointment`: a slot (patient_id, provider_id,
  scheduled_at, duration?, appointment_type?, reason, notes, priority, location,
  reminders) or `Booking(hold_id=...)` to confirm a live hold.
- `update(access, appointment_id, AppointmentUpdate(scheduled_at?/duration? to
  reschedule, status? along NEXT, details))` -> `Appointment`.
- `cancel(access, appointment_id, *, cancelled_by=None, reason=None)` -> `Appointment`
  (status cancelled, `cancelled_by` patient|clinic, `late` within lateCancelHours).
- `get(access, appointment_id)`, `list(access, *, patient_id, provider_id, day, status,
  page, limit)` -> `AppointmentPage`.
- `ctx.clinic.closures` (`ClosureService`): `add(access, ClosureInput)`,
  `list(access, start=, end=, provider_id=)`, `remove(access, closure_id)`.

Errors: `ValidationFailed` (400, field `scheduledAt` outside availability, unknown
`appointmentType`, ...), `Conflict` (409: taken for the provider or the patient,
forbidden transition naming both states, expired hold), `NotFound` (404).
`scheduled_at` values must be timezone-aware; results are UTC. `clock` is injectable
(`service.clock = ...`, anything with `now()`).

Modules: `engine` (pure: open time = provider hours ∩ business hours − closures; free
starts on the wall-time grid; why a start is refused), `localtime` (wall time, DST),
`spans` (interval algebra), `rules` (settings key ``scheduling``), `loading` (store ->
engine), `booking` (refusal -> 400/409), `service`, `closures`, `inputs`, `results`.
"""
