"""Charts are valid Plotly figures with the spec's component description; the numeric
guard accepts only numbers that were given."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from agents import tools, viz
from agents.guard import unsupported
from agents.question import parse
from agents.team.charting import chart_lines
from storage.vault import Vault
from tests.agents.raw_fhir import load
from tests.agents.test_tools_synthea import BUNDLES, patient_id


@pytest.fixture(scope="module")
def patient(shared_vault: Vault) -> str:
    for bundle in BUNDLES:
        raw = load(bundle)
        if raw.series("18262-6") and any("statin" in n.lower() for n, _ in raw.medications):
            return patient_id(shared_vault, raw.resource_id)
    raise AssertionError("no statin patient")


def line(vault: Vault, patient: str, code: str) -> viz.Series:
    return chart_lines(vault, patient, [code], parse("all of it"))[0]


def check(chart: viz.Chart, kind: str) -> None:
    figure = go.Figure(chart.figure)  # raises on anything Plotly does not accept
    assert chart.type == kind and figure.data
    component = chart.component
    assert component["type"] in ("LineChart", "BarChart")
    assert set(component["props"]) == {"data", "config"}
    config = component["props"]["config"]
    for row in component["props"]["data"]:
        assert config["xAxis"] in row
        assert any(key in row for key in config["yAxis"])


def test_time_series_has_the_reference_band(shared_vault: Vault, patient: str) -> None:
    s = line(shared_vault, patient, "18262-6")
    raw = [p for b in BUNDLES if patient_id(shared_vault, load(b).resource_id) == patient
           for p in load(b).series("18262-6")]
    chart = viz.time_series(s)
    check(chart, "time_series")
    drawn = sum(len(t["x"]) for t in chart.figure["data"])
    assert chart.data_points == drawn == len(raw)  # every reading drawn once
    if s.reference_high is not None:
        band = chart.figure["layout"]["shapes"][0]
        assert band["type"] == "rect" and band["y1"] == s.reference_high


def test_multi_metric_blood_pressure_before_after_abnormal(shared_vault: Vault,
                                                           patient: str) -> None:
    lipids = [line(shared_vault, patient, c) for c in ("2093-3", "18262-6", "2085-9")]
    weight = line(shared_vault, patient, "29463-7")
    chart = viz.multi_metric([*lipids, weight])
    check(chart, "multi_metric")
    assert {"yaxis", "yaxis2"} <= set(chart.figure["layout"])  # mg/dL and kg panels
    axes = {t["name"]: t["yaxis"] for t in chart.figure["data"]}
    assert len({axes[s.metric] for s in lipids}) == 1 and axes[lipids[0].metric] != axes[
        "Body weight"]  # one y-axis per unit
    bands = [b for b in chart.figure["layout"]["shapes"] if b["type"] == "rect"]
    assert len(bands) == sum(s.reference_low is not None or s.reference_high is not None
                             for s in [*lipids, weight])  # a band per series with a range
    assert chart.component["props"]["config"]["yAxis"] == [
        "total_cholesterol", "ldl", "hdl", "weight"]
    bp = viz.blood_pressure(line(shared_vault, patient, "8480-6"),
                            line(shared_vault, patient, "8462-4"))
    check(bp, "blood_pressure")
    ba = tools.before_after(shared_vault, patient_id=patient, code="18262-6", medication="statin")
    chart = viz.before_after(line(shared_vault, patient, "18262-6"), ba)
    check(chart, "before_after")
    assert chart.component["props"]["config"]["medicationStart"] == ba.medication_start
    abnormal = tools.out_of_range(shared_vault, patient_id=patient)
    chart = viz.abnormal_results(abnormal)
    go.Figure(chart.figure)
    assert chart.data_points == sum(int(v["high"]) + int(v["low"])  # type: ignore[call-overload]
                                    for v in abnormal.by_code.values())


@pytest.mark.parametrize(("narrative", "bad"), [
    ("Your LDL fell to 113 mg/dL by 2019, a -19.3% change.", []),
    ("Your LDL is about 113.0 mg/dL.", []),
    ("Your LDL fell to 110 mg/dL.", ["110"]),
    ("Your LDL dropped 25% in 3 years.", ["25", "3"]),
    ("Across 10 results since 2010-01-16.", []),
    ("It went from 140 to 1,130.", ["1130"]),
])
def test_numeric_guard(narrative: str, bad: list[str]) -> None:
    facts = ["LDL Cholesterol: 113 mg/dL on 2019-01-16, decreasing (-19.3% from 140 mg/dL on "
             "2010-01-16; 10 results)."]
    assert unsupported(narrative, facts) == bad
