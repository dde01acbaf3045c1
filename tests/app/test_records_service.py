"""The records view lists the latest records first, so its limit keeps the newest."""

from __future__ import annotations

from pathlib import Path

from app.services.imports import ImportService
from app.services.records import RecordsService
from app.settings import Settings
from storage.vault import Vault


def test_limit_keeps_the_newest(vault: Vault, vault_home: Path, testdata: Path) -> None:
    bundle = sorted((testdata / "fhir_r4_synthea").glob("Don_Moore*.json"))[0]
    imports = ImportService(vault, Settings(home=vault_home))
    imports.run([bundle])
    imports.close()
    service = RecordsService(vault)
    everything = vault.records.list_records(owner_id=None)
    latest = service.records(limit=5)
    assert len(everything) > 5
    dated = sorted((r.effective for r in everything if r.effective), reverse=True)
    assert [r.effective for r in latest] == dated[:5]
