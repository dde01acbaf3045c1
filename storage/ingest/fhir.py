"""FHIR R4 JSON: Bundles of any type, single resources, and NDJSON bulk exports.

A Bundle or resource file is read whole (bundles are megabytes, not gigabytes); an
NDJSON unit (several files, or a folder) is read line by line with Patient files
first, so later files can refer to patients declared earlier. Patients are declared
before anything that refers to them; references may be ``urn:uuid:...`` full URLs,
``Patient/<id>`` or absolute URLs ending in ``Patient/<id>``. Positions in errors are
``entry N`` for bundles and ``line N`` for NDJSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from storage.errors import IngestError
from storage.ingest import jsontext
from storage.ingest.fhir_resources import ResourceMapper, WrongType, _dict, _list, _str
from storage.ingest.writer import Writer


def load_json(path: Path, data: bytes | None = None, label: str | None = None) -> Any:
    """Parse JSON; bad or hostile text is an IngestError with line, column and byte."""
    raw = path.read_bytes() if data is None else data
    return jsontext.parse(raw, file=label or path.name)


class FhirReader:
    """Resources to rows for one unit; knows the unit's patients and their references."""

    def __init__(self, w: Writer, default_key: str | None = None) -> None:
        self.w = w
        self.default_key = default_key  # for references to patients nowhere to be found
        self.urls: dict[str, str] = {}  # fullUrl -> patient key
        self.only_patient: str | None = None
        self.patients = 0  # declared so far: with more than one, none is "the" patient
        self.mapper = ResourceMapper(w, self.patient_key)

    def patient_key(self, ref: Any) -> str:
        key = self._key(ref)
        if self.default_key is not None and not self.w.knows(key):
            return self.default_key
        return key

    def _key(self, ref: Any) -> str:
        if isinstance(ref, str):
            if ref in self.urls:
                return self.urls[ref]
            if "Patient/" in ref:
                return "fhir|Patient/" + ref.rsplit("Patient/", 1)[1].split("/")[0]
            if ref.startswith("urn:uuid:"):
                return "fhir|Patient/" + ref[9:]
        if self.only_patient is not None:
            return self.only_patient
        return f"unresolved reference {ref!r}"

    def declare_patient(self, res: dict[str, Any], full_url: str | None) -> None:
        rid = _str(res.get("id"), "Patient.id") or full_url or "unknown"
        key = f"fhir|Patient/{rid}"
        idents = [("fhir", f"Patient/{rid}")]
        for ident in _list(res.get("identifier"), "identifier"):
            ident = _dict(ident, "identifier")
            idents.append((_str(ident.get("system"), "system") or "",
                           _str(ident.get("value"), "value") or ""))
        names = [_dict(n, "name") for n in _list(res.get("name"), "name")]
        name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        given = " ".join(_str(g, "given") or "" for g in _list(name.get("given"), "given")) or None
        family = _str(name.get("family"), "family")
        self.w.patient(key, name=_str(name.get("text"), "text"), given=given, family=family,
                       birth_date=_str(res.get("birthDate"), "birthDate"),
                       sex=_str(res.get("gender"), "gender"), identifiers=idents,
                       deceased=_deceased(res.get("deceasedBoolean")),
                       deceased_date=_str(res.get("deceasedDateTime"), "deceasedDateTime"))
        if full_url:
            self.urls[full_url] = key
        self.only_patient = key if self.only_patient is None else self.only_patient

    def resources(self, items: Iterable[tuple[int, Any, str | None]], label: str) -> None:
        """Declare patients first, then map everything else (items: pos, resource, fullUrl)."""
        items = list(items)
        self.declare(((pos, res) for pos, res, _ in items), label,
                     urls={pos: url for pos, _, url in items})
        self.map(items, label)

    def declare(self, items: Iterable[tuple[int, Any]], label: str, *,
                urls: dict[int, str | None] | None = None) -> None:
        """Declare the Patients and link the DiagnosticReports among `items` (pos,
        resource); other resources are left for :meth:`map`."""
        for pos, res in items:
            self._check(res, pos, label)
            if res["resourceType"] == "Patient":
                self._guard(label, pos, self.declare_patient, res, (urls or {}).get(pos))
                self.patients += 1
            elif res["resourceType"] == "DiagnosticReport":
                self._guard(label, pos, self.mapper.link_report, res)
        if self.patients > 1:
            self.only_patient = None

    def map(self, items: Iterable[tuple[int, Any, str | None]], label: str) -> None:
        for pos, res, _ in items:
            self._check(res, pos, label)
            self._guard(label, pos, self.mapper.map, pos, res)

    def _check(self, res: Any, pos: int, label: str) -> None:
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            raise IngestError(label, f"{self.w.position_label} {pos}",
                              "not a FHIR resource (no resourceType)")

    def _guard(self, label: str, pos: int, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except WrongType as exc:
            raise IngestError(label, f"{self.w.position_label} {pos}", str(exc)) from None

    def finish(self) -> None:
        if self.mapper.skipped:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.mapper.skipped.items()))
            self.w.warn(f"skipped resources this app does not keep: {kinds}")


def bundle_items(data: Any, label: str) -> Iterator[tuple[int, Any, str | None]]:
    """A Bundle's (entry number, resource, fullUrl), or a lone resource as entry 1."""
    if isinstance(data, list):
        yield from ((i, r, None) for i, r in enumerate(data, 1))
        return
    if not isinstance(data, dict):
        raise IngestError(label, "byte 0", "not a FHIR resource or Bundle")
    if data.get("resourceType") != "Bundle":
        yield 1, data, None
        return
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise IngestError(label, "Bundle.entry", "should be an array")
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise IngestError(label, f"entry {i}", "should be an object")
        yield i, entry.get("resource"), entry.get("fullUrl")


def import_json(w: Writer, data: Any, label: str) -> None:
    w.position_label = "entry"
    reader = FhirReader(w)
    reader.resources(bundle_items(data, label), label)
    reader.finish()


def import_ndjson(w: Writer, files: list[Path]) -> None:
    """Bulk-export NDJSON files of one export, streamed in two passes so memory does not
    grow with the files: the first parses only the lines that hold a Patient or a
    DiagnosticReport (what other resources refer to) and declares or links them; the
    second maps every line, a batch at a time."""
    w.position_label = "line"
    reader = FhirReader(w)
    for path in files:
        w.file_label = path.name
        reader.declare(_lines(path, only=_REFERRED), path.name)
    for path in files:
        w.file_label = path.name
        batch: list[tuple[int, Any, str | None]] = []
        for line_no, res in _lines(path, w=w):
            batch.append((line_no, res, None))
            if len(batch) >= NDJSON_BATCH:
                reader.map(batch, path.name)
                batch = []
        reader.map(batch, path.name)
        w.write()
    reader.finish()


NDJSON_BATCH = 5_000  # lines mapped at a time
_REFERRED = re.compile(rb'"resourceType"\s*:\s*"(?:Patient|DiagnosticReport)"')


def _lines(path: Path, *, only: re.Pattern[bytes] | None = None,
           w: Writer | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, resource) of an NDJSON file, log lines left out; with `only`, just
    the lines that match it; with `w`, the bytes read counted as progress."""
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, 1):
            if w is not None:
                w.bytes_done += len(line)
            if not line.strip() or (only is not None and not only.search(line)):
                continue
            res = jsontext.parse(line, file=path.name, line=line_no)
            if not _is_log_line(res):
                yield line_no, res


def _is_log_line(obj: Any) -> bool:
    """Bulk-export logs (log.ndjson) sit beside the data; they are not resources."""
    return isinstance(obj, dict) and "resourceType" not in obj and "eventId" in obj


def _deceased(value: Any) -> bool | None:
    """Patient.deceasedBoolean; anything but a JSON boolean is not read as one."""
    return value if isinstance(value, bool) else None
