"""One import unit, all or nothing: parse, stage, write, or leave the vault untouched.

A unit is written in chunks, each committed (see writer.py: DuckDB holds uncommitted
rows in memory, so one transaction per file would grow with the file). It stays all
or nothing logically: its rows and patients carry the import id and a token of their
own, and when the unit fails, a compensating transaction deletes them (the vault's
record tables are then exactly as before). If the process dies mid-unit, the import
is left ``processing``; Vault.open undoes such imports the same way
(ImportRepository.undo_interrupted). Readers may see a unit's rows while it runs.

The app layer plans units (detect.plan), then calls :func:`import_unit` for each and
:func:`summarize` once. Limits such as the most bytes a unit may expand to are passed
in (storage does not read the app's settings).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storage.errors import IngestError
from storage.ingest import fhir
from storage.ingest.detect import Unit
from storage.ingest.writer import Writer

if TYPE_CHECKING:
    from storage.vault import Vault

SOURCES = {"fhir_json": "fhir", "fhir_ndjson": "fhir", "apple_zip": "apple_health",
           "apple_xml": "apple_health", "ccda": "ccda", "synthea_csv": "synthea_csv",
           "insight_json": "insight_json"}


@dataclass
class Limits:
    max_bytes: int = 4 * 1024**3  # uncompressed bytes one unit may read or expand to


@dataclass
class UnitResult:
    records_read: int = 0
    warnings: list[str] = field(default_factory=list)


def _parse(unit: Unit, w: Writer, limits: Limits) -> None:
    if unit.size > limits.max_bytes:
        raise IngestError(unit.label, "byte 0", f"larger than the import limit of "
                          f"{limits.max_bytes} bytes")
    kind = unit.format
    if kind == "fhir_json":
        path = unit.paths[0]
        data = fhir.load_json(path)
        w.bytes_done += unit.size
        fhir.import_json(w, data, unit.label)
    elif kind == "fhir_ndjson":
        fhir.import_ndjson(w, unit.paths)
    elif kind in _parsers():
        _parsers()[kind](unit, w, limits)
    else:
        raise IngestError(unit.label, "byte 0", "not a health record format this app reads "
                          "(FHIR JSON/NDJSON, Apple Health, C-CDA, Synthea CSV, insight JSON)")


def _parsers() -> dict[str, Callable[[Unit, Writer, Limits], None]]:
    """format -> parse function (imported late: the parser modules import Limits from here)."""
    from storage.ingest import apple_health, ccda, insight_json, synthea_csv

    return {"synthea_csv": synthea_csv.import_folder, "insight_json": insight_json.import_file,
            "apple_xml": apple_health.import_xml, "apple_zip": apple_health.import_zip,
            "ccda": ccda.import_file}


def import_unit(vault: Vault, unit: Unit, *, import_id: str, owner_id: str | None,
                limits: Limits | None = None,
                on_progress: Callable[[int, int], None] | None = None,
                patient_id: str | None = None) -> UnitResult:
    """Import one unit; raises IngestError (vault unchanged) on bad input. With
    `patient_id` every record is that existing person's (see Writer)."""
    limits = limits or Limits()
    token = "unit_" + secrets.token_hex(6)
    w: Writer | None = None
    vault.measurements.prepare()
    try:
        with vault.transaction() as cur:
            w = Writer(cur, owner_id=owner_id, import_id=import_id,
                       source=SOURCES.get(unit.format or "", "unknown"), file_label=unit.label,
                       on_progress=on_progress, unit=token, chunked=True,
                       patient_id=patient_id, widen_memory=vault.widen_memory_bound,
                       checkpoint=vault.checkpoint,
                       judge=vault.measurements)
            try:
                _parse(unit, w, limits)
                w.finish()
            except BaseException:
                w.wait(quiet=True)  # the cursor is idle before the transaction rolls back
                raise
    except BaseException:
        if w is not None and w.committed:
            vault.imports.undo(import_id=import_id, unit=token)
        raise
    finally:
        if w is not None:
            w.close()
    return UnitResult(w.read, w.warnings)
