"""Schema versions, applied in order when a vault opens.

Version 1 is the whole schema of `storage.schema`. A later change adds a function
here and bumps nothing else: every vault catches up on its next open. A new vault
gets later columns from version 1 already, so later steps must be no-ops on it
(``ADD COLUMN IF NOT EXISTS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from storage import schema
from storage.repos.audit import seal_unsealed_chains
from storage.results import one_row

if TYPE_CHECKING:
    from storage.vault import Vault


def _v1(vault: Vault) -> None:
    schema.metadata.create_all(vault.engine)


def _v2(vault: Vault) -> None:
    """Imports commit large files in chunks and undo them by (import_id, import_unit)."""
    cur = vault.cursor()
    for table in schema.RECORD_TABLES:
        for column in ("import_id", "import_unit"):
            cur.execute(f'ALTER TABLE "{table.name}" ADD COLUMN IF NOT EXISTS {column} VARCHAR')


def _hash_number(column: str) -> str:
    """SQL turning a 32-digit hex md5 into the number ``md5_number`` gives for the same
    digest (its bytes read little-endian), so hashes written before v3 still match."""
    def half(first_byte: int) -> str:
        pairs = " || ".join(f"substr({column}, {2 * b + 1}, 2)"
                            for b in reversed(range(first_byte, first_byte + 8)))
        return f"CAST(('0x' || {pairs}) AS UBIGINT)"
    return f"CAST({half(8)} AS UHUGEINT) * 18446744073709551616 + {half(0)}"


def _v3(vault: Vault) -> None:
    """Content hashes become numbers, and observations lose the PRIMARY KEY on their
    sequence id (its ART index slowed every bulk append); DuckDB cannot drop a
    constraint, so that table is rebuilt. One transaction: all of it or none."""
    cur = vault.cursor()
    text = {name for (name,) in cur.execute(
        "SELECT table_name FROM duckdb_columns() WHERE database_name = 'vault' "
        "AND column_name = 'content_hash' AND data_type = 'VARCHAR'").fetchall()}
    keyed = one_row(cur.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE database_name = 'vault' "
        "AND table_name = 'observations' AND constraint_type = 'PRIMARY KEY'"))
    cur.execute("BEGIN TRANSACTION")
    for table in schema.RECORD_TABLES:
        if table.name in text and table is not schema.observations:
            cur.execute(f'ALTER TABLE "{table.name}" ALTER content_hash SET DATA TYPE UHUGEINT '
                        f"USING {_hash_number('content_hash')}")
    if keyed and keyed[0]:
        old = {n for (n,) in cur.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'vault' "
            "AND table_name = 'observations'").fetchall()}  # later steps add the rest
        names = [c.name for c in schema.observations.columns if c.name in old]
        values = [_hash_number(n) if n == "content_hash" and "observations" in text else n
                  for n in names]
        cur.execute("ALTER TABLE observations RENAME TO observations_v2")
        cur.execute(str(CreateTable(schema.observations).compile(dialect=vault.engine.dialect)))
        cur.execute(f"INSERT INTO observations ({', '.join(names)}) "
                    f"SELECT {', '.join(values)} FROM observations_v2")
        cur.execute("DROP TABLE observations_v2")
    cur.execute("COMMIT")


def _observation_time_basis(vault: Vault) -> None:
    """Which time an observation's `effective` is (NULL: FHIR effective[x]; `issued`:
    the report time, shown as "reported at"; `report`: its DiagnosticReport's)."""
    vault.cursor().execute(
        "ALTER TABLE observations ADD COLUMN IF NOT EXISTS time_basis VARCHAR")


def _observation_motion_context(vault: Vault) -> None:
    """A heart rate's HealthKit motion context (sedentary | active): readings imported
    before it have none, as an export without the metadata gives."""
    vault.cursor().execute(
        "ALTER TABLE observations ADD COLUMN IF NOT EXISTS motion_context VARCHAR")


def _ensure(vault: Vault, tables: tuple[sa.Table, ...]) -> None:
    """Tables created if missing, columns added if missing, indexes created if missing:
    a no-op wherever it already ran, whatever its position among the steps."""
    schema.metadata.create_all(vault.engine, tables=list(tables), checkfirst=True)
    cur = vault.cursor()
    dialect = vault.engine.dialect
    for table in tables:
        for column in table.columns:
            kind = column.type.compile(dialect=dialect)
            cur.execute(f'ALTER TABLE "{table.name}" ADD COLUMN IF NOT EXISTS '
                        f'"{column.name}" {kind}')
        for index in table.indexes:  # duckdb-engine cannot reflect indexes: IF NOT EXISTS
            with vault.engine.begin() as conn:
                conn.execute(CreateIndex(index, if_not_exists=True))


def _clinic(vault: Vault) -> None:
    """The clinic's tables and columns (issue 13)."""
    _ensure(vault, schema.CLINIC_TABLES)


def _scheduling(vault: Vault) -> None:
    """Scheduling's tables and appointment columns (issue 14)."""
    _ensure(vault, schema.SCHEDULING_TABLES)


def _patient_deceased(vault: Vault) -> None:
    """Patient.deceased[x] as the import reads it (issue 12): `deceased`, `deceased_date`."""
    _ensure(vault, (schema.patients,))


def _audit_heads(vault: Vault) -> None:
    """Sealed audit-chain heads (issue 13); chains written before them are sealed as
    they stand now."""
    _ensure(vault, (schema.audit_heads,))
    seal_unsealed_chains(vault)


def _assist(vault: Vault) -> None:
    """The assistant's conversations and the generated reports (issue 15)."""
    _ensure(vault, schema.ASSIST_TABLES)


def _observation_judgements(vault: Vault) -> None:
    """The query manager's stored judgement of each observation (measure, series value
    and unit, flag, quality, applied range; storage/repos/readings_sql.py). Rows start
    unjudged (NULL quality) and are judged on their first read, once."""
    cur = vault.cursor()
    for name in schema.JUDGEMENT_COLUMNS:
        kind = schema.observations.c[name].type.compile(dialect=vault.engine.dialect)
        cur.execute(f'ALTER TABLE observations ADD COLUMN IF NOT EXISTS "{name}" {kind}')


STEPS: list[Callable[[Vault], None]] = [
    _v1, _v2, _v3, _observation_time_basis, _clinic, _scheduling, _patient_deceased,
    _audit_heads, _assist, _observation_judgements, _observation_motion_context]
SCHEMA_VERSION = len(STEPS)


def current_version(vault: Vault) -> int:
    cur = vault.cursor()
    has_table = one_row(cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'vault' "
        "AND table_name = 'settings'"
    ))
    if not has_table or not has_table[0]:
        return 0
    row = one_row(cur.execute("SELECT value FROM settings WHERE key = 'schema_version'"))
    return int(row[0]) if row else 0


def apply(vault: Vault) -> None:
    version = current_version(vault)
    for number, step in enumerate(STEPS[version:], start=version + 1):
        step(vault)
        with vault.engine.begin() as conn:
            version_row = schema.settings.c.key == "schema_version"
            conn.execute(sa.delete(schema.settings).where(version_row))
            conn.execute(sa.insert(schema.settings).values(key="schema_version", value=number))
