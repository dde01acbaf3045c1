"""Which chart answers a question best, drawn from the same queries as the findings."""

from __future__ import annotations

from agents import tools, viz
from agents.codes import BLOOD_PRESSURE, DIASTOLIC, SYSTOLIC
from agents.findings import Finding
from agents.question import Question
from agents.tools.medications import BeforeAfter
from agents.tools.observations import Series, chart_series
from storage.vault import Vault

MAX_LINES = 4


def choose_chart(vault: Vault, patient_id: str, q: Question,
                 findings: list[Finding]) -> viz.Chart | None:
    first = {}
    for f in findings:
        first.setdefault(f.kind, f)

    def series(code: str) -> Series:
        return chart_series(vault, patient_id=patient_id, code=code, window=q.window)

    if "medication_effect" in q.intents and "before_after" in first:
        d = first["before_after"].data
        return viz.before_after(series(str(d["code"])), BeforeAfter(**d, row_ids=()))
    if ("comprehensive" in q.intents or "abnormal" in q.intents) and (
            first.get("abnormal") and first["abnormal"].data.get("total_abnormal")):
        return viz.abnormal_results(tools.out_of_range(vault, patient_id=patient_id,
                                                       window=q.window))
    codes = list(q.codes)
    if set(BLOOD_PRESSURE) <= set(codes) and not [c for c in codes if c not in BLOOD_PRESSURE]:
        s, d = series(SYSTOLIC), series(DIASTOLIC)
        return viz.blood_pressure(s, d) if s.points else None
    with_data = [f.code for f in findings if f.kind == "trend" and f.code]
    wanted = [c for c in codes if c in with_data] or list(dict.fromkeys(with_data))
    drawn = [s for s in (series(c) for c in wanted[:MAX_LINES]) if s.points]
    if not drawn:
        return None
    return viz.time_series(drawn[0]) if len(drawn) == 1 else viz.multi_metric(drawn)
