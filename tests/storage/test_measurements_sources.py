"""The query manager on what each format gives it: C-CDA weight 3141-9 and SpO2 2710-2
joining their measures, FHIR Observations with only `issued` (or only their report's
time), implausible and critical values, and Apple Health steps from two sources as
daily totals. Expected values are read from the raw files in the test."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from storage.vault import Vault
from tests.storage.conftest import import_paths


def _ccda_values(path: Path, code: str) -> list[float]:
    parser = etree.XMLParser(recover=True)  # the fragments leave `xsi` undeclared
    root = etree.parse(str(path), parser).getroot()
    def name(el: etree._Element) -> str | None:
        return etree.QName(el).localname if isinstance(el.tag, str) else None

    out = []
    for obs in root.iter():
        if name(obs) != "observation":
            continue
        c = next((x for x in obs if name(x) == "code"), None)
        v = next((x for x in obs if name(x) == "value"), None)
        if c is not None and c.get("code") == code and v is not None and v.get("value"):
            out.append(float(v.get("value")))
    return out


def _only_patient(vault: Vault) -> str:
    return vault.cursor().execute("SELECT id FROM patients").fetchone()[0]


def test_ccda_weight_3141_9_and_spo2_2710_2_join_their_measures(vault: Vault,
                                                               testdata: Path) -> None:
    ccd = testdata / "ccda" / "Documents_CCD_CCD_1_CCD.XML"
    weights = _ccda_values(ccd, "3141-9")
    assert weights  # the CCD holds 3141-9
    import_paths(vault, ccd)
    s = vault.measurements.primary(patient_id=_only_patient(vault), measure="body_weight")
    assert s is not None and s.unit == "kg"
    assert sorted(r.value for r in s.readings) == sorted(weights)
    assert {r.code for r in s.readings} == {"3141-9"}


def test_ccda_spo2_2710_2(vault: Vault, testdata: Path) -> None:
    panel = next((testdata / "ccda").glob("Vital_Signs_Panel_of_Vital_Signs_in_Metric*"))
    spo2 = _ccda_values(panel, "2710-2")
    weight = _ccda_values(panel, "29463-7")
    import_paths(vault, panel)
    pid = _only_patient(vault)
    latest = vault.measurements.latest(patient_id=pid, measure="spo2")
    assert latest is not None and latest.reading.code == "2710-2"
    assert latest.reading.value == pytest.approx(spo2[-1])
    assert vault.measurements.latest(patient_id=pid, measure="3141-9").reading.value == \
        pytest.approx(weight[-1])


def _bundle(tmp_path: Path, observations: list[dict], reports: list[dict] = ()) -> Path:
    entries = [{"resource": {"resourceType": "Patient", "id": "p1",
                             "name": [{"given": ["Ida"], "family": "Issued"}]}}]
    entries += [{"resource": r} for r in [*reports, *observations]]
    path = tmp_path / "issued.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}))
    return path


def _obs(oid: str, code: str, value: float, unit: str, **times: str) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                              "code": unit}, **times}


def test_observations_with_only_issued_are_found_and_critical(vault: Vault,
                                                              tmp_path: Path) -> None:
    when = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    issued = when.isoformat().replace("+00:00", "Z")
    report_time = (when - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    vitals = [("o1", "59408-5", 75.8, "%"), ("o2", "8867-4", 194, "/min"),
              ("o3", "8310-5", 41.96, "Cel"), ("o4", "9279-1", 35, "/min")]
    obs = [_obs(o, c, v, u, issued=issued) for o, c, v, u in vitals]
    obs.append(_obs("o5", "2823-3", 6.9, "mmol/L"))  # no time of its own: its report's
    report = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
              "subject": {"reference": "Patient/p1"}, "effectiveDateTime": report_time,
              "code": {"text": "Electrolytes"}, "result": [{"reference": "Observation/o5"}]}
    import_paths(vault, _bundle(tmp_path, obs, [report]))
    pid = _only_patient(vault)
    for _, code, value, _ in vitals:
        latest = vault.measurements.latest(patient_id=pid, measure=code)
        assert latest is not None, code
        assert latest.reading.value == pytest.approx(value)
        assert latest.reading.epoch == when.timestamp()
        assert latest.reading.time_basis == "issued"
        assert latest.reading.flag == "critical", code
    k = vault.measurements.latest(patient_id=pid, measure="potassium")
    assert k.reading.time_basis == "report"
    assert k.reading.epoch == (when - timedelta(days=1)).timestamp()
    assert k.reading.flag == "critical"  # > 6.2 mmol/L
    critical = vault.measurements.critical(patient_id=pid, since=when - timedelta(days=30))
    assert len(critical) == 5


def test_implausible_values_are_verify_and_kept_out_of_trends(vault: Vault,
                                                              tmp_path: Path) -> None:
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    a1c = [5.9, 6.1, 2.87, 6.4, 6.6]
    glucose = [110, 22, 95, 666, 130]
    obs = [_obs(f"a{i}", "4548-4", v, "%",
                effectiveDateTime=(t0 + timedelta(days=90 * i)).isoformat())
           for i, v in enumerate(a1c)]
    obs += [_obs(f"g{i}", "2345-7", v, "mg/dL",
                 effectiveDateTime=(t0 + timedelta(days=30 * i)).isoformat())
            for i, v in enumerate(glucose)]
    import_paths(vault, _bundle(tmp_path, obs))
    pid = _only_patient(vault)
    s = vault.measurements.primary(patient_id=pid, measure="hba1c")
    bad = [r for r in s.readings if r.value == 2.87]
    assert bad[0].quality == "verify" and bad[0].reason == "implausible"
    assert bad[0].flag == "indeterminate"  # not "within the reference range"
    assert [v for _, v in s.points()] == [v for v in a1c if 3.5 <= v <= 20]
    ex = vault.measurements.extremes(patient_id=pid, measure="glucose")
    assert (ex.lowest.value, ex.highest.value) == (min(glucose), max(glucose))
    assert ex.lowest.flag == ex.highest.flag == "critical"
    assert ex.lowest.at.startswith((t0 + timedelta(days=30)).date().isoformat())
    counts = vault.measurements.counts(patient_id=pid, measure="glucose", below=54, above=400)
    assert (counts.below, counts.above) == (1, 1)


def _apple(tmp_path: Path, records: list[tuple[str, str, str, str, str, str]]) -> Path:
    body = "\n".join(
        f'<Record type="{hk}" sourceName="{src}" unit="{unit}" creationDate="{end}" '
        f'startDate="{start}" endDate="{end}" value="{value}"/>'
        for hk, src, unit, value, start, end in records)
    path = tmp_path / "export.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n'
                    '<Me HKCharacteristicTypeIdentifierDateOfBirth="1980-01-01"/>\n'
                    f"{body}\n</HealthData>\n")
    return path


STEPS = "HKQuantityTypeIdentifierStepCount"
MASS = "HKQuantityTypeIdentifierBodyMass"


def test_apple_steps_from_two_sources_are_daily_totals(vault: Vault, tmp_path: Path) -> None:
    records = []
    for day in range(1, 4):
        for hour in (8, 12, 23):  # 23:30 local is the same local day, the next UTC day
            for src, n in (("iPhone", 400 + day * 10 + hour), ("Apple Watch", 380 + hour)):
                t = f"2024-03-0{day} {hour:02d}:30:00 -0700"
                records.append((STEPS, src, "count", str(n), t, t))
    records.append((STEPS, "iPhone", "count", "13", "2024-03-04 07:00:00 -0700",
                    "2024-03-04 07:00:00 -0700"))
    path = _apple(tmp_path, records)
    import_paths(vault, path)
    pid = _only_patient(vault)
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for el in etree.parse(str(path)).getroot().iter("Record"):
        day = el.get("startDate")[:10]  # the local day as written
        expected[day][el.get("sourceName")] += float(el.get("value"))
    totals = vault.measurements.daily_totals(patient_id=pid, measure="steps")
    assert [(d.day, d.total) for d in totals.days] == [
        (day, max(per.values())) for day, per in sorted(expected.items())]
    assert totals.days[0].sources == 2
    t = vault.measurements.trend(patient_id=pid, measure="steps")
    assert t.series.kind == "cumulative" and t.stats.n == len(expected)


def test_weight_jumps_between_apps_are_verify(vault: Vault, tmp_path: Path) -> None:
    records = []
    values = [80.1, 80.3, 23.0, 80.0, 152.0, 79.8, 80.2]
    for i, v in enumerate(values):
        t = f"2024-05-{i + 1:02d} 07:00:00 +0000"
        records.append((MASS, "Scale" if v < 100 and v > 50 else "Other app", "kg", str(v), t, t))
    import_paths(vault, _apple(tmp_path, records))
    s = vault.measurements.primary(patient_id=_only_patient(vault), measure="body_weight")
    held = {r.value: r.reason for r in s.readings if r.quality == "verify"}
    assert held == {23.0: "sudden_change", 152.0: "sudden_change"}
    t = vault.measurements.trend(patient_id=_only_patient(vault), measure="body_weight")
    assert t.stats.direction == "stable"


def test_reported_at_is_shown_where_the_time_is(vault: Vault, tmp_path: Path) -> None:
    """A reading whose only time is `issued` says so next to its time: in the records
    listing (and the Records tab's cell), and in the team's finding."""
    from agents import tools
    from agents.findings import trend_finding
    from ui.views.records_model import cells

    when = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    issued = when.isoformat().replace("+00:00", "Z")
    import_paths(vault, _bundle(tmp_path, [_obs("o1", "4548-4", 6.1, "%", issued=issued)]))
    pid = _only_patient(vault)
    (row,) = vault.records.list_records(owner_id=None, patient_id=pid, code="4548-4")
    assert row.time_basis == "issued" and row.effective.startswith("2024-03-05T09:30")
    assert cells(row)["effective"] == "2024-03-05 09:30 (reported at)"
    finding = trend_finding(tools.trend(vault, patient_id=pid, code="4548-4"))
    assert "on 2024-03-05 (reported at;" in finding.text


def test_a_personal_range_applies_to_every_code_of_the_measure(vault: Vault,
                                                              tmp_path: Path) -> None:
    """Set under LOINC 4548-4, the person's own HbA1c range flags a reading stored under
    the alias 17856-6 too, in the team's tool and the records listing; removing it
    gives the record's own judgement back."""
    from agents import tools

    when = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    effective = when.isoformat().replace("+00:00", "Z")
    import_paths(vault, _bundle(tmp_path, [_obs("o1", "17856-6", 6.1, "%",
                                                effectiveDateTime=effective)]))
    pid = _only_patient(vault)
    before = tools.latest(vault, patient_id=pid, code="17856-6").flag
    low, high = 6.5, 9.0  # the person's own: 6.1 is below it
    vault.records.set_reference_override(patient_id=pid, code="4548-4", low=low, high=high,
                                         unit="%")
    latest = tools.latest(vault, patient_id=pid, code="17856-6")
    assert (latest.flag, latest.reference_low, latest.reference_high) == ("low", low, high)
    (row,) = vault.records.list_records(owner_id=None, patient_id=pid, code="17856-6")
    assert (row.flag, row.reference_source) == ("low", "user")
    vault.records.delete_reference_override(patient_id=pid, code="17856-6")
    assert tools.latest(vault, patient_id=pid, code="17856-6").flag == before
