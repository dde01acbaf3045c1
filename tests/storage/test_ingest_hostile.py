"""Hostile and malformed files are refused with file, position and reason, and the vault
is exactly as before: entity expansion, external entities, zip bombs, broken XML,
binary garbage, truncated JSON."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.errors import IngestError
from storage.ingest.pipeline import Limits
from storage.vault import Vault
from tests.storage.conftest import fingerprint, import_paths

RECORD = ('<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="{v}" '
          'sourceName="Watch" startDate="2020-01-01 00:00:0{i} +0000" '
          'endDate="2020-01-01 00:00:0{i} +0000"/>')


def _laughs(root: str) -> str:
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n<!ENTITY lol0 "lol">\n{levels}]>\n'
            f'<{root}>{RECORD.format(v="&lol9;", i=1)}</{root}>\n')


def _xxe(root: str) -> str:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM '
            f'"file:///etc/passwd">]>\n<{root} xmlns="urn:hl7-org:v3"><title>&x;</title>'
            f'</{root}>\n')


CASES: dict[str, tuple[str, Callable[[], str | bytes], str]] = {
    "billion_laughs_apple": ("export.xml", lambda: _laughs("HealthData"), "entity"),
    "billion_laughs_ccda": ("ccd.xml", lambda: _laughs("ClinicalDocument"), "entity"),
    "xxe_ccda": ("ccd.xml", lambda: _xxe("ClinicalDocument"), "entity"),
    "xxe_apple": ("export.xml", lambda: _xxe("HealthData"), "entity"),
    "stray_closing_tag": ("export.xml", lambda: (
        "<?xml version='1.0'?>\n<HealthData>\n" + RECORD.format(v=70, i=1) +
        "\n" + RECORD.format(v=71, i=2) + "\n</Record>\n</HealthData>\n"), "well-formed"),
    "truncated_xml": ("export.xml", lambda: (
        "<?xml version='1.0'?>\n<HealthData>\n" + RECORD.format(v=70, i=1) + "\n<Rec"),
        "well-formed"),
    "bad_date": ("export.xml", lambda: (
        "<HealthData>" + RECORD.format(v=70, i=1).replace("2020-01-01 00:00:01 +0000",
                                                         "yesterday", 1) + "</HealthData>"),
        "date"),
    "binary_garbage": ("data.bin", lambda: bytes(range(256)) * 40, "format"),
    "truncated_json": ("bundle.json", lambda: '{"resourceType": "Bundle", "entry": [{"res',
                       "JSON"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_and_vault_unchanged(synthea_vault: Vault, tmp_path: Path, case: str) -> None:
    name, content, words = CASES[case]
    path = tmp_path / name
    data = content()
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    before = fingerprint(synthea_vault)
    with pytest.raises(IngestError) as info:
        import_paths(synthea_vault, path)
    assert info.value.file.startswith(name)
    assert info.value.position
    assert words.lower() in info.value.reason.lower()
    assert fingerprint(synthea_vault) == before


def _bomb(path: Path, records: int) -> None:
    """A small zip whose export.xml expands to many megabytes of valid records."""
    body = "\n".join(RECORD.format(v=60 + i % 40, i=i % 10) for i in range(200))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("apple_health_export/export.xml", "w", force_zip64=True) as out:
        out.write(b"<?xml version='1.0'?>\n<HealthData>\n")
        for _ in range(records // 200):
            out.write(body.encode())
        out.write(b"</HealthData>\n")


def test_zip_bomb_stopped_by_the_size_limit(vault: Vault, tmp_path: Path) -> None:
    bomb = tmp_path / "export.zip"
    _bomb(bomb, 100_000)
    expanded = sum(i.file_size for i in zipfile.ZipFile(bomb).infolist())
    assert bomb.stat().st_size * 20 < expanded
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, bomb, limits=Limits(max_bytes=expanded // 4))
    assert "limit" in info.value.reason
    assert fingerprint(vault) == before


def test_reading_is_bounded_even_past_the_declared_sizes(vault: Vault, tmp_path: Path) -> None:
    """The declared sizes are checked first; the stream itself is bounded as well."""
    bomb = tmp_path / "export.zip"
    _bomb(bomb, 20_000)
    from storage.ingest import apple_health, xmlsafe

    class Tiny(xmlsafe.LimitedReader):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self.limit = 50_000

    original = xmlsafe.LimitedReader
    apple_health.xmlsafe.LimitedReader = Tiny  # type: ignore[misc]
    try:
        with pytest.raises(IngestError) as info:
            import_paths(vault, bomb)
    finally:
        apple_health.xmlsafe.LimitedReader = original  # type: ignore[misc]
    assert "limit" in info.value.reason
    assert fingerprint(vault)["observations"] == (0, None)


def test_late_error_after_chunks_were_written_rolls_back(vault: Vault, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks written earlier in the same file's transaction disappear with it."""
    from storage.ingest.writer import Writer

    monkeypatch.setattr(Writer, "BATCH", 3)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 3)
    good = [RECORD.format(v=60 + n, i=n) for n in range(9)]
    path = tmp_path / "export.xml"
    bad = RECORD.format(v=99, i=9).replace("2020-01-01 00:00:09 +0000", "not a date", 1)
    path.write_text("<HealthData>" + "".join(good) + bad + "</HealthData>")
    before = fingerprint(vault)
    with pytest.raises(IngestError) as info:
        import_paths(vault, path)
    assert info.value.position == "record 10" and "date" in info.value.reason
    assert fingerprint(vault) == before
    path.write_text("<HealthData>" + "".join(good + good) + "</HealthData>")
    import_paths(vault, path)  # duplicates across chunks are still kept once
    assert fingerprint(vault)["observations"][0] == len(good)
