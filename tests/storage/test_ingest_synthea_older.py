"""Older Synthea CSV exports: observations.csv without CATEGORY (before v3) or TYPE."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from storage.vault import Vault
from tests.conftest import make_vault
from tests.storage.conftest import import_paths

DROPPED = ("CATEGORY", "TYPE")


def _older_copy(testdata: Path, dest: Path) -> Path:
    shutil.copytree(testdata / "synthea_csv", dest)
    obs = dest / "observations.csv"
    obs.chmod(0o644)
    with obs.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = [f for f in rows[0] if f not in DROPPED]
    with obs.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return dest


def _numeric_by_code(vault: Vault) -> dict[str, tuple[int, float]]:
    rows = vault.cursor().execute(
        "SELECT code, count(*), round(sum(value), 3) FROM observations "
        "WHERE value IS NOT NULL GROUP BY code").fetchall()
    return {code: (n, total) for code, n, total in rows}


def test_older_columns_import_the_same_values(testdata: Path, tmp_path: Path) -> None:
    older = _older_copy(testdata, tmp_path / "older_csv")
    with make_vault(tmp_path / "v3") as current, make_vault(tmp_path / "v2") as old:
        import_paths(current, testdata / "synthea_csv")
        import_paths(old, older)
        before, after = _numeric_by_code(current), _numeric_by_code(old)
        # Without TYPE a number-like text (e.g. an income survey answer) reads as numeric;
        # everything that was numeric stays exactly as it was.
        assert {c: after[c] for c in before} == before
        text_codes = {r["CODE"] for r in csv.DictReader(
            (testdata / "synthea_csv" / "observations.csv").open()) if r["TYPE"] != "numeric"}
        assert set(after) - set(before) <= text_codes
        categories = dict(old.cursor().execute(
            "SELECT DISTINCT code, category FROM observations "
            "WHERE code IN ('8302-2', '2093-3')").fetchall())
    assert categories == {"8302-2": "vital-signs", "2093-3": "laboratory"}
