"""Synthea CSV folder: counts per table and per LOINC code equal the raw CSV's."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from storage.errors import IngestError
from storage.ingest.detect import plan
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_counts_match_raw_csv(vault: Vault, testdata: Path) -> None:
    folder = testdata / "synthea_csv"
    import_paths(vault, folder)
    cur = vault.cursor()
    for name, table in (("medications.csv", "medications"), ("conditions.csv", "conditions"),
                        ("immunizations.csv", "immunizations"), ("allergies.csv", "allergies"),
                        ("encounters.csv", "encounters")):
        assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == \
            len(_csv(folder, name)), table
    raw = _csv(folder, "observations.csv")
    expected = Counter(r["CODE"] for r in raw)
    got = Counter(dict(cur.execute("SELECT code, count(*) FROM observations GROUP BY code")
                       .fetchall()))
    assert got == expected
    patients = vault.records.list_patients(owner_id=None)
    assert len(patients) == len(_csv(folder, "patients.csv"))
    # the latest cholesterol per patient, straight from the CSV
    latest: dict[str, tuple[str, str]] = {}
    for r in raw:
        if r["CODE"] == "2093-3":
            latest[r["PATIENT"]] = max(latest.get(r["PATIENT"], ("", "")), (r["DATE"], r["VALUE"]))
    for synthea_id, (_, value) in latest.items():
        pid = cur.execute("SELECT id FROM patients WHERE identifier = ?", [synthea_id]).fetchone()
        rows = vault.records.list_records(owner_id=None, patient_id=pid[0], code="2093-3")
        assert rows[-1].value == pytest.approx(float(value))


def test_bad_value_rejects_the_folder(vault: Vault, testdata: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(testdata / "synthea_csv", folder)
    lines = (folder / "observations.csv").read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.endswith(",numeric"))
    parts = lines[number].split(",")
    parts[-3] = "twelve"
    lines[number] = ",".join(parts)
    (folder / "observations.csv").write_text("\n".join(lines) + "\n")
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, folder)
    assert info.value.file == "observations.csv"
    assert info.value.position == f"line {number + 1}"
    assert fingerprint(vault) == before


def test_an_exports_files_given_one_by_one_import_as_the_folder(
        vault: Vault, testdata: Path) -> None:
    """`healthinsight import export/*.csv` (what a shell makes of a glob): one unit of
    the folder, as `import export/` is; its patients.csv comes along when not given."""
    folder = testdata / "synthea_csv"
    units, warnings = plan(sorted(folder.glob("*.csv")))
    assert [u.format for u in units] == ["synthea_csv"]
    assert sorted(w.split(":")[0] for w in warnings) == [
        f"synthea_csv/{name}" for name in ("careplans.csv", "devices.csv", "organizations.csv",
                                           "procedures.csv", "providers.csv")]
    import_paths(vault, *sorted(folder.glob("*.csv")))
    cur = vault.cursor()
    assert cur.execute("SELECT count(*) FROM conditions").fetchone()[0] == \
        len(_csv(folder, "conditions.csv"))
    assert cur.execute("SELECT count(*) FROM observations").fetchone()[0] == \
        len(_csv(folder, "observations.csv"))
    assert len(vault.records.list_patients(owner_id=None)) == len(_csv(folder, "patients.csv"))


def test_one_table_of_an_export_brings_its_patients(vault: Vault, testdata: Path) -> None:
    folder = testdata / "synthea_csv"
    import_paths(vault, folder / "immunizations.csv")
    cur = vault.cursor()
    assert cur.execute("SELECT count(*) FROM immunizations").fetchone()[0] == \
        len(_csv(folder, "immunizations.csv"))
    assert cur.execute("SELECT count(*) FROM conditions").fetchone()[0] == 0


def test_the_files_the_app_reads_are_the_ones_detection_groups() -> None:
    from storage.ingest.detect import SYNTHEA_FILES
    from storage.ingest.synthea_csv import READERS
    assert SYNTHEA_FILES == {"patients.csv", *READERS}
