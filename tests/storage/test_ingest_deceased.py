"""Patient.deceased[x] is kept by every import that carries it: FHIR deceasedDateTime and
deceasedBoolean (bundles and bulk NDJSON), Synthea CSV DEATHDATE, and C-CDA
sdtc:deceasedInd/deceasedTime. Expected values are read from the raw files here."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

from storage.vault import Vault
from tests.storage.conftest import import_paths
from tests.storage.test_ingest_patients import _bundle

SYNTHEA = ("Eleonor_Becker", "Alfreda_Wyman")  # one who died, one who did not


def _stored(vault: Vault) -> dict[tuple[str | None, str | None], tuple[bool | None, date | None]]:
    rows = vault.cursor().execute(
        "SELECT given_name, family_name, deceased, deceased_date FROM patients").fetchall()
    return {(g, f): (d, when) for g, f, d, when in rows}


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def test_fhir_bundles_and_ndjson(vault: Vault, testdata: Path) -> None:
    files = [next((testdata / "fhir_r4_synthea").glob(f"{n}_*.json")) for n in SYNTHEA]
    import_paths(vault, *files, testdata / "fhir_bulk_ndjson")
    want = {}
    for path in files:
        bundle = json.loads(path.read_text())
        res = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
        want[res["id"]] = res.get("deceasedDateTime")
    lines = (testdata / "fhir_bulk_ndjson" / "Patient.000.ndjson").read_text().splitlines()
    for line in lines:
        res = json.loads(line)
        want[res["id"]] = res.get("deceasedDateTime")
    assert sum(1 for w in want.values() if w) >= 3  # the files do hold deaths
    rows = vault.cursor().execute(
        "SELECT identifier, deceased, deceased_date FROM patients "
        "WHERE identifier_system = 'fhir'").fetchall()
    got = {ident.removeprefix("Patient/"): (d, when) for ident, d, when in rows}
    assert set(got) == set(want)
    for pid, died in want.items():
        assert got[pid] == ((True, _day(died)) if died else (None, None)), pid


def test_deceased_boolean(vault: Vault, tmp_path: Path) -> None:
    import_paths(vault, _bundle(tmp_path / "b.json", [
        {"id": "1", "name": [{"given": ["Ada"], "family": "King"}], "deceasedBoolean": True},
        {"id": "2", "name": [{"given": ["Bob"], "family": "Ray"}], "deceasedBoolean": False}]))
    assert _stored(vault) == {("Ada", "King"): (True, None), ("Bob", "Ray"): (False, None)}
    # a later file with the day fills it in; one without the field changes nothing
    import_paths(vault, _bundle(tmp_path / "c.json", [
        {"id": "1", "name": [{"given": ["Ada"], "family": "King"}],
         "deceasedDateTime": "2020-05"}]), import_id="imp_2")
    assert _stored(vault)[("Ada", "King")] == (True, date(2020, 5, 1))


def test_synthea_csv_deathdate(vault: Vault, testdata: Path) -> None:
    folder = testdata / "synthea_csv"
    import_paths(vault, folder)
    with (folder / "patients.csv").open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    assert any(r["DEATHDATE"] for r in raw)
    got = _stored(vault)
    for r in raw:
        want = (True, _day(r["DEATHDATE"])) if r["DEATHDATE"] else (None, None)
        assert got[(r["FIRST"], r["LAST"])] == want, r["Id"]


def test_ccda_deceased_ind_and_time(vault: Vault, testdata: Path, tmp_path: Path) -> None:
    """The test files show sdtc:deceasedInd only in a comment (CCD_1's family history), so
    the real CCD gets them in its recordTarget, as C-CDA R2.1 places them."""
    text = (testdata / "ccda" / "Documents_CCD_CCD_1_CCD.XML").read_text(encoding="utf-8")
    head, rest = text.split("<recordTarget>", 1)
    birth = re.search(r"<birthTime[^>]*/>", rest)
    assert birth
    sdtc = ('<sdtc:deceasedInd xmlns:sdtc="urn:hl7-org:sdtc" value="true"/>'
            '<sdtc:deceasedTime xmlns:sdtc="urn:hl7-org:sdtc" value="20190312"/>')
    path = tmp_path / "ccd.xml"
    path.write_text(head + "<recordTarget>" + rest[:birth.end()] + sdtc + rest[birth.end():],
                    encoding="utf-8")
    import_paths(vault, testdata / "ccda" / "Documents_CCD_CCD_1_CCD.XML")
    assert list(_stored(vault).values()) == [(None, None)]  # the document does not say
    import_paths(vault, path, import_id="imp_2")  # the same person, now with a death
    assert list(_stored(vault).values()) == [(True, date(2019, 3, 12))]
