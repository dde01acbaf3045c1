"""The analysis tools against the real Synthea bundles: every number equals what the test
computes from the raw JSON."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from agents import tools
from storage.vault import Vault
from tests.agents.raw_fhir import expected_trend, load, theil_sen

CODES = ("2093-3", "18262-6", "2085-9", "2571-8", "4548-4", "8480-6", "8462-4", "29463-7",
         "39156-5", "2339-0")
BUNDLES = sorted((Path(__file__).resolve().parents[3] / "shared" / "testdata"
                  / "fhir_r4_synthea").glob("*.json"))


def patient_id(vault: Vault, resource_id: str) -> str:
    row = vault.cursor().execute("SELECT id FROM patients WHERE identifier = ?",
                                 [f"Patient/{resource_id}"]).fetchone()
    assert row is not None, f"patient {resource_id} was not imported"
    return str(row[0])


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name.split("_")[0])
def test_trend_and_latest_match_the_raw_bundle(shared_vault: Vault, bundle: Path) -> None:
    raw = load(bundle)
    pid = patient_id(shared_vault, raw.resource_id)
    checked = 0
    for code in CODES:
        points = raw.series(code, plausible=True)
        trend = tools.trend(shared_vault, patient_id=pid, code=code)
        assert len(trend.unverified) == len(raw.series(code)) - len(points)
        if not points:
            assert trend.n == 0 and trend.direction == "insufficient_data"
            continue
        want = expected_trend(points)
        assert trend.n == want["n"]
        assert len(trend.row_ids) >= trend.n  # readings; several at one instant count once
        assert (trend.first_date, trend.last_date) == (want["first_date"], want["last_date"])
        assert trend.last_value == pytest.approx(want["current_value"], abs=1e-4)
        assert trend.first_value == pytest.approx(want["first_value"], abs=1e-4)
        assert trend.change_percentage == pytest.approx(want["change_percentage"], abs=0.051)
        latest = tools.latest(shared_vault, patient_id=pid, code=code)
        assert latest is not None
        assert sum(latest.values) / len(latest.values) == pytest.approx(points[-1][1], abs=1e-9)
        checked += 1
    assert checked >= 3  # every Synthea patient has at least vitals and a metabolic panel


def _mann_kendall_p(ys: list[float]) -> float:
    """Two-sided p of the Mann-Kendall S statistic (normal approximation, tie-corrected)."""
    n = len(ys)
    s = sum((ys[j] > ys[i]) - (ys[j] < ys[i]) for i in range(n) for j in range(i + 1, n))
    ties = [ys.count(v) for v in set(ys)]
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    if s == 0 or var <= 0:
        return 1.0
    z = (s - 1 if s > 0 else s + 1) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.mark.parametrize("bundle", BUNDLES[:4], ids=lambda p: p.name.split("_")[0])
def test_trend_direction_rule(shared_vault: Vault, bundle: Path) -> None:
    """Increasing/decreasing only with Mann-Kendall p < 0.05 and a Theil-Sen change of at
    least 5 % of the median; stable when the change is under 5 % and the IQR at most 10 %
    of the median; otherwise fluctuating. The sign of change_percentage follows the slope."""
    raw = load(bundle)
    pid = patient_id(shared_vault, raw.resource_id)
    for code in CODES:
        points = raw.series(code, plausible=True)
        if len(points) < 2:
            continue
        trend = tools.trend(shared_vault, patient_id=pid, code=code)
        slope, _ = theil_sen(points)
        ys = [v for _, v in points]
        span = (points[-1][0] - points[0][0]).total_seconds() / (365.25 * 86400)
        change, median = slope * span, statistics.median(ys)
        q = statistics.quantiles(ys, n=4, method="inclusive")
        assert trend.slope_per_year == pytest.approx(slope, rel=1e-3, abs=1e-3)
        if _mann_kendall_p(ys) < 0.05 and abs(change) >= 0.05 * abs(median):
            expected = "increasing" if change > 0 else "decreasing"
        elif abs(change) < 0.05 * abs(median) and q[2] - q[0] <= 0.10 * abs(median):
            expected = "stable"
        else:
            expected = "fluctuating"
        assert trend.direction == expected, code
        if trend.change_percentage and slope:
            assert (trend.change_percentage > 0) == (slope > 0)


def test_window_limits_the_series(shared_vault: Vault) -> None:
    from datetime import date

    raw = load(BUNDLES[1])
    pid = patient_id(shared_vault, raw.resource_id)
    points = raw.series("8480-6")
    cut = points[len(points) // 2][0].date()
    trend = tools.trend(shared_vault, patient_id=pid, code="8480-6",
                        window=tools.Window(since=cut))
    assert trend.n == sum(1 for t, _ in points if t.date() >= cut)
    assert trend.first_date is not None and date.fromisoformat(trend.first_date) >= cut


def test_blood_pressure_control_pairs_the_panels(shared_vault: Vault) -> None:
    raw = load(BUNDLES[1])
    pid = patient_id(shared_vault, raw.resource_id)
    sys_ = dict(raw.series("8480-6"))
    dia = dict(raw.series("8462-4"))
    pairs = [(sys_[t], dia[t]) for t in sorted(sys_) if t in dia]
    bp = tools.bp_control(shared_vault, patient_id=pid)
    assert bp.n == len(pairs)
    controlled = sum(1 for s, d in pairs if s < 130 and d < 80) / len(pairs) * 100
    assert bp.controlled_percentage == pytest.approx(round(controlled, 1))
    assert bp.latest_systolic == pytest.approx(round(pairs[-1][0], 1))
    assert sum(bp.categories.values()) == bp.n


def test_medication_timeline_and_before_after(shared_vault: Vault) -> None:
    """A patient on a statin: first start from the raw requests, LDL means on each side."""
    for bundle in BUNDLES:
        raw = load(bundle)
        statin = sorted(t for name, t in raw.medications if "statin" in name.lower())
        ldl = raw.series("18262-6")
        if statin and ldl:
            break
    else:
        pytest.skip("no statin patient with LDL results in the test data")
    pid = patient_id(shared_vault, raw.resource_id)
    timeline = tools.medication_timeline(shared_vault, patient_id=pid)
    course = timeline.find("statin")
    assert course is not None and course.start == statin[0].date().isoformat()
    ba = tools.before_after(shared_vault, patient_id=pid, code="18262-6", medication="statin")
    before = [v for t, v in ldl if t < statin[0]]
    after = [v for t, v in ldl if t >= statin[0]]
    assert (ba.before_n, ba.after_n) == (len(before), len(after))
    if after:
        assert ba.after_mean == pytest.approx(round(sum(after) / len(after), 2))


def test_correlation_and_coverage(shared_vault: Vault) -> None:
    """Weight and BMI are measured at the same visits, so each pair is exact; r is Pearson's
    over those pairs, computed here by hand."""
    for bundle in BUNDLES:
        raw = load(bundle)
        weights = dict(raw.series("29463-7"))
        if len(set(weights.values())) > 2:
            break
    pid = patient_id(shared_vault, raw.resource_id)
    bmi = dict(raw.series("39156-5"))
    pairs = [(weights[t], bmi[t]) for t in weights if t in bmi]
    xs, ys = [a for a, _ in pairs], [b for _, b in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    r = cov / (sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)) ** 0.5
    corr = tools.correlation(shared_vault, patient_id=pid, code_a="29463-7", code_b="39156-5")
    assert corr.n_pairs == len(weights)
    assert corr.r == pytest.approx(round(r, 3), abs=1e-3)
    coverage = tools.coverage(shared_vault, patient_id=pid)
    for code in ("8480-6", "29463-7"):
        assert coverage.by_code[code]["n"] == len(raw.series(code))
