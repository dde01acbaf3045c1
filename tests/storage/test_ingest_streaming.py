"""Streaming details of the bulk paths: NDJSON mapped in batches after a first pass for
Patients and DiagnosticReports, Apple Health times in any UTC offset de-duplicated by
instant across chunks, and a DOCTYPE too long to check refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.errors import IngestError
from storage.ingest import fhir, xmlsafe
from storage.ingest.writer import Writer
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths


def _bundle_resources(testdata: Path) -> list[dict]:
    bundle = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[0]
    return [e["resource"] for e in json.loads(bundle.read_text())["entry"]]


def test_ndjson_with_patient_and_reports_last_is_linked_across_batches(
        vault: Vault, testdata: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One mixed file, read in batches of 7 lines: the Patient and the DiagnosticReports
    come after the Observations that refer to them, and still resolve."""
    monkeypatch.setattr(fhir, "NDJSON_BATCH", 7)
    resources = _bundle_resources(testdata)
    last = ("Patient", "DiagnosticReport")
    ordered = ([r for r in resources if r["resourceType"] not in last]
               + [r for r in resources if r["resourceType"] in last])
    path = tmp_path / "mixed.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in ordered))
    import_paths(vault, path)

    expected_reports = {ref["reference"].split(":")[-1]: r["code"]["text"]
                        for r in resources if r["resourceType"] == "DiagnosticReport"
                        for ref in r.get("result", [])}
    cur = vault.cursor()
    rows = dict(cur.execute(
        "SELECT record_id, report FROM observations WHERE record_id IN "
        f"({', '.join('?' * len(expected_reports))})", list(expected_reports)).fetchall())
    assert rows == expected_reports
    assert len(vault.records.list_patients(owner_id=None)) == 1
    # The same resources as a bundle add nothing: the batches made the same rows.
    before = fingerprint(vault)
    import_paths(vault, sorted((testdata / "fhir_r4_synthea").glob("*.json"))[0])
    assert fingerprint(vault) == before


def test_ndjson_bad_line_names_its_line(vault: Vault, testdata: Path, tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in _bundle_resources(testdata)[:30]]
    lines[20] = lines[20][:-5]  # truncated
    path = tmp_path / "Observation.ndjson"
    path.write_text("\n".join(lines) + "\n")
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, path)
    assert info.value.position.startswith("line 21 ")
    assert fingerprint(vault) == before


RECORD = ('<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="{src}" '
          'unit="count/min" startDate="{t}" endDate="{t}" value="{v}"/>')


def test_apple_times_keep_their_offset_and_the_same_instant_is_kept_once(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same reading written in two offsets (a phone that changed time zone) is one
    instant: kept once even when the two copies fall into different chunks."""
    monkeypatch.setattr(Writer, "BATCH", 2)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 2)
    records = [RECORD.format(src="Watch", t="2023-12-31 23:30:00 -0700", v=61),
               RECORD.format(src="Watch", t="2024-01-01 08:00:00 +0530", v=62),
               RECORD.format(src="Watch", t="2024-01-01 10:00:00 +0000", v=63),
               RECORD.format(src="Phone", t="2024-01-01 06:30:00 +0000", v=61)]  # = the first
    path = tmp_path / "export.xml"
    path.write_text(f"<HealthData>{''.join(records)}</HealthData>")
    import_paths(vault, path)
    rows = vault.cursor().execute(
        "SELECT epoch(effective), utc_offset, value FROM observations ORDER BY effective"
    ).fetchall()
    assert rows == [(1704076200.0, 330, 62.0), (1704090600.0, -420, 61.0),
                    (1704103200.0, 0, 63.0)]


def test_doctype_longer_than_the_checked_head_is_refused(vault: Vault, tmp_path: Path) -> None:
    """An export is streamed, so its DOCTYPE is checked only in the head it starts with;
    a DOCTYPE whose internal subset runs past that head is refused, not parsed."""
    padding = "<!ELEMENT Record EMPTY>\n" * 20_000  # ~480 KB of harmless declarations
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n{padding}'
            '<!ENTITY x "boom">\n]>\n<HealthData><Record type="&x;"/></HealthData>')
    with pytest.raises(IngestError) as info:
        xmlsafe.check_prolog(text.encode()[: xmlsafe.HEAD], "export.xml")
    assert "DOCTYPE" in info.value.reason
    path = tmp_path / "export.xml"
    path.write_text(text)
    before = fingerprint(vault)
    with pytest.raises(IngestError):
        import_paths(vault, path)
    assert fingerprint(vault) == before
