"""Apple Health ``export.xml`` and ``export.zip``, streamed with lxml iterparse.

Memory stays flat: only Record, Correlation, Workout, ActivitySummary and Me elements
produce events, each is cleared when done, and every 1024 events the cleared elements
are removed from the root. Records inside
a Correlation (blood pressure) are the same readings Apple also lists at top level;
they hash identically and are kept once, as is the same reading (type, start, end,
value, unit) sent by several sources. HealthKit types map to LOINC through
resources/healthkit_map.json; the HealthKit identifier is kept in ``healthkit_type``.
Workouts become one ``activity`` row (duration; distance and energy as text) and each
ActivitySummary one row per ring. Apple writes oxygen saturation and body fat as
fractions with unit "%": they are scaled to percent. In a zip, clinical-records/*.json
are imported as FHIR for the same person, and export_cda.xml is skipped with a warning.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, Any

from lxml import etree

from storage.errors import IngestError
from storage.ingest import xmlsafe
from storage.ingest.apple_records import RecordColumns, adapter
from storage.ingest.detect import Unit, health_data_entry
from storage.ingest.fhir import FhirReader, load_json
from storage.ingest.normalize import iso
from storage.ingest.pipeline import Limits
from storage.ingest.writer import Writer

KEY = "apple|me"
HEALTHKIT = "HealthKit"
TAGS = ("Record", "Workout", "ActivitySummary", "Me", "Correlation")
RINGS = (("activeEnergyBurned", "activeEnergyBurnedUnit", "kcal"),
         ("appleExerciseTime", None, "min"), ("appleStandHours", None, "h"))


def parse_stream(stream: IO[bytes], w: Writer, label: str, limit: int) -> None:
    """Stream one export.xml; Records go to compact column batches (see apple_records)."""
    reader = xmlsafe.open_checked(stream, limit, label)
    w.position_label = "record"
    batch = RecordColumns()
    hk_a, value_a, unit_a, start_a, end_a, source_a, pos_a = batch.appenders()
    room = w.batch_size
    pos = 0
    try:
        events = etree.iterparse(reader, events=("end",), tag=TAGS, **xmlsafe.PARSER_OPTIONS)
        for _, el in events:
            pos += 1
            if pos == 1:
                xmlsafe.check_docinfo(el.getroottree(), label)
            if el.tag == "Record":
                get = el.get
                hk_a(get("type"))
                value_a(get("value"))
                unit_a(get("unit"))
                start_a(get("startDate"))
                end_a(get("endDate"))
                source_a(get("sourceName"))
                pos_a(pos)
                room -= 1
                if not room:
                    w.bytes_done = reader.done
                    _stage(w, batch)
                    batch = RecordColumns()
                    hk_a, value_a, unit_a, start_a, end_a, source_a, pos_a = batch.appenders()
                    room = w.batch_size
            else:
                _other(w, el, pos)
            el.clear(keep_tail=False)
            if not pos & 1023:  # drop the cleared elements before it (cheaper in bulk)
                parent = el.getparent()
                if parent is not None and parent.getparent() is None:
                    del parent[:-1]
    except etree.XMLSyntaxError as exc:
        raise xmlsafe.syntax_error(label, exc) from None
    w.bytes_done = reader.done
    _stage(w, batch)
    w.flush()


def _stage(w: Writer, batch: RecordColumns) -> None:
    if len(batch):
        pid = w.patient_id(KEY) or w.default_patient(KEY)
        w.stage_observations("apple_records", batch.to_table(), adapter(pid))


def _other(w: Writer, el: Any, pos: int) -> None:
    if el.tag == "Me":
        birth = el.get("HKCharacteristicTypeIdentifierDateOfBirth")
        sex = el.get("HKCharacteristicTypeIdentifierBiologicalSex") or ""
        w.default_patient(KEY, birth_date=birth or None,
                          sex=sex.replace("HKBiologicalSex", "").lower() or None)
        return
    if w.patient_id(KEY) is None:
        w.default_patient(KEY)
    if el.tag == "Workout":
        _workout(w, el, pos)
    elif el.tag == "ActivitySummary":
        _summary(w, el, pos)


def _workout(w: Writer, el: Any, pos: int) -> None:
    kind = el.get("workoutActivityType") or "HKWorkoutActivityTypeOther"
    parts = []
    for value, unit in (("totalDistance", "totalDistanceUnit"),
                        ("totalEnergyBurned", "totalEnergyBurnedUnit")):
        if el.get(value):
            parts.append(f"{float(el.get(value)):.2f} {el.get(unit) or ''}".strip())
    duration = el.get("duration")
    w.observation(pos, patient=KEY, category="activity", code_system=HEALTHKIT, code=kind,
                  display="Workout: " + kind.replace("HKWorkoutActivityType", ""),
                  num=float(duration) if duration else None, original_value=duration,
                  original_unit=el.get("durationUnit"), value_text=", ".join(parts) or None,
                  effective=iso(el.get("startDate")), effective_end=iso(el.get("endDate")),
                  source_name=el.get("sourceName"), healthkit_type="HKWorkout")


def _summary(w: Writer, el: Any, pos: int) -> None:
    day = el.get("dateComponents")
    for attr, unit_attr, unit in RINGS:
        raw = el.get(attr)
        if raw is None:
            continue
        goal = el.get(attr + "Goal") or el.get(attr.replace("Hours", "HoursGoal"))
        w.observation(pos, patient=KEY, category="activity", code_system=HEALTHKIT,
                      code=f"HKActivitySummary.{attr}", display=f"Daily {attr}",
                      num=float(raw), original_value=raw,
                      original_unit=(el.get(unit_attr) if unit_attr else None) or unit,
                      value_text=f"goal {goal}" if goal else None, effective=iso(day),
                      healthkit_type="HKActivitySummary")


def import_xml(unit: Unit, w: Writer, limits: Limits) -> None:
    with unit.paths[0].open("rb") as fh:
        parse_stream(fh, w, unit.label, limits.max_bytes)


def import_zip(unit: Unit, w: Writer, limits: Limits) -> None:
    path: Path = unit.paths[0]
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise IngestError(unit.label, "byte 0", f"not a readable zip file: {exc}") from None
    with zf:
        names = [i for i in zf.infolist() if not i.filename.startswith("__MACOSX")]
        export = health_data_entry(zf)
        clinical = [i for i in names if "clinical-records/" in i.filename
                    and i.filename.endswith(".json")]
        wanted = ([export] if export else []) + clinical
        if sum(i.file_size for i in wanted) > limits.max_bytes:
            raise IngestError(unit.label, "zip directory", "expands beyond the import limit of "
                              f"{limits.max_bytes} bytes")
        if any(i.filename.lower().endswith("_cda.xml") for i in names):
            w.warn("export_cda.xml skipped: it repeats export.xml as CDA and is often malformed")
        if export is None:
            raise IngestError(unit.label, "zip directory", "no export.xml in the archive")
        with zf.open(export) as stream:
            parse_stream(stream, w, f"{unit.label}:{export.filename}", limits.max_bytes)
        if clinical:
            _clinical_records(zf, clinical, w, unit.label, limits.max_bytes)


def _clinical_records(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], w: Writer, label: str,
                      limit: int) -> None:
    """The providers' FHIR resources in the zip, for the same person as export.xml."""
    w.write()  # rows so far go in as apple_health; what follows is FHIR
    w.source = "fhir"
    reader = FhirReader(w, default_key=KEY)
    items = []
    for n, info in enumerate(infos, 1):
        with zf.open(info) as fh:
            data = xmlsafe.LimitedReader(fh, limit, f"{label}:{info.filename}").read(limit + 1)
        items.append((n, load_json(Path(info.filename), data, f"{label}:{info.filename}"), None))
    w.position_label = "file"
    reader.resources(items, f"{label}:clinical-records")
    reader.finish()
    w.write()
    w.source = "apple_health"
