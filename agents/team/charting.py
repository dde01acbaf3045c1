"""Which chart answers a question best, drawn from the query manager's series (one per
measure and unit, so two units never share an axis).

A cholesterol question draws the lipid panel the person has; a long daily series is
drawn as means over equal day-buckets; critical and held-for-verification readings
are marked on top of their line; `data_points` counts exactly what is drawn.
"""

from __future__ import annotations

from agents import tools, viz
from agents.codes import BLOOD_PRESSURE, DIASTOLIC, LIPIDS, SYSTOLIC
from agents.findings import Finding
from agents.question import Question
from agents.tools.medications import BeforeAfter
from agents.tools.observations import Series, line
from storage.vault import Vault

MAX_LINES = 4
MAX_POINTS = 400


def chart_lines(vault: Vault, patient_id: str, codes: list[str], q: Question
                ) -> list[Series]:
    """The lines of `codes` in the question's window, one scan for all; a long daily
    series as means over equal day-buckets (at most MAX_POINTS)."""
    drawn = vault.measurements.lines(patient_id=patient_id, measures=tuple(codes),
                                     since=q.window.since, until=q.window.until,
                                     max_points=MAX_POINTS)
    return [line(c, d, d.series.name if d else c) for c, d in zip(codes, drawn, strict=True)]


def choose_chart(vault: Vault, patient_id: str, q: Question,
                 findings: list[Finding]) -> viz.Chart | None:
    first = {}
    for f in findings:
        first.setdefault(f.kind, f)

    def lines(*codes: str) -> list[Series]:
        return chart_lines(vault, patient_id, list(codes), q)

    if "medication_effect" in q.intents and "before_after" in first:
        d = first["before_after"].data
        return viz.before_after(lines(str(d["code"]))[0], BeforeAfter(**d, row_ids=()))
    if ("comprehensive" in q.intents or {"abnormal", "critical"} & q.intents) and (
            first.get("abnormal") and first["abnormal"].data.get("total_abnormal")):
        return viz.abnormal_results(tools.out_of_range(vault, patient_id=patient_id,
                                                       window=q.window, labs_only=q.labs_only))
    codes = list(q.codes)
    if codes == [LIPIDS[0]] and "total" not in q.text.lower():
        codes = list(LIPIDS)  # "cholesterol" means the panel
    if set(BLOOD_PRESSURE) <= set(codes) and not [c for c in codes if c not in BLOOD_PRESSURE]:
        s, d = lines(SYSTOLIC, DIASTOLIC)
        return viz.blood_pressure(s, d) if s.points else None
    with_data = [f.code for f in findings if f.kind == "trend" and f.code]
    wanted = [c for c in codes if c in with_data or c in LIPIDS] or list(
        dict.fromkeys(with_data))
    drawn = [s for s in lines(*wanted[:MAX_LINES]) if s.points]
    if not drawn:
        return None
    return viz.time_series(drawn[0]) if len(drawn) == 1 else viz.multi_metric(drawn)
