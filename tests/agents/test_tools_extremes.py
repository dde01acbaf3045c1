"""Extremes, counts beyond thresholds and time in range as tools of their own, on
records written as FHIR and Apple Health files in the test (expected values from them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agents import tools
from storage.vault import Vault
from tests.storage.conftest import import_paths
from tests.storage.test_measurements_sources import STEPS, _apple, _bundle, _obs


def _patient(vault: Vault) -> str:
    return tools.patients_of(vault, owner_id=None)[0]["id"]


def test_glucose_extremes_counts_and_range(vault: Vault, tmp_path: Path) -> None:
    t0 = datetime(2021, 6, 1, 7, 0, tzinfo=UTC)
    values = [140, 22, 101, 666, 95, 180, 5000]  # 5000 mg/dL is not credible
    when = [t0 + timedelta(days=3 * i) for i in range(len(values))]
    import_paths(vault, _bundle(tmp_path, [
        _obs(f"g{i}", "2339-0", v, "mg/dL", effectiveDateTime=t.isoformat())
        for i, (t, v) in enumerate(zip(when, values, strict=True))]))
    pid = _patient(vault)
    credible = [(t, v) for t, v in zip(when, values, strict=True) if 10 <= v <= 1500]
    ex = tools.extremes(vault, patient_id=pid, code="2339-0")
    low, high = min(credible, key=lambda p: p[1]), max(credible, key=lambda p: p[1])
    assert ex.n == len(credible)
    assert (ex.lowest["value"], ex.lowest["date"][:10]) == (low[1], low[0].date().isoformat())
    assert (ex.highest["value"], ex.highest["date"][:10]) == (high[1],
                                                              high[0].date().isoformat())
    assert ex.lowest["flag"] == ex.highest["flag"] == "critical"
    assert [u["value"] for u in ex.unverified] == [5000]
    counts = tools.beyond(vault, patient_id=pid, code="2339-0", below=54, above=400)
    assert (counts.below, counts.above) == (sum(v < 54 for _, v in credible),
                                            sum(v > 400 for _, v in credible))
    share = tools.time_in_range(vault, patient_id=pid, code="2339-0", low=70, high=180)
    inside = sum(70 <= v <= 180 for _, v in credible)
    assert share.in_range_percentage == round(inside * 100 / len(credible), 1)


def test_step_extremes_are_daily_totals(vault: Vault, tmp_path: Path) -> None:
    records = []
    for day, counts in ((1, (500, 700)), (2, (3000,)), (3, (40, 60, 100))):
        for hour, n in enumerate(counts):
            t = f"2024-04-0{day} {9 + hour:02d}:00:00 +0200"
            records.append((STEPS, "iPhone", "count", str(n), t, t))
    import_paths(vault, _apple(tmp_path, records))
    totals: dict[str, float] = defaultdict(float)
    for _, _, _, n, start, _ in records:
        totals[start[:10]] += float(n)
    ex = tools.extremes(vault, patient_id=_patient(vault), code="55423-8")
    assert ex.kind == "cumulative" and ex.n == len(totals)
    assert (ex.lowest["date"], ex.lowest["value"]) == min(totals.items(), key=lambda kv: kv[1])
    assert (ex.highest["date"], ex.highest["value"]) == max(totals.items(),
                                                            key=lambda kv: kv[1])
    latest = tools.latest(vault, patient_id=_patient(vault), code="55423-8")
    last_day = max(totals)
    assert (latest.kind, latest.date, latest.value) == ("cumulative", last_day, totals[last_day])
