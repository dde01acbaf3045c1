"""Normalization: real unit conversions both ways, canonical values in the vault with the
original kept, reference ranges (record first, table second, user override), flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.ingest import units
from storage.ingest.normalize import iso, number, parse_range
from storage.vault import Vault
from tests.storage.conftest import import_paths

# (code, from unit, to unit, factor) from the molecular weights / definitions in the issue
CONVERSIONS = [
    ("2093-3", "mmol/L", "mg/dL", 386.65 / 10),  # cholesterol
    ("18262-6", "mmol/L", "mg/dL", 386.65 / 10),  # LDL
    ("2085-9", "mmol/L", "mg/dL", 386.65 / 10),  # HDL
    ("2571-8", "mmol/L", "mg/dL", 885.7 / 10),  # triglycerides
    ("2339-0", "mmol/L", "mg/dL", 180.16 / 10),  # glucose
    ("2160-0", "mg/dL", "umol/L", 88.42),  # creatinine
    ("29463-7", "[lb_av]", "kg", 0.45359237),
    ("8302-2", "[in_i]", "cm", 2.54),
]


@pytest.mark.parametrize("code, src, dst, factor", CONVERSIONS)
def test_conversions_both_ways(code: str, src: str, dst: str, factor: float) -> None:
    assert units.convert(1.0, src, dst, code=code) == pytest.approx(factor)
    assert units.convert(factor * 3, dst, src, code=code) == pytest.approx(3.0)


def test_temperature_and_aliases() -> None:
    assert units.convert(98.6, "degF", "Cel", code="8310-5") == pytest.approx(37.0)
    assert units.convert(37.0, "Cel", "[degF]", code="8310-5") == pytest.approx(98.6)
    assert units.convert(150, "lb", "kg", code="29463-7") == pytest.approx(150 * 0.45359237)
    with pytest.raises(ValueError):
        units.convert(1.0, "mg/dL", "kg", code="2093-3")


def test_parsing_helpers() -> None:
    assert number("<0.5") == ("<", 0.5)
    assert number("≥ 60") == (">=", 60.0)
    assert number("positive") == (None, None)
    assert parse_range("70-99") == (70.0, 99.0)
    assert parse_range("< 200") == (None, 200.0)
    assert parse_range("> 40") == (40.0, None)
    assert iso("2016-04-18 08:25:32 -0700") == "2016-04-18T08:25:32-07:00"
    assert iso("201310200908-0500") == "2013-10-20T09:08:00-05:00"
    assert iso("2012-03") == "2012-03-01"


def _obs(code: str, value: float, unit: str, when: str, **extra: Any) -> dict[str, Any]:
    return {"resource": {"resourceType": "Observation", "id": f"o-{code}-{value}-{unit}",
                         "status": "final",
                         "category": [{"coding": [{"code": "laboratory"}]}],
                         "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                         "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when,
                         "valueQuantity": {"value": value, "unit": unit}, **extra}}


def _bundle(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "bundle.json"
    patient = {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01",
                            "name": [{"given": ["Ada"], "family": "Test"}]}}
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [patient, *entries]}))
    return path


def test_vault_keeps_original_and_stores_canonical(vault: Vault, tmp_path: Path) -> None:
    ranged = {"referenceRange": [{"low": {"value": 3.0}, "high": {"value": 5.0}}]}
    entries = [
        _obs("2093-3", 5.2, "mmol/L", "2020-01-01T08:00:00+02:00"),  # cholesterol, SI
        _obs("2339-0", 40, "mg/dL", "2020-01-02T08:00:00Z"),  # glucose below critical
        _obs("2093-3", 6.0, "mmol/L", "2020-01-03T08:00:00Z", **ranged),  # own range
        _obs("2093-3", 7.0, "furlongs", "2020-01-04T08:00:00Z"),  # unreconcilable unit
        _obs("29463-7", 150, "[lb_av]", "2020-01-05T08:00:00Z"),
    ]
    import_paths(vault, _bundle(tmp_path, entries))
    rows = {(r.code, r.original_value, r.original_unit): r
            for r in vault.records.list_records(owner_id=None)}
    chol = rows[("2093-3", "5.2", "mmol/L")]
    assert chol.value == pytest.approx(5.2 * 38.665) and chol.unit == "mg/dL"
    assert chol.effective == "2020-01-01T08:00:00+02:00"
    assert chol.reference_source.startswith("table:") and chol.flag == "high"
    assert rows[("2339-0", "40", "mg/dL")].flag == "critical"
    own = rows[("2093-3", "6.0", "mmol/L")]
    assert own.reference_source == "record"
    assert (own.reference_low, own.reference_high) == pytest.approx((3 * 38.665, 5 * 38.665))
    assert own.flag == "high"
    odd = rows[("2093-3", "7.0", "furlongs")]
    assert odd.flag == "indeterminate" and odd.unit is None and odd.value is None
    weight = rows[("29463-7", "150", "[lb_av]")]
    assert weight.value == pytest.approx(150 * 0.45359237) and weight.unit == "kg"

    pid = chol.patient_id
    vault.records.set_reference_override(patient_id=pid, code="2093-3", low=2.0, high=6.0,
                                         unit="mmol/L")
    after = {r.original_value: r for r in
             vault.records.list_records(owner_id=None, patient_id=pid, code="2093-3")}
    assert after["5.2"].reference_source == "user" and after["5.2"].flag == "normal"
    assert after["5.2"].reference_high == pytest.approx(6 * 38.665)
    assert after["7.0"].flag == "indeterminate"  # still different units
    vault.records.delete_reference_override(patient_id=pid, code="2093-3")
    assert vault.records.list_records(owner_id=None, code="2093-3")[0].flag == "high"
