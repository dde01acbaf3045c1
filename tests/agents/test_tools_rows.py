"""Tools on rows written exactly as the test wants them: reference ranges, nearest-date
pairing, glucose ranges, dose changes, before/after windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agents import tools
from agents.events import EventBus
from agents.question import parse
from agents.team.charting import chart_lines
from storage.vault import Vault
from tests.agents.rows import add_medication, add_observations, add_patient

T0 = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def patient(vault: Vault) -> str:
    return add_patient(vault, "pat_rows")


def test_out_of_range_uses_each_rows_reference(vault: Vault, patient: str) -> None:
    values = [90, 150, 210, 40, 120]
    add_observations(vault, patient, [("2093-3", T0 + timedelta(days=i), v, "mg/dL")
                                      for i, v in enumerate(values)], low=50, high=200)
    res = tools.out_of_range(vault, patient_id=patient)
    assert res.total_checked == 5 and res.total_abnormal == 2
    counts = res.by_code["total_cholesterol"]  # by measure (2093-3's alias set)
    assert counts["high"] == 1 and counts["low"] == 1
    assert [r["value"] for r in res.rows] == [40, 210]  # most recent first
    assert [r["flag"] for r in res.rows] == ["low", "high"]


def test_correlation_pairs_the_nearest_reading_within_the_gap(vault: Vault,
                                                                patient: str) -> None:
    a = [(T0 + timedelta(days=30 * i), 70.0 + i) for i in range(6)]
    # b readings 2 days after each a (nearest), a decoy 20 days later, and one far away
    b = [(t + timedelta(days=2), 2 * v - 20) for t, v in a[:5]]
    b += [(t + timedelta(days=20), 200.0) for t, _ in a[:5]]
    add_observations(vault, patient, [("29463-7", t, v, "kg") for t, v in a])
    add_observations(vault, patient, [("8480-6", t, v, "mm[Hg]") for t, v in b])
    c = tools.correlation(vault, patient_id=patient, code_a="29463-7", code_b="8480-6",
                          max_gap_days=5)
    assert c.n_pairs == 5  # the sixth a reading has nothing within 5 days
    assert c.r == pytest.approx(1.0)
    assert c.strength == "strong"


def test_glucose_time_in_range(vault: Vault, patient: str) -> None:
    values = [60, 65, 100, 150, 180, 181, 250, 120, 90, 70]
    add_observations(vault, patient, [("2339-0", T0 + timedelta(hours=i), v, "mg/dL")
                                      for i, v in enumerate(values)])
    tir = tools.glucose_time_in_range(vault, patient_id=patient)
    assert tir.n == 10
    assert (tir.below_percentage, tir.in_range_percentage, tir.above_percentage) == (
        20.0, 60.0, 20.0)
    assert tir.mean == pytest.approx(sum(values) / 10)


def test_medication_timeline_dose_changes_and_before_after_window(vault: Vault,
                                                                   patient: str) -> None:
    add_medication(vault, patient, "Lisinopril 10 MG", date(2020, 3, 1), dose=10, med_id="m1")
    add_medication(vault, patient, "Lisinopril 10 MG", date(2020, 9, 1), dose=20, med_id="m2")
    add_medication(vault, patient, "Amoxicillin 500 MG", date(2020, 2, 1),
                   stop=date(2020, 2, 10), status="completed", dose=500, med_id="m3")
    timeline = tools.medication_timeline(vault, patient_id=patient)
    assert [c.name for c in timeline.courses] == ["Amoxicillin 500 MG", "Lisinopril 10 MG"]
    amox, lis = timeline.courses
    assert (amox.active, amox.stop) == (False, "2020-02-10")
    assert (lis.active, lis.start, lis.records) == (True, "2020-03-01", 2)
    assert [d["date"] for d in lis.dose_changes] == ["2020-09-01"]
    before = [150.0, 148.0, 152.0]  # Jan, Feb, late Feb
    after = [135.0, 131.0, 128.0]
    rows = [("8480-6", datetime(2020, 1, 15, tzinfo=UTC), before[0], "mm[Hg]"),
            ("8480-6", datetime(2020, 2, 15, tzinfo=UTC), before[1], "mm[Hg]"),
            ("8480-6", datetime(2020, 2, 28, tzinfo=UTC), before[2], "mm[Hg]"),
            ("8480-6", datetime(2020, 4, 1, tzinfo=UTC), after[0], "mm[Hg]"),
            ("8480-6", datetime(2020, 6, 1, tzinfo=UTC), after[1], "mm[Hg]"),
            ("8480-6", datetime(2021, 6, 1, tzinfo=UTC), after[2], "mm[Hg]")]
    add_observations(vault, patient, rows)
    ba = tools.before_after(vault, patient_id=patient, code="8480-6", medication="lisinopril")
    assert (ba.before_n, ba.after_n) == (3, 3)
    assert ba.before_mean == pytest.approx(round(sum(before) / 3, 2))
    assert ba.after_mean == pytest.approx(round(sum(after) / 3, 2))
    near = tools.before_after(vault, patient_id=patient, code="8480-6", medication="lisinopril",
                              window_days=120)
    assert near.after_n == 2  # June 2021 is outside the window


def test_chart_lines_bucket_long_daily_series(vault: Vault, patient: str) -> None:
    add_observations(vault, patient, [("8867-4", T0 + timedelta(days=i), float(i % 7 + 60),
                                       "/min") for i in range(1000)])
    (s,) = chart_lines(vault, patient, ["8867-4"], parse("all of it"))
    assert s.values == 1000 and s.bucket_days == 3 and len(s.points) <= 401  # 999 days / 400
    assert sum(p.value for p in s.points) / len(s.points) == pytest.approx(63, abs=0.5)


def test_event_bus_isolates_subscribers() -> None:
    bus = EventBus()
    seen: list[str] = []

    def broken(event: dict) -> None:
        raise RuntimeError("listener bug")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(lambda e: seen.append(e["type"]))
    bus.publish({"type": "query_status", "query_id": "qry_1", "data": {}})
    unsubscribe()
    bus.publish({"type": "query_complete", "query_id": "qry_1", "data": {}})
    assert seen == ["query_status"]
    with pytest.raises(ValueError):
        bus.publish({"type": "gossip", "query_id": "qry_1", "data": {}})


def test_a_trend_from_zero_has_no_percentage_and_still_answers(vault: Vault,
                                                               patient: str) -> None:
    from agents.findings import trend_finding
    from agents.question import parse
    from agents.synthesis import answer_sentence

    add_observations(vault, patient, [("72514-3", T0 + timedelta(days=i), v, "{score}")
                                      for i, v in enumerate([0.0, 5.0, 3.0])])
    trend = tools.trend(vault, patient_id=patient, code="72514-3")
    assert trend.change_percentage is None and trend.n == 3
    finding = trend_finding(trend)
    sentence = answer_sentence(parse("How has my pain score changed over time?"), [finding])
    assert sentence == f"Your most recent Pain Severity was 3 on {trend.last_date}."


@pytest.mark.parametrize(("code", "unit", "values", "worrying"), [
    ("62238-1", "mL/min/{1.73_m2}", [128, 125, 121, 118, 114, 110, 107, 103], True),  # eGFR
    ("13457-7", "mg/dL", [70, 74, 77, 81, 84, 88, 91, 95], True),  # LDL, calculated
    ("2085-9", "mg/dL", [75, 73, 71, 69, 67, 65, 63, 61], True),  # HDL falling
    ("33914-3", "mL/min/{1.73_m2}", [95, 99, 103, 107, 111, 115, 119, 123], False),
    ("8867-4", "/min", [60, 62, 64, 66, 68, 70, 72, 74], False),  # heart rate: no side
])
def test_a_trend_in_range_is_a_concern_only_in_its_measures_worse_direction(
        vault: Vault, patient: str, code: str, unit: str, values: list[float],
        worrying: bool) -> None:
    """Every alias code of a measure gets the measure's direction (an eGFR by the 2021
    equation, a calculated LDL), not only the code a table happened to list."""
    from agents.findings import trend_finding

    add_observations(vault, patient, [(code, T0 + timedelta(days=60 * i), float(v), unit)
                                      for i, v in enumerate(values)])
    trend = tools.trend(vault, patient_id=patient, code=code)
    assert trend.direction == ("increasing" if values[-1] > values[0] else "decreasing")
    finding = trend_finding(trend)
    assert (finding.concern is not None
            and "less favourable direction" in finding.concern) is worrying, finding.concern


def test_is_my_blood_pressure_improving_says_how_both_numbers_moved(vault: Vault,
                                                                    patient: str) -> None:
    """The control sentence (latest, share below 130/80) says nothing of change: asked
    whether it improves, the answer names each number's direction and both trends."""
    from agents.findings import trend_finding
    from agents.synthesis import synthesize
    from agents.team.templates import bp_finding

    systolic = [162, 158, 155, 150, 147, 143, 139, 135]  # falling steadily
    diastolic = [82, 83, 82, 83, 82, 83, 82, 83]  # flat
    add_observations(vault, patient, [
        (code, T0 + timedelta(days=30 * i), float(v), "mm[Hg]")
        for code, values in (("8480-6", systolic), ("8462-4", diastolic))
        for i, v in enumerate(values)])
    q = parse("Is my blood pressure improving?")
    findings = [trend_finding(tools.trend(vault, patient_id=patient, code=c))
                for c in ("8480-6", "8462-4")]
    findings.append(bp_finding(tools.bp_control(vault, patient_id=patient)))
    summary = synthesize(q, findings, confidence=1.0, failed=[], urgent_notice=None).summary
    assert ("Systolic has been falling (the favourable direction), diastolic stable."
            in summary), summary
    assert "Systolic Blood Pressure: latest 135" in summary  # its trend, not only the latest
    assert "Diastolic Blood Pressure: latest 83" in summary
