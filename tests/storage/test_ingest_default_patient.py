"""Files that name nobody (C-CDA section fragments, Apple Health) go to one person."""

from __future__ import annotations

from pathlib import Path

from storage.vault import Vault
from tests.storage.conftest import import_paths


def test_fragments_share_one_person_when_the_vault_holds_several(
        vault: Vault, testdata: Path) -> None:
    bundles = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[:2]
    import_paths(vault, *bundles)
    fragments = sorted((testdata / "ccda").glob("Results_*.xml"))[:4]
    for fragment in fragments:
        import_paths(vault, fragment)
    people = vault.cursor().execute(
        "SELECT p.name, count(o.id) FROM patients p LEFT JOIN observations o "
        "ON o.patient_id = p.id GROUP BY p.id, p.name ORDER BY p.name").fetchall()
    named = [n for n, _ in people if n != "Me"]
    me = [count for n, count in people if n == "Me"]
    assert len(named) == 2
    assert len(me) == 1 and me[0] > 0
