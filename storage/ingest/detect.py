"""Which format a file or folder holds, judged by its content, never by its name.

Formats: ``fhir_json`` (Bundle or resource), ``fhir_ndjson`` (bulk export),
``apple_zip`` (export.zip), ``apple_xml`` (export.xml), ``ccda`` (C-CDA document or
section fragment), ``synthea_csv`` (a Synthea CSV export folder) and ``insight_json``
(the insight API's lab/medication/vital/clinical JSON files). A folder becomes one
unit when it is a Synthea CSV export or holds NDJSON; otherwise each file in it is a
unit of its own and files of no known format are skipped with a warning. Files of a
Synthea export given one by one (``import export/*.csv``) are read as one unit of
their folder, with its patients.csv, which every other table refers to; its tables the
app does not read are skipped with a warning.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HEAD = 64 * 1024
INSIGHT_KEYS = (b'"header_fields"', b'"Lab_Results"', b'"Medications"', b'"Vitals"',
                b'"Conditions"', b'"Procedures"', b'"Allergies"', b'"Immunizations"')
# The files of a Synthea CSV export that the app reads (storage/ingest/synthea_csv.py).
SYNTHEA_FILES = frozenset({"patients.csv", "observations.csv", "medications.csv",
                           "conditions.csv", "immunizations.csv", "allergies.csv",
                           "encounters.csv"})


@dataclass
class Unit:
    """What one transaction imports: a file, or several read as one."""

    format: str | None  # None: not a format we know (rejected with a reason)
    paths: list[Path]
    label: str
    sizes: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(self.sizes)


def sniff(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(HEAD)
    if head.startswith(b"PK\x03\x04"):
        return "apple_zip" if _apple_zip(path) else None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return _json_kind(text)
    if text.startswith(b"<"):
        if b"<HealthData" in head:
            return "apple_xml"
        if b"urn:hl7-org:v3" in head or b"<ClinicalDocument" in head or \
                (b"<section" in head and b"templateId" in head):
            return "ccda"
    return None


def health_data_entry(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The export's main XML, found by its <HealthData> root: its name is localized
    (export.xml, exportar.xml, ...), and the CDA copy beside it is not it."""
    for info in zf.infolist():
        name = info.filename.rsplit("/", 1)[-1].lower()
        if info.filename.startswith("__MACOSX") or not name.endswith(".xml") \
                or name.startswith("._") or "cda" in name:
            continue
        with zf.open(info) as stream:
            if b"<HealthData" in stream.read(4096):
                return info
    return None


def _apple_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return health_data_entry(zf) is not None
    except zipfile.BadZipFile:
        return False


def _json_kind(text: bytes) -> str | None:
    first = text.split(b"\n", 1)[0]
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting; the parser
        obj = None  # reports it with its position when the file is read
    if isinstance(obj, dict) and ("resourceType" in obj or "eventId" in obj):
        return "fhir_ndjson" if b"\n{" in text or obj.get("resourceType") != "Bundle" \
            else "fhir_json"
    if any(k in text for k in INSIGHT_KEYS) and b'"resourceType"' not in text[:2000]:
        return "insight_json"
    if b'"resourceType"' in text:
        return "fhir_json"
    return None


def _synthea_folder(folder: Path) -> bool:
    patients = folder / "patients.csv"
    if not patients.is_file():
        return False
    with patients.open("rb") as fh:
        return fh.readline().upper().startswith(b"ID,BIRTHDATE")


def plan(paths: list[Path]) -> tuple[list[Unit], list[str]]:
    """Import units for the given files and folders, plus warnings for skipped files."""
    units: list[Unit] = []
    warnings: list[str] = []
    loose_ndjson: list[Path] = []
    loose_synthea: dict[Path, list[Path]] = {}  # export folder -> its files given
    for path in paths:
        if path.is_dir():
            if _synthea_folder(path):
                csvs = sorted(path.glob("*.csv"))
                units.append(Unit("synthea_csv", csvs, path.name, [p.stat().st_size for p in csvs]))
                continue
            ndjson = []
            for child in sorted(p for p in path.iterdir() if p.is_file()):
                kind = sniff(child)
                if kind == "fhir_ndjson":
                    ndjson.append(child)
                elif kind is None:
                    warnings.append(f"{path.name}/{child.name}: skipped, not a health record "
                                    "format this app reads")
                else:
                    units.append(Unit(kind, [child], f"{path.name}/{child.name}",
                                      [child.stat().st_size]))
            if ndjson:
                units.append(Unit("fhir_ndjson", ndjson, path.name,
                                  [p.stat().st_size for p in ndjson]))
        elif path.is_file():
            kind = sniff(path)
            if kind == "fhir_ndjson":
                loose_ndjson.append(path)
            elif kind is None and _synthea_folder(path.parent):
                if path.name.lower() in SYNTHEA_FILES:
                    loose_synthea.setdefault(path.parent, []).append(path)
                else:  # careplans.csv, providers.csv, ...: the folder's import skips them too
                    warnings.append(f"{path.parent.name}/{path.name}: skipped, not a table of "
                                    "the Synthea export this app reads")
            else:
                units.append(Unit(kind, [path], path.name, [path.stat().st_size]))
        else:
            units.append(Unit(None, [path], path.name, [0]))
    if loose_ndjson:
        units.append(Unit("fhir_ndjson", loose_ndjson, ", ".join(p.name for p in loose_ndjson),
                          [p.stat().st_size for p in loose_ndjson]))
    for folder, given in loose_synthea.items():
        csvs = sorted({*given, folder / "patients.csv"})
        units.append(Unit("synthea_csv", csvs, folder.name, [p.stat().st_size for p in csvs]))
    return units, warnings
