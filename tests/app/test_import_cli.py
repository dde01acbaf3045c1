"""`healthinsight import/patients/records` and ImportService, on a real encrypted vault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.services.imports import ImportService
from app.settings import Settings
from storage.vault import Vault
from tests.conftest import PASSPHRASE

KEYS = {"patient_id", "category", "code", "display", "value", "unit", "original_value",
        "original_unit", "comparator", "effective", "reference_low", "reference_high", "flag",
        "source"}
TYPES = {"laboratory": "lab_results", "vital-signs": "vitals"}


@pytest.fixture
def cli(vault_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("HEALTHINSIGHT_PASSPHRASE", PASSPHRASE)

    def run(*args: str) -> tuple[int, Any, str]:
        code = main(["--home", str(vault_home), *args])
        out, err = capsys.readouterr()
        return code, json.loads(out) if "--json" in args and out.strip() else out, err
    return run


def _bundle(testdata: Path) -> Path:
    return min((testdata / "fhir_r4_synthea").glob("*.json"), key=lambda p: p.stat().st_size)


def _expected_types(bundle: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in json.loads(bundle.read_text())["entry"]:
        res = entry["resource"]
        kind = res["resourceType"]
        if kind == "Observation":
            cat = res["category"][0]["coding"][0]["code"]
            key = TYPES.get(cat, "other_observations")
            n = len(res["component"]) if "component" in res and "valueQuantity" not in res \
                and "valueCodeableConcept" not in res else 1
            if res["code"]["coding"][0]["code"] in ("55284-4", "85354-9"):
                key = "vitals"
            counts[key] = counts.get(key, 0) + n
        elif kind in ("MedicationRequest", "Condition", "Encounter", "Immunization",
                      "AllergyIntolerance"):
            key = {"MedicationRequest": "medications", "Condition": "conditions",
                   "Encounter": "encounters", "Immunization": "immunizations",
                   "AllergyIntolerance": "allergies"}[kind]
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_import_patients_records(cli: Any, testdata: Path) -> None:
    bundle = _bundle(testdata)
    code, result, _ = cli("import", str(bundle), "--json")
    assert code == 0 and result["status"] == "completed" and result["files_received"] == 1
    summary = result["summary"]
    expected = _expected_types(bundle)
    assert {k: v for k, v in summary["records_by_type"].items() if v} == expected
    assert summary["total_records"] == sum(expected.values())
    assert summary["errors"] == []
    assert summary["date_range"]["start"] <= summary["date_range"]["end"]
    assert result["progress"]["bytes"] == result["progress"]["total_bytes"] == bundle.stat().st_size

    code, again, _ = cli("import", str(bundle), "--json")
    assert code == 0 and again["summary"]["total_records"] == 0

    code, patients, _ = cli("patients", "--json")
    (patient,) = patients
    assert patient["total_records"] == sum(expected.values())

    raw = sorted((e["resource"]["effectiveDateTime"], e["resource"]["valueQuantity"]["value"])
                 for e in json.loads(bundle.read_text())["entry"]
                 if e["resource"]["resourceType"] == "Observation"
                 and e["resource"]["code"]["coding"][0]["code"] == "2093-3")
    code, rows, _ = cli("records", "--code", "2093-3", "--json")
    assert code == 0 and rows and KEYS <= rows[0].keys()
    assert [r["value"] for r in rows] == pytest.approx([v for _, v in raw])
    assert all(r["patient_id"] == patient["id"] and r["unit"] == "mg/dL" for r in rows)
    code, recent, _ = cli("records", "--since", raw[-1][0][:10], "--code", "2093-3", "--json")
    assert [r["value"] for r in recent] == pytest.approx([raw[-1][1]])
    code, text, _ = cli("records", "--patient", patient["id"], "--category", "laboratory")
    assert code == 0 and "2093-3" in text


def test_bad_file_reported_and_nothing_written(cli: Any, tmp_path: Path,
                                               testdata: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(_bundle(testdata).read_text()[:5000])
    code, result, err = cli("import", str(bad), "--json")
    assert code == 1 and result["status"] == "failed"
    (error,) = result["summary"]["errors"]
    assert error["file"] == "broken.json" and error["position"].startswith("line ")
    assert "broken.json" in err
    assert cli("patients", "--json")[1] == []


def test_several_patients_need_patient_option(cli: Any, testdata: Path) -> None:
    bundles = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[:2]
    assert cli("import", *map(str, bundles))[0] == 0
    code, _, err = cli("records")
    assert code == 1 and "--patient" in err


def test_service_progress_and_owner(vault: Vault, testdata: Path) -> None:
    service = ImportService(vault, Settings(home=vault.home))
    try:
        import_id = service.start([_bundle(testdata)], owner_id="usr_a")
        done = service.wait(import_id, timeout=120, owner_id="usr_a")
        assert done.import_id == import_id and done.status == "completed"
        assert done.progress.records >= done.summary.total_records > 0
        assert service.get(import_id, owner_id=None) is None
        assert service.get(import_id, owner_id="usr_b") is None
        assert vault.records.list_patients(owner_id=None) == []
        assert len(vault.records.list_patients(owner_id="usr_a")) == 1
        stored = vault.imports.get(import_id=import_id, owner_id="usr_a")
        assert stored["status"] == "completed"
        assert stored["summary"]["total_records"] == done.summary.total_records
    finally:
        service.close()
    later = ImportService(vault, Settings(home=vault.home))  # e.g. after a restart
    try:
        again = later.get(import_id, owner_id="usr_a")
        assert again is not None
        assert (again.import_id, again.status, again.files_received, again.progress) == \
            (done.import_id, done.status, done.files_received, done.progress)
        assert again.summary.records_by_type == done.summary.records_by_type
    finally:
        later.close()


def test_an_ended_job_is_read_from_its_row_and_leaves_memory(vault: Vault,
                                                             testdata: Path) -> None:
    """A server imports for months: only the running job may be held in memory, and once
    it has ended `get` reads it from its stored row, whole."""
    service = ImportService(vault, Settings(home=vault.home))
    try:
        bundles = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[:3]
        ids = [service.start([bundle], owner_id="usr_a") for bundle in bundles]
        service.close()  # the worker is idle: every job has ended
        assert service._jobs == {}  # noqa: SLF001 (what the server holds is the point)
        for import_id, bundle in zip(ids, bundles, strict=True):
            stored = service.get(import_id, owner_id="usr_a")
            assert stored is not None
            assert stored.status == "completed" and stored.files_received == 1
            assert [f.name for f in stored.files] == [bundle.name]
            assert stored.summary.total_records > 0  # three different people
            assert stored.progress.records == stored.summary.total_records
    finally:
        service.close()
