"""The insight API's JSON files: labs named without codes map to LOINC, vitals (with
blood pressure split), medications, clinical lists; one patient from header_fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.errors import IngestError
from storage.ingest.normalize import loinc_for_name
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths

HEADER = {"Patient_Name": "Jane Sample", "Date_Of_Birth": "1975-04-02",
          "Report_Date": "2024-12-30", "Patient_Age": 49}
LABS = {"header_fields": HEADER, "Lab_Results": [
    {"Test_Date": "2013-01-15", "Provider": "Lab A", "Tests": [
        {"Test_Name": "Total Cholesterol", "Test_Value": "220", "Test_Unit": "mg/dL",
         "Reference_Range": "< 200", "Flag": "H", "Test_Category": "Lipids"},
        {"Test_Name": "HDL", "Test_Value": "1.2", "Test_Unit": "mmol/L",
         "Reference_Range": "> 1.0", "Flag": "", "Test_Category": "Lipids"},
        {"Test_Name": "Glucose", "Test_Value": "<40", "Test_Unit": "mg/dL",
         "Reference_Range": "70-99", "Flag": "", "Test_Category": "Metabolic"},
        {"Test_Name": "Urine Color", "Test_Value": "Yellow", "Test_Unit": "",
         "Reference_Range": "", "Flag": "", "Test_Category": "Urinalysis"}]},
    {"Test_Date": "2024-12-30", "Provider": "Lab B", "Tests": [
        {"Test_Name": "Total Cholesterol", "Test_Value": 185, "Test_Unit": "mg/dL",
         "Reference_Range": "< 200", "Flag": "", "Test_Category": "Lipids"}]}]}
VITALS = {"header_fields": HEADER, "Vitals": [
    {"Measurement_Date": "2024-06-01", "Vital_Type": "Blood Pressure", "Vital_Value": "128/84",
     "Vital_Unit": "mmHg"},
    {"Measurement_Date": "2024-06-01", "Vital_Type": "Weight", "Vital_Value": "165",
     "Vital_Unit": "lb"}]}
MEDS = {"header_fields": HEADER, "Medications": [
    {"Prescription_Date": "2020-03-01", "Medication_Name": "Atorvastatin", "Dosage": "20 mg",
     "Form": "tablet", "For_Condition": "High cholesterol", "Frequency": "daily",
     "Status": "active"}]}
CLINICAL = {"header_fields": HEADER, "Conditions": [
    {"Condition_Name": "Hyperlipidemia", "Diagnosis_Date": "2013-02-01", "Status": "active"}],
    "Allergies": [{"Allergen": "Penicillin", "Reaction": "Rash", "Severity": "moderate",
                   "Date_Recorded": "2001-05-05"}],
    "Immunizations": [{"Vaccine_Name": "Influenza", "Date_Given": "2024-10-01"}]}


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_all_four_files(vault: Vault, tmp_path: Path) -> None:
    files = [_write(tmp_path, f"{n}_2024.json", d) for n, d in
             (("lab_results", LABS), ("vitals", VITALS), ("medications", MEDS),
              ("clinical_data", CLINICAL))]
    import_paths(vault, *files)
    patients = vault.records.list_patients(owner_id=None)
    assert [(p.name, p.birth_date) for p in patients] == [("Jane Sample", "1975-04-02")]
    records = vault.records.list_records(owner_id=None)
    tests = [t for visit in LABS["Lab_Results"] for t in visit["Tests"]]
    assert len(records) == len(tests) + 3  # BP splits in two, weight
    by_name = {(r.display, r.original_value): r for r in records}
    chol = by_name[("Total Cholesterol", "220")]
    assert chol.code == loinc_for_name("Total Cholesterol")[0] == "2093-3"
    assert chol.flag == "high" and chol.reference_high == 200
    assert chol.effective.startswith("2013-01-15")
    hdl = by_name[("HDL", "1.2")]
    assert hdl.unit == "mg/dL" and hdl.value == pytest.approx(1.2 * 38.665)
    assert hdl.reference_low == pytest.approx(1.0 * 38.665) and hdl.flag == "normal"
    glucose = by_name[("Glucose", "<40")]
    assert glucose.comparator == "<" and glucose.value == 40
    assert glucose.flag == "critical"  # below the table's critical limit (54 mg/dL)
    assert by_name[("Urine Color", "Yellow")].value_text == "Yellow"
    systolic = [r for r in records if r.code == "8480-6"]
    diastolic = [r for r in records if r.code == "8462-4"]
    assert [r.value for r in systolic] == [128] and [r.value for r in diastolic] == [84]
    weight = next(r for r in records if r.code == "29463-7")
    assert weight.value == pytest.approx(165 * 0.45359237) and weight.unit == "kg"
    cur = vault.cursor()
    assert cur.execute("SELECT name, dose_value, dose_unit, reason FROM medications").fetchall() \
        == [("Atorvastatin", 20.0, "mg", "High cholesterol")]
    assert cur.execute("SELECT display FROM conditions").fetchall() == [("Hyperlipidemia",)]
    assert cur.execute("SELECT display, reaction FROM allergies").fetchall() == \
        [("Penicillin", "Rash")]
    assert cur.execute("SELECT display FROM immunizations").fetchall() == [("Influenza",)]
    before = fingerprint(vault)
    import_paths(vault, *files)  # again: nothing new
    assert fingerprint(vault) == before


def test_wrong_shape_rejected(vault: Vault, tmp_path: Path) -> None:
    bad = _write(tmp_path, "lab_results_bad.json",
                 {"header_fields": HEADER, "Lab_Results": [{"Test_Date": "2020-01-01",
                                                            "Tests": "not a list"}]})
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, bad)
    assert "Tests" in info.value.position and "array" in info.value.reason
    assert fingerprint(vault) == before
