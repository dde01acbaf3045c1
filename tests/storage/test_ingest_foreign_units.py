"""A known code in a unit that does not convert: kept as sent, never mixed into series."""

from __future__ import annotations

import json
from pathlib import Path

from storage.vault import Vault
from tests.storage.conftest import import_paths


def _observation(oid: str, value: float, unit: str, when: str) -> dict:
    return {"resource": {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit}}}


def test_unconvertible_unit_has_no_canonical_value(vault: Vault, tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "name": [{"text": "Pat One"}],
                      "birthDate": "1970-01-01"}},
        _observation("o1", 5.0, "mmol/L", "2021-01-01"),
        _observation("o2", 6.2, "furlongs", "2021-02-01"),
    ]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    import_paths(vault, path)
    rows = vault.cursor().execute(
        "SELECT original_unit, value, unit, reference_low, reference_high, flag "
        "FROM observations WHERE code = '2093-3' ORDER BY effective").fetchall()
    converted, foreign = rows
    assert converted[0] == "mmol/L" and converted[2] == "mg/dL"
    assert abs(converted[1] - 5.0 * 386.65 / 10) < 0.01  # mmol/L -> mg/dL by weight
    assert foreign == ("furlongs", None, None, None, None, "indeterminate")
    # Every numeric value of the code is now in one unit, so a series cannot mix them.
    units = vault.cursor().execute(
        "SELECT DISTINCT unit FROM observations WHERE code = '2093-3' AND value IS NOT NULL"
    ).fetchall()
    assert units == [("mg/dL",)]


def test_category_and_name_from_the_code_when_the_record_has_none(
        vault: Vault, tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "name": [{"text": "Pat One"}]}},
        _observation("o1", 5.0, "mmol/L", "2021-01-01"),
        {"resource": {**_observation("o2", 180, "[lb_av]", "2021-01-01")["resource"],
                      "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}}},
        {"resource": {**_observation("o3", 1, "1", "2021-01-01")["resource"],
                      "code": {"coding": [{"system": "http://loinc.org", "code": "0000-0"}]}}},
    ]}
    path = tmp_path / "uncategorised.json"
    path.write_text(json.dumps(bundle))
    import_paths(vault, path)
    rows = dict(vault.cursor().execute(
        "SELECT code, (category, display IS NOT NULL) FROM observations").fetchall())
    assert rows == {"2093-3": ("laboratory", True), "29463-7": ("vital-signs", True),
                    "0000-0": ("other", False)}
