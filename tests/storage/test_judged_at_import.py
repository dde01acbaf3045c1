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

import duckdb

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


def _apple_with(source: Path, target: Path, records: list[tuple[str, str, float, datetime, str]]
                ) -> Path:
    """The Apple export `source` with (HealthKit type, unit, value, time, source app)
    Records added before its end."""
    added = "".join(
        f'<Record type="HKQuantityTypeIdentifier{kind}" sourceName="{app}" unit="{unit}" '
        f'creationDate="{at:%Y-%m-%d %H:%M:%S} +0000" startDate="{at:%Y-%m-%d %H:%M:%S} +0000" '
        f'endDate="{at:%Y-%m-%d %H:%M:%S} +0000" value="{value}"/>\n'
        for kind, unit, value, at, app in records)
    text = source.read_text()
    target.write_text(text.replace("</HealthData>", added + "</HealthData>"))
    return target


def test_judgements_stored_by_import_equal_the_read_paths_sql(
        vault: Vault, testdata: Path, tmp_path: Path, monkeypatch) -> None:
    """A Synthea bundle, then an Apple export with implausible, critical, same-instant
    and sudden readings added (some split across chunks: tiny chunks), imported into one
    person: the judgement each import stored (per row in its insert, neighbours only
    where a chunk can change them) equals the read path's SQL (readings_sql.readings_cte)
    over the whole table at once, every stored column of every row."""
    from storage.ingest.writer import Writer
    monkeypatch.setattr(Writer, "WRITE_EVERY", 40)
    monkeypatch.setattr(Writer, "BATCH", 20)
    synthea = sorted((testdata / "fhir_r4_synthea").glob("*.json"),
                     key=lambda p: p.stat().st_size)[0]
    import_paths(vault, synthea, import_id="imp_s")
    t = datetime(2024, 2, 1, 7, 0, tzinfo=UTC)
    added = [("BloodGlucose", "mg/dL", 5, t, "Meter"),  # implausible
             ("BloodGlucose", "mg/dL", 30, t + timedelta(hours=1), "Meter"),  # critical
             ("BloodGlucose", "mg/dL", 95, t + timedelta(hours=2), "Meter"),
             ("HeartRate", "count/min", 195, t, "Watch"),  # critical
             ("HeartRate", "count/min", 74, t, "Strap"),  # same instant, differs
             ("BodyMass", "kg", 500, t + timedelta(days=1), "Scale")]  # implausible
    added += [("BodyMass", "kg", 70 + i / 10, t + timedelta(days=i), "Scale") for i in range(8)]
    added += [("BodyMass", "kg", 140, t + timedelta(days=3, hours=5), "OtherApp")]  # sudden
    added += [("StepCount", "count", 100 + i, t + timedelta(minutes=i), "Phone")
              for i in range(60)]  # pushes the rest into later chunks
    added += [("HeartRate", "count/min", 75.5, t, "Ring"),  # another chunk, same instant
              ("HeartRate", "count/min", 60, t + timedelta(days=2), "Ring"),
              ("HeartRate", "count/min", 60, t + timedelta(days=2), "Strap")]  # agree
    apple = _apple_with(testdata / "apple_health" / "apple_health_parser_export.xml",
                        tmp_path / "export.xml", added)
    import_paths(vault, apple, import_id="imp_a")
    cur = vault.measurements.cursor()
    _assert_stored_as_the_read_paths_sql(cur)
    by_value = {(r[0], r[1]): r[2:] for r in cur.execute(
        "SELECT healthkit_type, original_value, judged_flag, quality, quality_reason "
        "FROM observations WHERE healthkit_type IS NOT NULL").fetchall()}
    glucose, heart, mass = (f"HKQuantityTypeIdentifier{k}"
                            for k in ("BloodGlucose", "HeartRate", "BodyMass"))
    assert by_value[(glucose, "5")] == ("indeterminate", "verify", "implausible")
    assert by_value[(glucose, "30")][:2] == ("critical", "ok")
    assert by_value[(heart, "195")] == ("critical", "conflict", "same_instant_differs")
    assert by_value[(heart, "75.5")][1] == "conflict"
    assert by_value[(heart, "60")][1] == "ok"
    assert by_value[(mass, "500")][1:] == ("verify", "implausible")
    assert by_value[(mass, "140")][1:] == ("verify", "sudden_change")


def test_crowded_chunks_are_judged_by_the_import_at_the_instants_they_share(
        vault: Vault, testdata: Path, tmp_path: Path, monkeypatch) -> None:
    """Records out of time order give each chunk a span of years: such chunks' conflicts
    are judged once, after the unit's last chunk, rather than over years once per chunk,
    and nothing is left for the first read: every stored judgement equals the read
    path's SQL over the whole table, conflicts and sudden changes included."""
    from storage.ingest.writer import Writer
    from storage.repos import measurements
    monkeypatch.setattr(Writer, "WRITE_EVERY", 40)
    monkeypatch.setattr(Writer, "BATCH", 20)
    monkeypatch.setattr(measurements, "CROWDED_ROWS", 30)
    t = datetime(2024, 2, 1, 7, 0, tzinfo=UTC)
    added = [("HeartRate", "count/min", 60 + i % 7, t - timedelta(days=1 + (i * 37) % 900),
              "Watch") for i in range(120)]  # each chunk spans years
    added += [("BodyMass", "kg", 80 + i % 3, t - timedelta(days=(i * 53) % 40), "Scale")
              for i in range(40)]
    # in three chunks of years each: a critical reading, one at its instant that differs,
    # and a sudden change of weight
    added.insert(5, ("HeartRate", "count/min", 195, t, "Watch"))
    added.insert(90, ("HeartRate", "count/min", 74, t, "Strap"))
    added.insert(130, ("BodyMass", "kg", 140, t - timedelta(days=20, hours=1), "Scale"))
    apple = _apple_with(testdata / "apple_health" / "apple_health_parser_export.xml",
                        tmp_path / "export.xml", added)
    import_paths(vault, apple, import_id="imp_a")
    cur = vault.measurements.cursor()
    assert cur.execute("SELECT count(*) FROM observations WHERE quality IS NULL"
                       ).fetchall() == [(0,)]
    _assert_stored_as_the_read_paths_sql(cur)
    judged = cur.execute("SELECT original_value, quality_reason FROM observations WHERE "
                         "quality <> 'ok' AND source_name IN ('Watch', 'Strap', 'Scale') "
                         "ORDER BY 1").fetchall()
    assert judged == [("140", "sudden_change"), ("195", "same_instant_differs"),
                      ("74", "same_instant_differs")]


def _assert_stored_as_the_read_paths_sql(cur: duckdb.DuckDBPyConnection) -> None:
    """Every stored judgement column of every row equals the read path's SQL
    (readings_sql.readings_cte) over the whole table at once."""
    from storage.repos.readings_sql import STORED, readings_cte

    cols = ", ".join(col for col, _ in STORED)
    srcs = ", ".join(f"g.{src}" for _, src in STORED)
    stored = cur.execute(f"SELECT id, {cols} FROM observations ORDER BY id").fetchall()
    expected = cur.execute(f"WITH {readings_cte('true')} SELECT g.id, {srcs} FROM readings g "
                           "ORDER BY g.id").fetchall()
    assert len(stored) > 100 and stored == expected
