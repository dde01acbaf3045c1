"""Schema steps on a vault written by an earlier version: v3 turns hex content hashes
into numbers and drops observations' PRIMARY KEY, and a re-import still adds nothing."""

from __future__ import annotations

from pathlib import Path

from storage import migrations, schema
from storage.vault import Vault
from tests.conftest import PASSPHRASE, copy_vault
from tests.storage.conftest import fingerprint, import_paths

HEX = "lpad(lower(hex(content_hash)), 32, '0')"
# The digest's bytes in order: hex() spells the little-endian number most significant first.
OLD_HASH = " || ".join(f"substr({HEX}, {31 - 2 * b}, 2)" for b in range(16))


def _as_version_2(vault: Vault) -> None:
    """Rewrite a current vault the way version 2 stored it: hex hashes, keyed ids."""
    cur = vault.cursor()
    cur.execute("BEGIN TRANSACTION")
    cur.execute(f"CREATE TABLE old_obs AS SELECT * REPLACE ({OLD_HASH} AS content_hash) "
                "FROM observations")
    cur.execute("DROP TABLE observations")
    cur.execute("ALTER TABLE old_obs RENAME TO observations")
    cur.execute("ALTER TABLE observations ADD PRIMARY KEY (id)")
    cur.execute("ALTER TABLE observations ALTER id SET DEFAULT nextval('observations_id_seq')")
    for table in schema.RECORD_TABLES[2:]:
        cur.execute(f"ALTER TABLE {table.name} ALTER content_hash SET DATA TYPE VARCHAR "
                    f"USING {OLD_HASH}")
    cur.execute("UPDATE settings SET value = '2' WHERE key = 'schema_version'")
    cur.execute("COMMIT")


def _shape(vault: Vault) -> tuple[set[str], int]:
    cur = vault.cursor()
    types = {t for (t,) in cur.execute(
        "SELECT DISTINCT data_type FROM duckdb_columns() WHERE database_name = 'vault' "
        "AND column_name = 'content_hash'").fetchall()}
    keys = cur.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE database_name = 'vault' "
        "AND table_name = 'observations' AND constraint_type = 'PRIMARY KEY'").fetchone()
    return types, int(keys[0]) if keys else 0


def test_version_2_vault_is_migrated_and_reimport_adds_nothing(
        synthea_template: Path, tmp_path: Path, testdata: Path) -> None:
    home = copy_vault(synthea_template, tmp_path)
    with Vault.open(home, passphrase=PASSPHRASE) as vault:
        assert _shape(vault) == ({"UHUGEINT"}, 0)
        before = fingerprint(vault)
        ids = vault.cursor().execute(
            "SELECT count(*), count(DISTINCT id), max(id) FROM observations").fetchone()
        _as_version_2(vault)
        assert _shape(vault) == ({"VARCHAR"}, 1)

    with Vault.open(home, passphrase=PASSPHRASE) as vault:
        assert vault.info().schema_version == migrations.SCHEMA_VERSION >= 3
        assert _shape(vault) == ({"UHUGEINT"}, 0)
        assert fingerprint(vault) == before  # every row, hash and id as they were
        import_paths(vault, testdata / "fhir_r4_synthea", import_id="imp_again")
        assert fingerprint(vault) == before
        cur = vault.cursor()
        cur.execute("INSERT INTO observations (patient_id, category, content_hash) "
                    "VALUES ('pat_x', 'laboratory', 1)")
        after = cur.execute("SELECT count(*), count(DISTINCT id), max(id) FROM observations")
        count, distinct, top = after.fetchone()
        assert ids is not None and (count, distinct) == (ids[0] + 1, ids[1] + 1)
        assert top > ids[2]  # the sequence goes on from where it was
