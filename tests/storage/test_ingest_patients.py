"""Patients are matched by identifier, else by name and birth date; one file, many people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storage.vault import Vault
from tests.storage.conftest import import_paths


def _bundle(path: Path, patients: list[dict[str, Any]]) -> Path:
    entries = []
    for n, p in enumerate(patients):
        entries.append({"fullUrl": f"urn:uuid:{p['id']}", "resource": {
            "resourceType": "Patient", **p}})
        entries.append({"resource": {
            "resourceType": "Observation", "id": f"{path.stem}-{n}",
            "category": [{"coding": [{"code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "subject": {"reference": f"urn:uuid:{p['id']}"},
            "effectiveDateTime": f"2021-0{n + 1}-01T10:00:00Z",
            "valueQuantity": {"value": 60 + n, "unit": "/min"}}})
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset",
                                "entry": entries}))
    return path


def test_matching(vault: Vault, tmp_path: Path) -> None:
    mrn = [{"system": "urn:mrn", "value": "A-1"}]
    ada = {"name": [{"given": ["Ada"], "family": "King"}], "birthDate": "1990-02-03"}
    bob = {"name": [{"given": ["Bob"], "family": "Ray"}], "birthDate": "1980-01-01"}
    import_paths(vault, _bundle(tmp_path / "a.json", [
        {"id": "1", "identifier": mrn, **ada}, {"id": "2", **bob}]))
    assert len(vault.records.list_patients(owner_id=None)) == 2  # one file, two people
    # the same MRN under another server id and another spelling of the name
    import_paths(vault, _bundle(tmp_path / "b.json", [
        {"id": "99", "identifier": mrn, "name": [{"text": "Ada K."}], "birthDate": "1990-02-03"}]))
    # no identifier: name and birth date
    import_paths(vault, _bundle(tmp_path / "c.json", [{"id": "77", **bob}]))
    # same name, another birth date: someone else
    import_paths(vault, _bundle(tmp_path / "d.json", [
        {"id": "55", **{**bob, "birthDate": "2001-05-05"}}]))
    found = {(p.name, p.birth_date): p.record_counts["observations"]
             for p in vault.records.list_patients(owner_id=None)}
    assert found == {("Ada King", "1990-02-03"): 2, ("Bob Ray", "1980-01-01"): 2,
                     ("Bob Ray", "2001-05-05"): 1}
