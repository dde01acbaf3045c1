"""Medication tools: the timeline (start, stop, dose changes) and a metric before vs after
a medication started (storage's vault.clinical and vault.measurements do the reading).

Sources repeat a prescription at every visit (Synthea writes one MedicationRequest per
encounter), so records are grouped by medication name: the first start is when it
began, a dose change is a record whose dose differs from the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import metric
from agents.tools.base import ToolResult, day, num
from storage.repos.clinical import DoseEntry

if TYPE_CHECKING:
    from storage.vault import Vault


@dataclass(frozen=True)
class MedicationCourse:
    name: str
    start: str | None
    stop: str | None  # None while any record is still active or open-ended
    active: bool
    records: int
    dose_changes: tuple[dict[str, object], ...]  # [{date, dosage, dose_value, dose_unit}]
    reason: str | None
    row_ids: tuple[str, ...]
    not_taken: bool = False  # the records say it is not taken (never active)


@dataclass(frozen=True)
class MedicationTimeline(ToolResult):
    courses: tuple[MedicationCourse, ...]

    def find(self, text: str) -> MedicationCourse | None:
        """The course whose name contains `text` (case-insensitive), earliest first."""
        needle = text.lower()
        return next((c for c in self.courses if needle in c.name.lower()), None)


def medication_timeline(vault: Vault, *, patient_id: str, name: str | None = None
                        ) -> MedicationTimeline:
    return MedicationTimeline(courses=tuple(
        MedicationCourse(
            name=g.name, start=day(g.first_start),
            stop=day(g.last_stop) if g.all_stopped and not g.active else None,
            active=g.active, records=g.records, dose_changes=_dose_changes(g.doses),
            reason=g.reason, row_ids=g.ids, not_taken=g.not_taken)
        for g in vault.clinical.medications(patient_id=patient_id, name=name)))


def _dose_changes(entries: tuple[DoseEntry, ...]) -> tuple[dict[str, object], ...]:
    changes: list[dict[str, object]] = []
    previous: tuple[object, object] | None = None
    for e in entries:
        dose = (e.dosage, e.dose_value)
        if previous is not None and dose != previous and any(dose):
            changes.append({"date": day(e.start), "dosage": e.dosage,
                            "dose_value": e.dose_value, "dose_unit": e.dose_unit})
        if any(dose):
            previous = dose
    return tuple(changes)


@dataclass(frozen=True)
class BeforeAfter(ToolResult):
    code: str
    metric: str
    medication: str
    medication_start: str | None
    unit: str | None
    before_n: int
    before_mean: float | None
    before_last: float | None
    after_n: int
    after_mean: float | None
    after_last: float | None
    change_percentage: float | None  # mean after vs mean before
    row_ids: tuple[int, ...]


def before_after(vault: Vault, *, patient_id: str, code: str, medication: str,
                 window_days: int | None = None) -> BeforeAfter:
    """Mean of a measure's usable readings (not `verify`; one value per instant) before vs
    after the medication's first start (optionally within `window_days` on each side)."""
    started = vault.clinical.first_start(patient_id=patient_id, name=medication)
    s = vault.measurements.instants(patient_id=patient_id, measure=code)
    if started is None or s is None:
        return BeforeAfter(code=code, metric=metric(code).name, medication=medication,
                           medication_start=day(started[1]) if started else None,
                           unit=s.series.unit if s else None, before_n=0, before_mean=None,
                           before_last=None, after_n=0, after_mean=None, after_last=None,
                           change_percentage=None, row_ids=())
    name, t0 = started
    near = [(t, v) for t, v in s.points
            if window_days is None or abs(t - t0) <= window_days * 86400]
    before = [v for t, v in near if t < t0]
    after = [v for t, v in near if t >= t0]
    b_mean = sum(before) / len(before) if before else None
    a_mean = sum(after) / len(after) if after else None
    change = (a_mean - b_mean) / abs(b_mean) * 100 if b_mean and a_mean is not None else None
    times = {t for t, _ in near}
    return BeforeAfter(
        code=code, metric=metric(code).name, medication=name, medication_start=day(t0),
        unit=s.series.unit, before_n=len(before), before_mean=num(b_mean),
        before_last=num(before[-1]) if before else None, after_n=len(after),
        after_mean=num(a_mean), after_last=num(after[-1]) if after else None,
        change_percentage=num(change, 1),
        row_ids=tuple(i for (t, _), group in zip(s.points, s.ids, strict=True)
                      if t in times for i in group))
