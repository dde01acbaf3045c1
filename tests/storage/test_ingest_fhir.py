"""FHIR R4 import: counts and values against the raw bundles, BP split, idempotence,
NDJSON folders, and malformed files rejected with the vault unchanged."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from storage.errors import IngestError
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths

BP_PANELS = {"55284-4", "85354-9"}


def _bundles(testdata: Path) -> list[Path]:
    return sorted((testdata / "fhir_r4_synthea").glob("*.json"))


def _raw_observations(bundle: Path) -> tuple[str, Counter[str], tuple[str, float] | None]:
    """(patient id, rows expected per code, latest (time, value) of 2093-3) from raw JSON."""
    data = json.loads(bundle.read_text())
    patient = next(e["resource"]["id"] for e in data["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    counts: Counter[str] = Counter()
    cholesterol: list[tuple[str, float]] = []
    for entry in data["entry"]:
        res = entry["resource"]
        if res["resourceType"] != "Observation":
            continue
        code = res["code"]["coding"][0]["code"]
        if "component" in res and not any(k.startswith("value") for k in res):
            counts.update(c["code"]["coding"][0]["code"] for c in res["component"])
        else:
            counts[code] += 1
        if code == "2093-3":
            cholesterol.append((res["effectiveDateTime"], res["valueQuantity"]["value"]))
    return patient, counts, max(cholesterol) if cholesterol else None


def _patient_id(vault: Vault, fhir_id: str) -> str:
    row = vault.cursor().execute(
        "SELECT id FROM patients WHERE extra::VARCHAR LIKE ?", [f"%Patient/{fhir_id}%"]
    ).fetchone()
    assert row, fhir_id
    return str(row[0])


def test_counts_per_code_and_latest_cholesterol_match_raw_bundles(synthea_vault: Vault,
                                                                  testdata: Path) -> None:
    bundles = _bundles(testdata)
    assert len(bundles) == 10
    for bundle in bundles:
        fhir_id, expected, latest = _raw_observations(bundle)
        pid = _patient_id(synthea_vault, fhir_id)
        got = Counter(dict(synthea_vault.cursor().execute(
            "SELECT code, count(*) FROM observations WHERE patient_id = ? GROUP BY code",
            [pid]).fetchall()))
        assert got == expected, bundle.name
        records = synthea_vault.records.list_records(owner_id=None, patient_id=pid,
                                                     code="2093-3")
        if latest is None:
            assert records == []
        else:
            assert records[-1].value == pytest.approx(latest[1])
            assert records[-1].unit == "mg/dL"
            assert records[-1].effective[:19] == latest[0][:19]


def test_blood_pressure_panels_split_into_systolic_and_diastolic(synthea_vault: Vault,
                                                                 testdata: Path) -> None:
    panels = 0
    for bundle in _bundles(testdata):
        for entry in json.loads(bundle.read_text())["entry"]:
            res = entry["resource"]
            if res["resourceType"] == "Observation" and \
                    res["code"]["coding"][0]["code"] in BP_PANELS:
                panels += 1
    cur = synthea_vault.cursor()
    counts = dict(cur.execute(
        "SELECT code, count(*) FROM observations WHERE code IN "
        "('8480-6', '8462-4', '55284-4', '85354-9') GROUP BY code").fetchall())
    assert panels > 0
    assert counts == {"8480-6": panels, "8462-4": panels}
    kinds = cur.execute("SELECT DISTINCT unit, category, original_unit IS NULL, "
                        "flag = 'indeterminate' FROM observations WHERE code = '8480-6' "
                        "ORDER BY 1").fetchall()
    # Some Synthea components carry no unit at all: kept, never assumed to be mm[Hg].
    assert set(kinds) <= {("mm[Hg]", "vital-signs", False, False),
                          (None, "vital-signs", True, True)}
    assert ("mm[Hg]", "vital-signs", False, False) in kinds


def test_reimport_adds_nothing(synthea_vault: Vault, testdata: Path) -> None:
    before = fingerprint(synthea_vault)
    import_paths(synthea_vault, *_bundles(testdata)[:3], import_id="imp_again")
    assert fingerprint(synthea_vault) == before


def test_ndjson_folder_counts_match_raw_lines(vault: Vault, testdata: Path) -> None:
    folder = testdata / "fhir_bulk_ndjson"
    import_paths(vault, folder)
    cur = vault.cursor()
    for kind, table in (("Condition", "conditions"), ("Encounter", "encounters"),
                        ("Immunization", "immunizations"),
                        ("AllergyIntolerance", "allergies"),
                        ("MedicationRequest", "medications")):
        ids = {json.loads(line)["id"] for line in
               (folder / f"{kind}.000.ndjson").read_text().splitlines() if line.strip()}
        assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(ids), kind
    patients = (folder / "Patient.000.ndjson").read_text().splitlines()
    assert len(vault.records.list_patients(owner_id=None)) == len([p for p in patients if p])


def _wrong_type(raw: str) -> str:
    data = json.loads(raw)
    for entry in reversed(data["entry"]):
        if "valueQuantity" in entry["resource"]:
            entry["resource"]["valueQuantity"]["value"] = "high"
            return json.dumps(data)
    raise AssertionError("no valueQuantity")


@pytest.mark.parametrize("mangle, position", [
    (lambda raw: raw[: len(raw) // 2], "line"),  # truncated JSON
    (lambda raw: _wrong_type(raw), "entry"),  # a string where a number belongs
    (lambda raw: "\x00\xff\x13garbage" * 50, "byte 0"),
])
def test_malformed_bundle_rejected_and_vault_unchanged(vault: Vault, testdata: Path,
                                                       tmp_path: Path, mangle: object,
                                                       position: str) -> None:
    raw = _bundles(testdata)[0].read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(mangle(raw))  # type: ignore[operator]
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, bad)
    assert info.value.file == "bad.json"
    assert info.value.position.startswith(position)
    assert info.value.reason
    assert fingerprint(vault) == before


def test_results_linked_to_their_diagnostic_report(synthea_vault: Vault, testdata: Path) -> None:
    bundle = _bundles(testdata)[0]
    expected: dict[str, str] = {}
    for entry in json.loads(bundle.read_text())["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "DiagnosticReport":
            for result in res.get("result", []):
                expected[result["reference"].split(":")[-1]] = res["code"]["text"]
    assert expected
    rows = synthea_vault.cursor().execute(
        "SELECT record_id, report FROM observations WHERE record_id IN "
        f"({', '.join('?' * len(expected))})", list(expected)).fetchall()
    assert dict(rows) == expected
