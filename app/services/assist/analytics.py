"""Organization analytics over a period, from facts (see facts.py).

Definitions (each a count the caller can redo by hand):
- appointments: every appointment scheduled in the period, by status; `total` counts
  every status, as the document's example does; completionRate = completed / total.
- patients: those with an appointment in the period that was not cancelled; `new` when
  their first such appointment ever falls in the period, else `returning`.
- providers: utilizationRate = booked minutes (appointments not cancelled) / open
  minutes (provider hours within business hours, less closures) over the period;
  averageAppointmentsPerDay = appointments not cancelled / days the clinic was open.
- revenue: only when fees per appointment type are configured; completed appointments
  times their fee, split by whether the patient has insurance on file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from app.services.assist.facts import PatientFacts, Period, ProviderTime, Visit
from app.services.assist.results import (
    Analytics,
    AppointmentCounts,
    Metrics,
    PatientCounts,
    ProviderUse,
    Revenue,
)

STATUSES = ("scheduled", "confirmed", "checked_in", "completed", "cancelled", "no_show")


def _rate(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def analytics(period: Period, visits: Sequence[Visit], providers: Sequence[ProviderTime],
              patients: Mapping[str, PatientFacts],
              fees: Mapping[str, float] | None) -> Analytics:
    inside = [v for v in visits if period.holds(v.day)]
    by_status = Counter(v.status for v in inside)
    appointments = AppointmentCounts(
        total=len(inside), **{status: by_status.get(status, 0) for status in STATUSES},
        completion_rate=_rate(by_status.get("completed", 0), len(inside)))

    kept = [v for v in inside if v.status != "cancelled"]
    seen = {v.patient_id for v in kept}
    new = sum(1 for pid in seen if (p := patients.get(pid)) is not None
              and p.first_visit is not None and period.holds(p.first_visit))
    open_days = {day for p in providers for day, minutes in p.open_minutes.items()
                 if minutes > 0 and period.holds(day)}
    available = sum(m for p in providers for d, m in p.open_minutes.items() if period.holds(d))
    booked = sum(v.duration for v in kept)
    metrics = Metrics(
        appointments=appointments,
        patients=PatientCounts(new=new, returning=len(seen) - new, total=len(seen)),
        providers=ProviderUse(
            utilization_rate=_rate(booked, available), booked_minutes=booked,
            available_minutes=available,
            average_appointments_per_day=round(len(kept) / len(open_days), 1)
            if open_days else 0.0),
        revenue=revenue(inside, patients, fees) if fees else None)
    return Analytics(period=period.name, start_date=period.start, end_date=period.end,
                     metrics=metrics)


def revenue(visits: Sequence[Visit], patients: Mapping[str, PatientFacts],
            fees: Mapping[str, float]) -> Revenue:
    insurance = self_pay = 0.0
    for visit in visits:
        fee = fees.get(visit.appointment_type or "", fees.get("default"))
        if visit.status != "completed" or fee is None:
            continue
        patient = patients.get(visit.patient_id)
        if patient is not None and patient.insured:
            insurance += fee
        else:
            self_pay += fee
    return Revenue(total=round(insurance + self_pay, 2), insurance=round(insurance, 2),
                   self_pay=round(self_pay, 2))
