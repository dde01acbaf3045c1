"""Synthea CSV export folder: patients, observations, medications, conditions,
immunizations, allergies, encounters (other files are ignored).

Synthea rows have no ids except patients and encounters, so records are identified by
their content. Patients get the identifiers ``synthea|<Id>`` and ``fhir|Patient/<Id>``
(Synthea uses the same ids in its FHIR output, so the two exports of one run merge).
Errors name the CSV file and its line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from storage.errors import IngestError
from storage.ingest.detect import Unit
from storage.ingest.normalize import category_for_code, iso, number
from storage.ingest.pipeline import Limits
from storage.ingest.writer import Writer


def _rows(w: Writer, path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of one CSV, streamed; bad text or shape is an error naming the line."""
    w.file_label = path.name
    w.position_label = "line"
    w.bytes_done += path.stat().st_size
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        try:
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise IngestError(path.name, "line 1", f"missing column(s) {', '.join(missing)}")
            for row in reader:
                if None in row:
                    raise IngestError(path.name, f"line {reader.line_num}",
                                      "more fields than the header")
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise IngestError(path.name, f"line {reader.line_num + 1}", "not UTF-8 text") from None
        except csv.Error as exc:
            raise IngestError(path.name, f"line {reader.line_num}", f"bad CSV: {exc}") from None


def _patients(w: Writer, path: Path) -> None:
    for _, r in _rows(w, path, ("Id", "BIRTHDATE", "FIRST", "LAST")):
        w.patient(f"synthea|{r['Id']}", name=None, given=r["FIRST"] or None,
                  family=r["LAST"] or None, birth_date=r["BIRTHDATE"] or None,
                  sex=r.get("GENDER") or None, deceased_date=r.get("DEATHDATE") or None,
                  identifiers=[("synthea", r["Id"]), ("fhir", f"Patient/{r['Id']}")])


def _observations(w: Writer, path: Path) -> None:
    """CATEGORY arrived in Synthea 3 and TYPE in 2: without them the category comes from
    the code and a value is numeric when it reads as a number."""
    for line, r in _rows(w, path, ("DATE", "PATIENT", "CODE", "DESCRIPTION", "VALUE", "UNITS")):
        value, code = r["VALUE"], r["CODE"] or None
        row = {"patient": f"synthea|{r['PATIENT']}",
               "category": r.get("CATEGORY") or category_for_code(code),
               "code_system": "http://loinc.org", "code": code,
               "display": r["DESCRIPTION"] or None, "original_value": value or None,
               "original_unit": r["UNITS"] or None, "effective": iso(r["DATE"])}
        comparator, num = number(value)
        kind = r.get("TYPE") or ("numeric" if num is not None else "text")
        if kind == "numeric":
            if num is None:
                raise IngestError(path.name, f"line {line}", f"VALUE {value!r} is not a number")
            row.update(num=num, comparator=comparator)
        else:
            row["value_text"] = value or None
        w.observation(line, **row)


Fields = Callable[[dict[str, str]], dict[str, object]]


def _simple(table: str, cols: tuple[str, ...], fields: Fields) -> Callable[[Writer, Path], None]:
    def read(w: Writer, path: Path) -> None:
        for line, r in _rows(w, path, ("PATIENT", "CODE", "DESCRIPTION", *cols)):
            w.add(table, line, patient=f"synthea|{r['PATIENT']}", code=r["CODE"] or None,
                  **fields(r))
    return read


SNOMED, RXNORM, CVX = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm", \
    "http://hl7.org/fhir/sid/cvx"

READERS: dict[str, Callable[[Writer, Path], None]] = {
    "observations.csv": _observations,
    "medications.csv": _simple("medications", ("START", "STOP"), lambda r: {
        "code_system": RXNORM, "name": r["DESCRIPTION"], "start": iso(r["START"]),
        "stop": iso(r["STOP"]), "reason": r.get("REASONDESCRIPTION") or None,
        "status": "stopped" if r["STOP"] else "active"}),
    "conditions.csv": _simple("conditions", ("START", "STOP"), lambda r: {
        "code_system": SNOMED, "display": r["DESCRIPTION"], "onset": iso(r["START"]),
        "abatement": iso(r["STOP"]), "clinical_status": "resolved" if r["STOP"] else "active"}),
    "immunizations.csv": _simple("immunizations", ("DATE",), lambda r: {
        "code_system": CVX, "display": r["DESCRIPTION"], "occurred": iso(r["DATE"]),
        "status": "completed"}),
    "allergies.csv": _simple("allergies", ("START",), lambda r: {
        "code_system": r.get("SYSTEM") or SNOMED, "display": r["DESCRIPTION"],
        "category": r.get("CATEGORY") or None, "reaction": r.get("DESCRIPTION1") or None,
        "criticality": (r.get("SEVERITY1") or "").lower() or None, "recorded": iso(r["START"]),
        "clinical_status": "resolved" if r.get("STOP") else "active"}),
    "encounters.csv": _simple("encounters", ("Id", "START", "STOP"), lambda r: {
        "code_system": SNOMED, "display": r["DESCRIPTION"], "record_id": r["Id"],
        "encounter_class": r.get("ENCOUNTERCLASS") or None, "start": iso(r["START"]),
        "end": iso(r["STOP"]), "reason": r.get("REASONDESCRIPTION") or None}),
}


def import_folder(unit: Unit, w: Writer, limits: Limits) -> None:  # noqa: ARG001
    by_name = {p.name.lower(): p for p in unit.paths}
    _patients(w, by_name["patients.csv"])
    for name, read in READERS.items():
        if name in by_name:
            read(w, by_name[name])
            w.write()
