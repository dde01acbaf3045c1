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

from storage import schema

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


STEPS: list[Callable[[Vault], None]] = [_v1, _v2]
SCHEMA_VERSION = len(STEPS)


def current_version(vault: Vault) -> int:
    cur = vault.cursor()
    has_table = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'vault' "
        "AND table_name = 'settings'"
    ).fetchone()
    if not has_table or not has_table[0]:
        return 0
    row = cur.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def apply(vault: Vault) -> None:
    version = current_version(vault)
    for number, step in enumerate(STEPS[version:], start=version + 1):
        step(vault)
        with vault.engine.begin() as conn:
            version_row = schema.settings.c.key == "schema_version"
            conn.execute(sa.delete(schema.settings).where(version_row))
            conn.execute(sa.insert(schema.settings).values(key="schema_version", value=number))
