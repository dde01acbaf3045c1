"""Apple Health: HealthKit -> LOINC, readings from several sources and correlations kept
once, workouts and activity summaries, export.zip with clinical records and a broken
export_cda.xml. Expected values are read from the raw XML in the test."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from storage.ingest.units import load_resource
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths

T0, T1, T2 = "2024-03-01 08:00:00 +0100", "2024-03-01 08:01:00 +0100", "2024-03-02 09:00:00 +0100"
HR = "HKQuantityTypeIdentifierHeartRate"


def _record(hk: str, value: str, unit: str, source: str, start: str = T0, end: str = T0) -> str:
    return (f'<Record type="{hk}" sourceName="{source}" unit="{unit}" creationDate="{end}" '
            f'startDate="{start}" endDate="{end}" value="{value}"/>')


def _export(tmp_path: Path) -> Path:
    sys_bp = _record("HKQuantityTypeIdentifierBloodPressureSystolic", "128", "mmHg", "Omron")
    dia_bp = _record("HKQuantityTypeIdentifierBloodPressureDiastolic", "82", "mmHg", "Omron")
    body = "\n".join([
        '<Me HKCharacteristicTypeIdentifierDateOfBirth="1985-07-01" '
        'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>',
        _record(HR, "72", "count/min", "Apple Watch"),
        _record(HR, "72", "count/min", "iPhone"),  # the same reading from a second source
        _record(HR, "75", "count/min", "Apple Watch", T1, T1),
        _record("HKQuantityTypeIdentifierBodyMass", "150", "lb", "Withings", T2, T2),
        _record("HKQuantityTypeIdentifierOxygenSaturation", "0.97", "%", "Apple Watch", T2, T2),
        _record("HKQuantityTypeIdentifierStepCount", "1200", "count", "iPhone", T0, T1),
        sys_bp, dia_bp,
        f'<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" '
        f'startDate="{T0}" endDate="{T0}">{sys_bp}{dia_bp}</Correlation>',
        f'<Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30.5" '
        f'durationUnit="min" totalDistance="5.1" totalDistanceUnit="km" sourceName="Apple Watch" '
        f'startDate="{T1}" endDate="{T2}"><MetadataEntry key="k" value="v"/></Workout>',
        '<ActivitySummary dateComponents="2024-03-01" activeEnergyBurned="450" '
        'activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="kcal" appleExerciseTime="35" '
        'appleStandHours="10"/>',
    ])
    path = tmp_path / "export.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n'
                    f'<!ELEMENT HealthData ANY>\n]>\n<HealthData locale="en_US">\n{body}\n'
                    f'</HealthData>\n')
    return path


def _readings(*paths: Path) -> set[tuple[str | None, ...]]:
    """Distinct (type, start, end, value, unit) over every Record, nested ones included."""
    out = set()
    for path in paths:
        for rec in etree.parse(str(path)).iter("Record"):
            out.add(tuple(rec.get(a) for a in ("type", "startDate", "endDate", "value", "unit")))
    return out


def test_sources_and_correlations_kept_once(vault: Vault, tmp_path: Path) -> None:
    export = _export(tmp_path)
    import_paths(vault, export)
    cur = vault.cursor()
    readings = _readings(export)
    assert cur.execute("SELECT count(*) FROM observations WHERE healthkit_type LIKE 'HK%Type%'"
                       ).fetchone()[0] == len(readings)
    hk_map = load_resource("healthkit_map.json")["types"]
    rows = vault.records.list_records(owner_id=None)
    heart = [r for r in rows if r.healthkit_type == HR]
    assert {r.code for r in heart} == {hk_map[HR][0]} == {"8867-4"}
    assert sorted(r.value for r in heart) == [72, 75] and heart[0].unit == "/min"
    assert heart[0].effective == "2024-03-01T08:00:00+01:00"
    bp = {r.code: r.value for r in rows if r.code in ("8480-6", "8462-4")}
    assert bp == {"8480-6": 128, "8462-4": 82}
    weight = next(r for r in rows if r.code == "29463-7")
    assert weight.value == pytest.approx(150 * 0.45359237) and weight.original_unit == "lb"
    spo2 = next(r for r in rows if r.code == "59408-5")
    assert spo2.value == pytest.approx(97) and spo2.original_value == "0.97"
    workout = next(r for r in rows if r.healthkit_type == "HKWorkout")
    assert workout.category == "activity" and workout.value == 30.5
    assert workout.effective_end.startswith("2024-03-02T09:00")
    summary = [r for r in rows if r.healthkit_type == "HKActivitySummary"]
    assert sorted(r.value for r in summary) == [10, 35, 450]
    (patient,) = vault.records.list_patients(owner_id=None)
    assert patient.birth_date == "1985-07-01"
    before = fingerprint(vault)
    import_paths(vault, export)
    assert fingerprint(vault) == before


def test_two_exports_of_the_same_data_merge(vault: Vault, testdata: Path) -> None:
    first = testdata / "apple_health" / "healthkit_to_sqlite_export.xml"
    second = testdata / "apple_health" / "healthkit_to_sqlite_zip_export.xml"
    import_paths(vault, first)
    after_first = fingerprint(vault)["observations"][0]
    import_paths(vault, second)
    cur = vault.cursor()
    records = cur.execute("SELECT count(*) FROM observations WHERE healthkit_type LIKE "
                          "'HKQuantity%' OR healthkit_type LIKE 'HKCategory%'").fetchone()[0]
    assert records == len(_readings(first, second))
    assert fingerprint(vault)["observations"][0] >= after_first


def test_zip_with_clinical_records_and_broken_cda(vault: Vault, testdata: Path,
                                                 tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    observation = {"resourceType": "Observation", "id": "clin-1", "status": "final",
                   "category": [{"coding": [{"code": "laboratory"}]}],
                   "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
                   "subject": {"reference": "Patient/hospital-42"},
                   "effectiveDateTime": "2023-05-01T10:00:00-04:00",
                   "valueQuantity": {"value": 5.0, "unit": "mmol/L"}}
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(testdata / "apple_health" / "apple_health_parser_export.xml",
                 "apple_health_export/export.xml")
        zf.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/><ClinicalDocument/>")
        zf.writestr("apple_health_export/clinical-records/Observation-1.json",
                    json.dumps(observation))
    (result,) = import_paths(vault, archive)
    assert any("export_cda.xml" in w for w in result.warnings)
    (patient,) = vault.records.list_patients(owner_id=None)
    chol = vault.records.list_records(owner_id=None, code="2093-3")
    assert [(r.value, r.source, r.patient_id) for r in chol] == \
        [(pytest.approx(5.0 * 38.665), "fhir", patient.id)]
    raw = _readings(testdata / "apple_health" / "apple_health_parser_export.xml")
    assert vault.cursor().execute("SELECT count(*) FROM observations WHERE source = "
                                  "'apple_health'").fetchone()[0] == len(raw)
