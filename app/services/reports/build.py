"""The three report types from facts: which rows, which summary, which chart.

appointment_summary: one row per appointment in the period (chart: count by status).
provider_utilization: one row per provider (booked / open minutes; chart: rate).
patient_demographics: one row per patient seen in the period (chart: by age band).
Filters narrow to a department (in any letter case) or a provider before anything is
counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from app.services.assist.facts import PatientFacts, Period, ProviderTime, Visit
from app.services.reports.model import Chart, Report

AGE_BANDS = ((0, 17, "0-17"), (18, 34, "18-34"), (35, 49, "35-49"), (50, 64, "50-64"),
             (65, 200, "65+"))


def build(kind: str, *, organization: str, period: Period, visits: Sequence[Visit],
          providers: Sequence[ProviderTime], patients: Mapping[str, PatientFacts],
          department: str | None = None, provider_id: str | None = None) -> Report:
    def chosen(dept: str | None, pid: str) -> bool:
        return ((department is None or (dept or "").casefold() == department.casefold())
                and (provider_id is None or pid == provider_id))

    visits = [v for v in visits if period.holds(v.day) and chosen(v.department, v.provider_id)]
    providers = [p for p in providers if chosen(p.department, p.provider_id)]
    builder = {"appointment_summary": _appointments, "provider_utilization": _utilization,
               "patient_demographics": _demographics}[kind]
    return builder(organization, period, visits, providers, patients)


def _appointments(org: str, period: Period, visits: Sequence[Visit],
                  providers: Sequence[ProviderTime],
                  patients: Mapping[str, PatientFacts]) -> Report:
    del providers, patients
    ordered = sorted(visits, key=lambda v: v.scheduled_at)
    counts = Counter(v.status for v in ordered)
    rows = tuple((v.day.isoformat(), v.time, v.provider_name, v.patient_mrn, v.appointment_type,
                  v.duration, v.status, v.confirmation_number) for v in ordered)
    return Report("appointment_summary", "Appointment summary", org, period.start, period.end,
                  ("date", "time", "provider", "patientMrn", "appointmentType", "duration",
                   "status", "confirmationNumber"), rows,
                  (("Appointments", len(ordered)),
                   *((status, counts[status]) for status in sorted(counts))),
                  Chart("Appointments by status", tuple(sorted(counts)),
                        tuple(float(counts[s]) for s in sorted(counts))))


def _utilization(org: str, period: Period, visits: Sequence[Visit],
                 providers: Sequence[ProviderTime],
                 patients: Mapping[str, PatientFacts]) -> Report:
    del patients
    rows = []
    for p in sorted(providers, key=lambda p: p.name):
        kept = [v for v in visits if v.provider_id == p.provider_id and v.status != "cancelled"]
        booked = sum(v.duration for v in kept)
        available = sum(m for d, m in p.open_minutes.items() if period.holds(d))
        rate = round(100.0 * booked / available, 1) if available else 0.0
        rows.append((p.name, p.department, len(kept), booked, available, rate))
    booked_all = sum(r[3] for r in rows)
    available_all = sum(r[4] for r in rows)
    return Report("provider_utilization", "Provider utilization", org, period.start, period.end,
                  ("provider", "department", "appointments", "bookedMinutes",
                   "availableMinutes", "utilizationRate"), tuple(rows),
                  (("Providers", len(rows)), ("Booked minutes", booked_all),
                   ("Available minutes", available_all),
                   ("Utilization %", round(100.0 * booked_all / available_all, 1)
                    if available_all else 0.0)),
                  Chart("Utilization by provider", tuple(r[0] for r in rows),
                        tuple(float(r[5]) for r in rows), "%"))


def _demographics(org: str, period: Period, visits: Sequence[Visit],
                  providers: Sequence[ProviderTime],
                  patients: Mapping[str, PatientFacts]) -> Report:
    del providers
    seen = sorted({v.patient_id for v in visits if v.status != "cancelled"})
    rows = []
    for pid in seen:
        p = patients.get(pid)
        if p is None:
            continue
        age = _age(p.date_of_birth, period.end)
        visits_of = sum(1 for v in visits if v.patient_id == pid and v.status != "cancelled")
        rows.append((p.mrn, age, _band(age), p.gender, "insured" if p.insured else "self-pay",
                     "new" if p.first_visit and period.holds(p.first_visit) else "returning",
                     visits_of))
    bands = Counter(r[2] for r in rows)
    labels = tuple(label for _, _, label in AGE_BANDS) + (("unknown",) if bands["unknown"]
                                                          else ())
    genders = Counter(r[3] or "unknown" for r in rows)
    return Report("patient_demographics", "Patient demographics", org, period.start, period.end,
                  ("patientMrn", "age", "ageBand", "gender", "coverage", "status",
                   "appointments"), tuple(rows),
                  (("Patients", len(rows)),
                   *((f"Gender {g}", genders[g]) for g in sorted(genders))),
                  Chart("Patients by age band", labels, tuple(float(bands[b]) for b in labels)))


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)
