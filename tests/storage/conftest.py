"""Ingest fixtures: the Synthea FHIR bundles imported once per session into a template
vault, copied per test; helpers to import files and to fingerprint a vault's contents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.ingest.detect import plan
from storage.ingest.pipeline import Limits, UnitResult, import_unit
from storage.schema import RECORD_TABLES
from storage.vault import Vault
from tests.conftest import PASSPHRASE, copy_vault, make_vault


def import_paths(vault: Vault, *paths: Path, import_id: str = "imp_test",
                 limits: Limits | None = None) -> list[UnitResult]:
    """Import like the service does, but raise the first IngestError."""
    units, _ = plan(list(paths))
    return [import_unit(vault, u, import_id=import_id, owner_id=None, limits=limits)
            for u in units]


def fingerprint(vault: Vault) -> dict[str, tuple[int, str | None]]:
    """(row count, hash of all rows) per record table: equal means nothing changed."""
    cur = vault.cursor()
    out = {}
    for table in RECORD_TABLES:
        row = cur.execute(f"SELECT count(*), md5(string_agg(t::VARCHAR, '|' ORDER BY "
                          f"t::VARCHAR)) FROM {table.name} t").fetchone()
        out[table.name] = (int(row[0]), row[1])
    return out


@pytest.fixture(scope="session")
def synthea_template(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    home = tmp_path_factory.mktemp("synthea") / "vault"
    vault = make_vault(home)
    import_paths(vault, testdata / "fhir_r4_synthea", import_id="imp_synthea")
    vault.close()
    return home


@pytest.fixture
def synthea_vault(synthea_template: Path, tmp_path: Path) -> Iterator[Vault]:
    with Vault.open(copy_vault(synthea_template, tmp_path), passphrase=PASSPHRASE) as vault:
        yield vault
