"""Medication tools: the timeline (start, stop, dose changes) and a metric before vs after
a medication started.

Sources repeat a prescription at every visit (Synthea writes one MedicationRequest per
encounter), so records are grouped by medication name: the first start is when it
began, a dose change is a record whose dose differs from the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import metric
from agents.tools.base import ToolResult, cursor, day, num

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


@dataclass(frozen=True)
class MedicationTimeline(ToolResult):
    courses: tuple[MedicationCourse, ...]

    def find(self, text: str) -> MedicationCourse | None:
        """The course whose name contains `text` (case-insensitive), earliest first."""
        needle = text.lower()
        return next((c for c in self.courses if needle in c.name.lower()), None)


def medication_timeline(vault: Vault, *, patient_id: str, name: str | None = None
                        ) -> MedicationTimeline:
    rows = cursor(vault).execute(
        "SELECT name, min(epoch(start)), max(epoch(stop)), count(*), "
        "bool_or(stop IS NULL AND coalesce(status, 'active') NOT IN ('stopped', 'completed', "
        "'cancelled', 'entered-in-error')), bool_and(stop IS NOT NULL), "
        "list(struct_pack(t := epoch(start), dosage := dosage, v := dose_value, u := dose_unit) "
        "ORDER BY start NULLS LAST, id), any_value(reason), list(id ORDER BY start NULLS LAST, id) "
        "FROM medications WHERE patient_id = $p "
        "AND ($name IS NULL OR lower(name) LIKE '%' || lower($name) || '%') "
        "GROUP BY name ORDER BY min(start) NULLS LAST, name",
        {"p": patient_id, "name": name},
    ).fetchall()
    return MedicationTimeline(courses=tuple(
        MedicationCourse(
            name=r[0], start=day(r[1]), stop=day(r[2]) if r[5] and not r[4] else None,
            active=bool(r[4]), records=int(r[3]), dose_changes=_dose_changes(r[6]),
            reason=r[7], row_ids=tuple(str(i) for i in r[8]),
        )
        for r in rows
    ))


def _dose_changes(entries: list[dict[str, object]]) -> tuple[dict[str, object], ...]:
    changes: list[dict[str, object]] = []
    previous: tuple[object, object] | None = None
    for e in entries:
        dose = (e["dosage"], e["v"])
        if previous is not None and dose != previous and any(dose):
            changes.append({"date": day(e["t"]), "dosage": e["dosage"],  # type: ignore[arg-type]
                            "dose_value": e["v"], "dose_unit": e["u"]})
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
    """Mean of a metric before vs after the medication's first start (optionally within
    `window_days` on each side)."""
    rows = cursor(vault).execute(
        "WITH m AS (SELECT min(start) AS s, arg_min(name, start) AS name FROM medications "
        "WHERE patient_id = $p AND lower(name) LIKE '%' || lower($med) || '%') "
        "SELECT o.effective >= m.s AS after, count(*), avg(o.value), "
        "arg_max(o.value, o.effective), any_value(o.unit), epoch(any_value(m.s)), "
        "any_value(m.name), list(o.id ORDER BY o.effective) "
        "FROM observations o, m WHERE o.patient_id = $p AND o.code = $c AND o.value IS NOT NULL "
        "AND o.effective IS NOT NULL AND m.s IS NOT NULL AND ($days IS NULL OR "
        "abs(epoch(o.effective) - epoch(m.s)) <= $days * 86400) GROUP BY 1",
        {"p": patient_id, "c": code, "med": medication, "days": window_days},
    ).fetchall()
    part = {bool(r[0]): r for r in rows}
    before, after = part.get(False), part.get(True)
    any_row = before or after
    b_mean = before[2] if before else None
    a_mean = after[2] if after else None
    change = (a_mean - b_mean) / abs(b_mean) * 100 if b_mean and a_mean is not None else None
    return BeforeAfter(
        code=code, metric=metric(code).name,
        medication=any_row[6] if any_row else medication,
        medication_start=day(any_row[5]) if any_row else None,
        unit=any_row[4] if any_row else None,
        before_n=int(before[1]) if before else 0, before_mean=num(b_mean),
        before_last=num(before[3]) if before else None,
        after_n=int(after[1]) if after else 0, after_mean=num(a_mean),
        after_last=num(after[3]) if after else None,
        change_percentage=num(change, 1),
        row_ids=tuple(int(i) for r in rows for i in r[7]),
    )
