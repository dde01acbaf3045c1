"""DuckDB's concurrency is optimistic: a chunk's commit fails when another writer
committed a conflicting row meanwhile. The import writes the chunk again rather than
failing the user's file. The conflict here is a real one: while the import's first chunk
is uncommitted, another connection commits one of its medication rows (same id, same
content), so the chunk's COMMIT breaks the primary key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from storage.errors import error_kind
from storage.vault import Vault
from tests.storage.conftest import import_paths

BUNDLE = "fhir_r4_synthea/Louis_Maggio_2e275d4b-855a-4eb2-9021-5410aa8acd4f.json"


def test_a_chunk_whose_commit_conflicts_is_written_again(
        vault: Vault, testdata: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    judge = vault.measurements.judge_written
    injected: list[str] = []

    def judge_then_conflict(cur: Any, unit: str, **kw: Any) -> None:
        judge(cur, unit, **kw)
        if injected:
            return
        row = cur.execute("SELECT * FROM medications WHERE import_unit = ? LIMIT 1",
                          [unit]).fetchone()
        names = [d[0] for d in cur.description]
        other = vault.cursor()  # this thread's own connection: another writer
        other.execute(f"INSERT INTO medications ({', '.join(names)}) VALUES "
                      f"({', '.join('?' for _ in names)})", list(row))
        injected.append(str(row[names.index("id")]))

    monkeypatch.setattr(vault.measurements, "judge_written", judge_then_conflict)
    import_paths(vault, testdata / BUNDLE)
    assert injected  # the conflict happened
    raw = json.loads((testdata / BUNDLE).read_text())
    expected = sum(1 for e in raw["entry"]
                   if e["resource"]["resourceType"] in ("MedicationRequest",
                                                         "MedicationStatement"))
    (count, distinct), = vault.cursor().execute(
        "SELECT count(*), count(DISTINCT id) FROM medications").fetchall()
    assert count == distinct == expected
    observations = sum(1 for e in raw["entry"] if e["resource"]["resourceType"] == "Observation")
    assert vault.cursor().execute("SELECT count(*) FROM observations").fetchone()[0] >= \
        observations  # every Observation kept (panels add their components)


def test_a_record_whose_id_is_in_the_vault_is_skipped_not_a_failure(
        vault: Vault, testdata: Path) -> None:
    """Ids come from the content hash: a row already holding a record's id is that record,
    whatever its stored hash says (here one changed by hand), so the import goes on."""
    import_paths(vault, testdata / BUNDLE)
    cur = vault.cursor()
    before = cur.execute("SELECT count(*) FROM medications").fetchone()[0]
    cur.execute("UPDATE medications SET content_hash = content_hash + 1 WHERE id = "
                "(SELECT min(id) FROM medications)")
    import_paths(vault, testdata / BUNDLE, import_id="imp_again")
    assert cur.execute("SELECT count(*) FROM medications").fetchone()[0] == before


def test_the_kind_of_a_duckdb_failure_is_logged_not_its_message() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE k (id VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO k VALUES ('secret-key')")
    with pytest.raises(duckdb.Error) as duplicate:
        con.execute("INSERT INTO k VALUES ('secret-key')")
    first, second = con.cursor(), con.cursor()
    first.execute("BEGIN")
    first.execute("UPDATE k SET id = 'x' WHERE id = 'secret-key'")
    with pytest.raises(duckdb.Error) as conflict:
        second.execute("UPDATE k SET id = 'y' WHERE id = 'secret-key'")
    assert (error_kind(duplicate.value), error_kind(conflict.value)) == ("constraint",
                                                                         "conflict")
    assert error_kind(ValueError("no such thing")) == "other"
