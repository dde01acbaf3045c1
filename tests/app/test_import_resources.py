"""An import bounds DuckDB's memory, threads, allocator flushing and checkpoints for itself
only: DuckDB's settings are process-wide, and the team's analysis queries afterwards need
their threads back."""

from __future__ import annotations

from pathlib import Path

from app.services.imports import ImportService
from app.settings import Settings
from storage.vault import Vault

SETTINGS = ("SELECT current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('allocator_bulk_deallocation_flush_threshold'), "
            "current_setting('checkpoint_threshold')")


def test_import_limits_are_restored(vault: Vault, vault_home: Path, testdata: Path) -> None:
    before = vault.cursor().execute(SETTINGS).fetchone()
    seen: list[tuple] = []
    # with a memory bound, DuckDB does not checkpoint by itself (storage/bounds.py)
    with vault.limit_resources(memory_limit="100MB", threads=2, allocator_flush="1MB"):
        seen.append(vault.cursor().execute(SETTINGS).fetchone())
    assert seen[0][1] == 2 and before[1] == 1  # the vault's own: one thread
    assert all(seen[0][i] != before[i] for i in range(4))
    assert vault.cursor().execute(SETTINGS).fetchone() == before

    service = ImportService(vault, Settings(home=vault_home))
    bundle = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[0]
    assert service.run([bundle]).status == "completed"
    service.close()
    assert vault.cursor().execute(SETTINGS).fetchone() == before
