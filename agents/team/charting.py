"""Which chart answers a question best, drawn from the query manager's series (one per
measure and unit, so two units never share an axis).

A cholesterol question draws the lipid panel the person has; a long daily series is
drawn as means over equal day-buckets; critical and held-for-verification readings
are marked on top of their line; `data_points` counts exactly what is drawn.
"""

from __future__ import annotations

import math
from dataclasses import replace

from agents import tools, viz
from agents.codes import BLOOD_PRESSURE, DIASTOLIC, LIPIDS, SYSTOLIC
from agents.findings import Finding
from agents.question import Question
from agents.tools.medications import BeforeAfter
from agents.tools.observations import Point, Series, line
from storage.repos.measurement_types import Reading
from storage.vault import Vault

MAX_LINES = 4
MAX_POINTS = 400


def chart_series(vault: Vault, patient_id: str, code: str, q: Question) -> Series:
    s = vault.measurements.primary(patient_id=patient_id, measure=code, since=q.window.since,
                                   until=q.window.until)
    name = s.name if s is not None else code
    if s is None or len(s.usable) <= MAX_POINTS:
        return line(code, s, name)
    usable = s.usable
    span = (usable[-1].epoch - usable[0].epoch) / 86400
    days = max(1, math.ceil(span / MAX_POINTS))
    buckets: dict[int, list[float]] = {}
    first: dict[int, Reading] = {}
    for r in usable:
        b = int((r.epoch - usable[0].epoch) // (days * 86400))
        buckets.setdefault(b, []).append(r.value)
        first.setdefault(b, r)
    points = tuple(Point(first[b].id, first[b].at, round(sum(v) / len(v), 4))
                   for b, v in sorted(buckets.items()))
    return replace(line(code, s, name, points), bucket_days=days)


def choose_chart(vault: Vault, patient_id: str, q: Question,
                 findings: list[Finding]) -> viz.Chart | None:
    first = {}
    for f in findings:
        first.setdefault(f.kind, f)

    def series(code: str) -> Series:
        return chart_series(vault, patient_id, code, q)

    if "medication_effect" in q.intents and "before_after" in first:
        d = first["before_after"].data
        return viz.before_after(series(str(d["code"])), BeforeAfter(**d, row_ids=()))
    if ("comprehensive" in q.intents or {"abnormal", "critical"} & q.intents) and (
            first.get("abnormal") and first["abnormal"].data.get("total_abnormal")):
        return viz.abnormal_results(tools.out_of_range(vault, patient_id=patient_id,
                                                       window=q.window, labs_only=q.labs_only))
    codes = list(q.codes)
    if codes == [LIPIDS[0]] and "total" not in q.text.lower():
        codes = list(LIPIDS)  # "cholesterol" means the panel
    if set(BLOOD_PRESSURE) <= set(codes) and not [c for c in codes if c not in BLOOD_PRESSURE]:
        s, d = series(SYSTOLIC), series(DIASTOLIC)
        return viz.blood_pressure(s, d) if s.points else None
    with_data = [f.code for f in findings if f.kind == "trend" and f.code]
    wanted = [c for c in codes if c in with_data or c in LIPIDS] or list(
        dict.fromkeys(with_data))
    drawn = [s for s in (series(c) for c in wanted[:MAX_LINES]) if s.points]
    if not drawn:
        return None
    return viz.time_series(drawn[0]) if len(drawn) == 1 else viz.multi_metric(drawn)
