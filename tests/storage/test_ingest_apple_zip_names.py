"""Apple Health exports made in other languages name their files differently
(exportar.xml in Spanish): the zip's main XML is found by its <HealthData> root."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.conftest import make_vault
from tests.storage.conftest import import_paths

EXPORT = "apple_health/healthkit_to_sqlite_export.xml"


def _counts(home: Path, path: Path) -> tuple[list[tuple], list[str]]:
    with make_vault(home) as vault:
        results = import_paths(vault, path)
        rows = vault.cursor().execute(
            "SELECT code, count(*), sum(value) FROM observations GROUP BY code ORDER BY code"
        ).fetchall()
    return rows, [w for r in results for w in r.warnings]


def test_localized_export_names_in_a_zip(testdata: Path, tmp_path: Path) -> None:
    archive = tmp_path / "exportar.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(testdata / EXPORT, "apple_health_export/exportar.xml")
        zf.writestr("apple_health_export/exportar_cda.xml", "<ClinicalDocument></a><b/>")
        zf.writestr("__MACOSX/apple_health_export/._exportar.xml", b"\x00\x05\x16\x07")
    from_zip, warnings = _counts(tmp_path / "zip", archive)
    from_xml, _ = _counts(tmp_path / "xml", testdata / EXPORT)
    assert from_zip == from_xml and from_zip
    assert any("cda" in w.lower() for w in warnings)
