"""Readings are judged when they are imported, not when they are first read: the stored
columns (measure, series unit, flag, quality) are filled by the import itself, and a
later import or a personal range judges again only what it changes. Every check here
reads the columns with plain SQL, never through the query manager (which would judge
what is pending). Expected values come from the raw files or the test's own numbers."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.vault import Vault
from tests.storage.conftest import import_paths
from tests.storage.test_measurements import EGFR_CODES, _raw, _when

T0 = datetime(2023, 6, 1, 8, 0, tzinfo=UTC)


def _bundle(path: Path, observations: list[tuple[str, str, float, str, datetime]]) -> Path:
    """A FHIR bundle of patient p1 with (id, LOINC code, value, unit, time) readings."""
    entries = [{"resource": {"resourceType": "Patient", "id": "p1",
                             "identifier": [{"system": "urn:test", "value": "p1"}],
                             "name": [{"given": ["Jo"], "family": "Judged"}]}}]
    entries += [{"resource": {
        "resourceType": "Observation", "id": oid, "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                          "code": unit},
        "effectiveDateTime": at.isoformat()}} for oid, code, value, unit, at in observations]
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}))
    return path


def _stored(vault: Vault) -> dict[str, tuple]:
    """record id -> (measure, series unit, judged flag, quality, reason, applied source)."""
    rows = vault.cursor().execute(
        "SELECT record_id, measure, series_unit, judged_flag, quality, quality_reason, "
        "applied_source FROM observations").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_freshly_imported_file_is_judged_with_no_read(synthea_vault: Vault,
                                                        testdata: Path) -> None:
    """The Synthea bundles, imported and never read: every observation has its stored
    judgement; eGFR readings of both units are the measure egfr in their own unit; the
    same-instant panels that differ (from the raw JSON) are conflicts, the rest not."""
    cur = synthea_vault.cursor()
    assert cur.execute("SELECT count(*) FROM observations WHERE quality IS NULL"
                       ).fetchone()[0] == 0
    checked = conflicts = 0
    for pid, observations in _raw(testdata).items():
        patient = cur.execute("SELECT id FROM patients WHERE identifier = ?",
                              [f"Patient/{pid}"]).fetchone()[0]
        rows = cur.execute("SELECT code, epoch(effective), value, measure, series_unit, quality "
                           "FROM observations WHERE patient_id = ?", [patient]).fetchall()
        stored = defaultdict(list)
        for code, at, _, measure, unit, quality in rows:
            stored[(code, at)].append((measure, unit, quality))
        groups: dict[tuple[str, float], list[dict]] = defaultdict(list)
        for res in observations:
            groups[(res["code"]["coding"][0]["code"], _when(res))].append(res["valueQuantity"])
        for (code, at), quantities in groups.items():
            judged = stored[(code, at)]
            assert judged, (code, at)
            if code in EGFR_CODES:
                units = {q.get("code") or q["unit"] for q in quantities}
                assert {(m, u) for m, u, _ in judged} == {("egfr", u) for u in units}
                continue
            values = [q["value"] for q in quantities]
            differ = max(values) - min(values) > 0.005 * max(map(abs, values))
            assert {q for _, _, q in judged} <= ({"conflict"} if differ else {"ok", "verify"})
            conflicts += differ
            checked += 1
    assert checked and conflicts  # the bundles hold same-instant panels that differ


def test_a_later_import_judges_again_what_it_changes(vault: Vault, tmp_path: Path) -> None:
    """A second file with an HbA1c under the alias 17856-6 at the instant of the first
    file's 4548-4 makes both a conflict, and a weight 40 % above the readings around it
    is held for verification: stored by the import, with no read in between. Readings
    at other instants keep their judgement."""
    first = [("a1", "4548-4", 6.1, "%", T0), ("a2", "4548-4", 6.3, "%", T0 + timedelta(days=90))]
    first += [(f"w{i}", "29463-7", 80.0 + i / 10, "kg", T0 + timedelta(days=i))
              for i in range(6)]
    import_paths(vault, _bundle(tmp_path / "first.json", first), import_id="imp_1")
    before = _stored(vault)
    assert {before[r][3] for r in before} == {"ok"}
    jump = 80.0 * 1.4
    second = [("b1", "17856-6", 7.4, "%", T0),
              ("w9", "29463-7", jump, "kg", T0 + timedelta(days=2, hours=12))]
    import_paths(vault, _bundle(tmp_path / "second.json", second), import_id="imp_2")
    after = _stored(vault)
    assert after["a1"][3] == after["b1"][3] == "conflict"
    assert after["a1"][0] == after["b1"][0] == "hba1c"
    assert after["a2"][3] == "ok"
    assert after["w9"][3:5] == ("verify", "sudden_change")
    assert {after[f"w{i}"][3] for i in range(6)} == {"ok"}


def test_a_personal_range_judges_every_alias_code_again(vault: Vault, tmp_path: Path) -> None:
    """A range set under 4548-4 flags the readings stored under 4548-4 and 17856-6 by
    that range in the stored columns; another measure's readings are left as they were."""
    readings = [("a1", "4548-4", 6.1, "%", T0), ("a2", "17856-6", 9.4, "%", T0 + timedelta(days=1)),
                ("a3", "17856-6", 7.0, "%", T0 + timedelta(days=2)),
                ("l1", "18262-6", 130.0, "mg/dL", T0)]
    import_paths(vault, _bundle(tmp_path / "a1c.json", readings))
    before = _stored(vault)
    pid = vault.cursor().execute("SELECT id FROM patients").fetchone()[0]
    low, high = 6.5, 9.0
    vault.records.set_reference_override(patient_id=pid, code="4548-4", low=low, high=high,
                                         unit="%")
    after = _stored(vault)
    for oid, code, value, _, _ in readings:
        if code == "18262-6":
            assert after[oid] == before[oid]
            continue
        expected = "low" if value < low else "high" if value > high else "normal"
        assert after[oid][2] == expected, oid
        assert after[oid][5] == "user"
