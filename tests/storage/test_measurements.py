"""The query manager on the Synthea bundles: a measure is a code set and a unit, readings
of one code in units that do not convert are their own series, and same-instant
readings that differ are conflicts. Expected values come from the raw JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from storage.vault import Vault

EGFR_CODES = {"33914-3", "48642-3", "48643-1", "62238-1", "88293-6", "88294-4", "98979-8"}


def _raw(testdata: Path) -> dict[str, list[dict]]:
    """Observations with a valueQuantity per patient resource id, from the bundles."""
    out: dict[str, list[dict]] = {}
    for path in sorted((testdata / "fhir_r4_synthea").glob("*.json")):
        entries = [e["resource"] for e in json.loads(path.read_text())["entry"]]
        pid = next(r["id"] for r in entries if r["resourceType"] == "Patient")
        out[pid] = [r for r in entries if r["resourceType"] == "Observation"
                    and "valueQuantity" in r]
    return out


def _when(res: dict) -> float:
    text = res.get("effectiveDateTime") or res["issued"]
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _patient(vault: Vault, resource_id: str) -> str:
    return vault.cursor().execute("SELECT id FROM patients WHERE identifier = ?",
                                  [f"Patient/{resource_id}"]).fetchone()[0]


def test_egfr_units_that_do_not_convert_are_separate_series(synthea_vault: Vault,
                                                            testdata: Path) -> None:
    mixed = 0
    for pid, observations in _raw(testdata).items():
        by_unit: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for res in observations:
            if res["code"]["coding"][0]["code"] in EGFR_CODES:
                q = res["valueQuantity"]
                by_unit[q.get("code") or q["unit"]].append((_when(res), q["value"]))
        found = synthea_vault.measurements.series(patient_id=_patient(synthea_vault, pid),
                                                  measure="egfr")
        assert {s.unit for s in found} == set(by_unit)
        for s in found:
            assert sorted((r.epoch, r.value) for r in s.readings) == sorted(by_unit[s.unit])
        if len(by_unit) > 1:
            mixed += 1
            assert found[0].unit == "mL/min/{1.73_m2}" and found[0].name == "eGFR"
            assert found[1].name == "eGFR (mL/min)"
            latest = synthea_vault.measurements.latest(
                patient_id=_patient(synthea_vault, pid), measure="33914-3")
            expected = max(by_unit["mL/min/{1.73_m2}"])
            assert (latest.reading.epoch, latest.reading.value) == expected
            assert latest.series.unit == "mL/min/{1.73_m2}"
    assert mixed >= 2  # the bundles hold the mix: the test must see it


def test_same_instant_readings_that_differ_are_conflicts(synthea_vault: Vault,
                                                         testdata: Path) -> None:
    checked = 0
    for pid, observations in _raw(testdata).items():
        groups: dict[tuple[str, float], set[float]] = defaultdict(set)
        for res in observations:  # one unit per code in these bundles except eGFR's
            if res["code"]["coding"][0]["code"] not in EGFR_CODES:
                groups[(res["code"]["coding"][0]["code"], _when(res))].add(
                    res["valueQuantity"]["value"])
        conflicts = {k for k, v in groups.items() if max(v) - min(v) > 0.005 * max(map(abs, v))}
        patient = _patient(synthea_vault, pid)
        for code, when in conflicts:
            s = synthea_vault.measurements.primary(patient_id=patient, measure=code)
            at = [r for r in s.readings if r.epoch == when]
            assert at and all(r.quality == "conflict" for r in at), (code, when)
            checked += 1
        for code in {c for c, _ in groups}:
            s = synthea_vault.measurements.primary(patient_id=patient, measure=code)
            for r in s.readings:
                if r.quality == "conflict":
                    assert (r.code, r.epoch) in conflicts
        latest_code = next((c for c, w in conflicts
                            if w == max(t for cc, t in groups if cc == c)), None)
        if latest_code:
            latest = synthea_vault.measurements.latest(patient_id=patient, measure=latest_code)
            assert latest.conflict and len(latest.readings) >= 2
    assert checked > 0


def test_latest_each_is_every_codes_newest_reading(synthea_vault: Vault,
                                                   testdata: Path) -> None:
    """Per code of the bundle (each Synthea code here is a measure of its own, but for the
    hematocrit pair 20570-8/4544-3), its latest value: what "abnormal right now" reads.
    Readings the judge held for verification (an HbA1c of 3.07 %) are not candidates."""
    for pid, observations in _raw(testdata).items():
        patient = _patient(synthea_vault, pid)
        held = set(synthea_vault.cursor().execute(
            "SELECT code, epoch(effective) FROM observations WHERE patient_id = ? AND "
            "quality = 'verify'", [patient]).fetchall())
        at: dict[str, dict[float, set[float]]] = defaultdict(lambda: defaultdict(set))
        for res in observations:
            code = res["code"]["coding"][0]["code"]
            if code not in ("20570-8", "4544-3") and (code, _when(res)) not in held:
                at[code][_when(res)].add(res["valueQuantity"]["value"])
        found = synthea_vault.measurements.latest_each(patient_id=patient)
        got = {r.code: (r.epoch, r.value) for r in found}
        for code, values in at.items():  # each one's newest (of a conflict, one of them)
            last = max(values)
            assert got[code][0] == last and got[code][1] in values[last], code
        assert [r.epoch for r in found] == sorted((r.epoch for r in found), reverse=True)
