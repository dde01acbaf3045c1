"""C-CDA: the HL7 example fragments (xsi prefix undeclared) and the CCD document; values,
comparators, reference ranges, translation and non-UCUM units, read against the raw XML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from storage.ingest import units
from storage.vault import Vault
from tests.storage.conftest import import_paths


def _raw(path: Path) -> Any:
    """The file as the test reads it: lenient parser, no entities, namespaces dropped."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(path.read_bytes(), parser)
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _file(testdata: Path, prefix: str) -> Path:
    return next((testdata / "ccda").glob(prefix + "*"))


def _only(vault: Vault, path: Path) -> list[dict[str, Any]]:
    import_paths(vault, path)
    return vault.records.list_records(owner_id=None)


def test_every_example_imports(vault: Vault, testdata: Path) -> None:
    files = sorted(p for p in (testdata / "ccda").iterdir() if p.suffix.lower() == ".xml")
    results = import_paths(vault, *files)  # raises on the first rejected file
    assert len(results) == len(files)
    expected, distinct = 0, set()
    for path in files:
        root = _raw(path)
        for section in [root] if root.tag == "section" else root.iter("section"):
            roots = {t.get("root", "").removesuffix(".1") for t in section.findall("templateId")}
            if roots & {"2.16.840.1.113883.10.20.22.2.3", "2.16.840.1.113883.10.20.22.2.4"}:
                found = section.findall("entry/organizer/component/observation") + \
                    section.findall("entry/observation")
                for obs in found:
                    if obs.find("value") is None or obs.get("negationInd") == "true":
                        continue
                    expected += 1
                    ident = obs.find("id")
                    ident = None if ident is None else (ident.get("root"), ident.get("extension"))
                    distinct.add((ident,
                                  obs.find("code").get("code"),
                                  etree.tostring(obs.find("value")),
                                  etree.tostring(obs.find("effectiveTime"))))
    # every result read; the examples repeat some results across files: kept once
    assert sum(r.records_read for r in results if r.records_read) >= expected
    count = vault.cursor().execute("SELECT count(*) FROM observations").fetchone()[0]
    assert count == len(distinct) < expected


def test_greater_than_value(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Results_Result_with_greater_than")
    low = _raw(path).find(".//organizer/component/observation/value/low")
    (row,) = _only(vault, path)
    assert low.get("inclusive") == "false"
    assert row.comparator == ">" and row.value == float(low.get("value"))
    assert row.flag == "high"  # interpretationCode ">"


def test_less_than_value_and_range(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Results_Results_with_less_than")
    obs = _raw(path).find(".//organizer/component/observation")
    high = obs.find("value/high")
    rng = obs.find("referenceRange/observationRange/value")
    (row,) = _only(vault, path)
    assert row.comparator == "<=" and row.value == float(high.get("value"))
    assert row.original_unit == high.get("unit")
    assert row.reference_low == float(rng.find("low").get("value"))
    assert row.reference_high == float(rng.find("high").get("value"))
    assert row.flag == "normal"


def test_translation_unit(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Results_Results_with_translation_unit")
    value = _raw(path).find(".//organizer/component/observation/value")
    (row,) = _only(vault, path)
    assert row.value == float(value.get("value")) and row.unit == value.get("unit")
    assert (row.reference_low, row.reference_high) == (150, 400)


def test_non_ucum_unit_kept_as_written(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Results_Results_Unit_Non-UCUM")
    obs = _raw(path).find(".//organizer/component/observation")
    translation = obs.find("value/translation")
    (row,) = _only(vault, path)
    assert row.value == float(translation.get("value"))
    assert row.unit == row.original_unit == translation.findtext("originalText").strip()
    low = obs.find("referenceRange/observationRange/value/low/translation").get("value")
    assert row.reference_low == float(low)
    assert row.flag == "normal"


def test_non_numeric_values(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Results_Result_with_non-numeric_physical")
    texts = [v.text.strip() for v in _raw(path).iter("value") if v.text and v.text.strip()]
    rows = _only(vault, path)
    assert [r.value_text for r in rows if r.value is None] == texts


def test_mixed_imperial_vitals_converted(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Vital_Signs_Panel_of_Vital_Signs_in_Mixed")
    raw = {o.find("code").get("code"): o.find("value") for o in
           _raw(path).findall(".//organizer/component/observation")}
    rows = {r.code: r for r in _only(vault, path)}
    assert rows.keys() == raw.keys()
    for code, value in raw.items():
        row, unit = rows[code], value.get("unit")
        canonical = units.canonical_unit(code) or unit
        assert row.original_unit == unit and row.unit == units.ucum(canonical)
        assert row.value == pytest.approx(
            units.convert(float(value.get("value")), unit, canonical, code=code)
            if units.canonical_unit(code) else float(value.get("value")))
    assert rows["8310-5"].unit == "Cel"


def test_document_patient(vault: Vault, testdata: Path) -> None:
    path = _file(testdata, "Documents_CCD")
    role = _raw(path).find("recordTarget/patientRole")
    import_paths(vault, path)
    (patient,) = vault.records.list_patients(owner_id=None)
    given = role.find("patient/name/given").text.strip()
    assert given in patient.name
    assert role.find("patient/name/family").text.strip() in patient.name
    birth = role.find("patient/birthTime").get("value")
    assert patient.birth_date == f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}"
    assert patient.record_counts["observations"] > 0
    assert patient.record_counts["medications"] > 0


def test_a_severity_beside_an_allergy_is_its_severity_not_an_allergy(
        vault: Vault, testdata: Path) -> None:
    """The CCD's allergy concern holds an Allergy Observation (4.7) and, beside it, a
    Severity Observation (4.8, "Moderate to severe"): two allergies, the first severe."""
    path = _file(testdata, "Documents_CCD")
    allergy, severity = "2.16.840.1.113883.10.20.22.4.7", "2.16.840.1.113883.10.20.22.4.8"
    expected: list[str | None] = []
    for act in _raw(path).iter("act"):
        observations = act.findall("entryRelationship/observation")
        roots = [[t.get("root") for t in o.findall("templateId")] for o in observations]
        pairs = zip(observations, roots, strict=True)
        sev = next((o.find("value").get("displayName") for o, r in pairs if severity in r),
                   None)
        expected += [sev for r in roots if allergy in r]
    assert len(expected) == 2 and any(expected)
    import_paths(vault, path)
    rows = vault.cursor().execute(
        "SELECT criticality FROM allergies ORDER BY recorded NULLS LAST").fetchall()
    assert sorted(r[0] or "" for r in rows) == sorted(e or "" for e in expected)
