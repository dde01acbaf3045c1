"""Apple Health ``export.xml`` and ``export.zip``, streamed through an lxml parser target.

Memory stays flat: no element tree is built; every piece of the export this app keeps
is an attribute of a start tag (Record, Workout, ActivitySummary, Me). Records inside
a Correlation (blood pressure) are the same readings Apple also lists at top level;
they hash identically and are kept once, as is the same reading (type, start, end,
value, unit) sent by several sources. HealthKit types map to LOINC through
resources/healthkit_map.json; the HealthKit identifier is kept in ``healthkit_type``.
Workouts become one ``activity`` row (duration; distance and energy as text) and each
ActivitySummary one row per ring. A heart rate keeps its motion context
(HKMetadataKeyHeartRateMotionContext: 1 sedentary, 2 active; 0 is "not set"), which
tells a reading taken while moving from one at rest. Apple writes oxygen saturation and body fat as
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
TAGS = frozenset({"Workout", "ActivitySummary", "Me", "Correlation"})  # besides Record
FEED = 1 << 20  # bytes handed to the parser at a time
HEART_RATE = "HKQuantityTypeIdentifierHeartRate"
MOTION_KEY = "HKMetadataKeyHeartRateMotionContext"
MOTION = {"1": "sedentary", "2": "active"}  # HKHeartRateMotionContext; "0" is not set
RINGS = (("activeEnergyBurned", "activeEnergyBurnedUnit", "kcal"),
         ("appleExerciseTime", None, "min"), ("appleStandHours", None, "h"))


def parse_stream(stream: IO[bytes], w: Writer, label: str, limit: int) -> None:
    """Stream one export.xml through an lxml parser target: lxml calls :class:`_Target`
    with each start tag's attributes and builds no tree, so memory stays flat and the
    pass costs about what a bare iterparse does."""
    reader = xmlsafe.open_checked(stream, limit, label)
    w.position_label = "record"
    target = _Target(w, reader)
    parser = etree.XMLParser(target=target, **xmlsafe.PARSER_OPTIONS)
    try:
        while chunk := reader.read(FEED):
            parser.feed(chunk)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise xmlsafe.syntax_error(label, exc) from None
    w.bytes_done = reader.done
    target.stage()
    w.flush()


class _Target:
    """Records go to compact column batches (see apple_records); the few other elements
    (Me, Workout, ActivitySummary) become rows as they come. Positions count the
    elements of TAGS, for error messages."""

    def __init__(self, w: Writer, reader: xmlsafe.LimitedReader) -> None:
        self.w = w
        self.reader = reader
        self.pos = 0
        self.in_heart_rate = False  # the last start tag was a heart rate Record's
        self._new_batch()

    def _new_batch(self) -> None:
        self.batch = RecordColumns()
        (self.hk, self.value, self.unit, self.start_date, self.end_date, self.source,
         self.motion, self.position) = self.batch.appenders()
        self.motions = self.batch.motions
        self.room = self.w.batch_size

    def start(self, tag: str, attrib: Any) -> None:
        if tag == "Record":
            if not self.room:  # staged at the next Record: the last one's metadata is in
                self.w.bytes_done = self.reader.done
                self.stage()
                self._new_batch()
            self.pos += 1
            get = attrib.get
            kind = get("type")
            self.hk(kind)
            self.value(get("value"))
            self.unit(get("unit"))
            self.start_date(get("startDate"))
            self.end_date(get("endDate"))
            self.source(get("sourceName"))
            self.motion(None)
            self.position(self.pos)
            self.in_heart_rate = kind == HEART_RATE
            self.room -= 1
        elif tag == "MetadataEntry":
            # a Record's metadata follows its start tag: it is the last one appended
            if self.in_heart_rate and attrib.get("key") == MOTION_KEY:
                self.motions[-1] = MOTION.get(attrib.get("value") or "")
        elif tag in TAGS:
            self.pos += 1
            self.in_heart_rate = False
            _other(self.w, tag, attrib, self.pos)

    def stage(self) -> None:
        if len(self.batch):
            pid = self.w.patient_id(KEY) or self.w.default_patient(KEY)
            hk, _, unit, start = self.batch.lists[:4]
            self.w.stage_observations("apple_records", self.batch.to_table(), adapter(pid),
                                      hk, unit, start)

    def close(self) -> None:
        return None


def _other(w: Writer, tag: str, attrib: Any, pos: int) -> None:
    if tag == "Me":
        birth = attrib.get("HKCharacteristicTypeIdentifierDateOfBirth")
        sex = attrib.get("HKCharacteristicTypeIdentifierBiologicalSex") or ""
        w.default_patient(KEY, birth_date=birth or None,
                          sex=sex.replace("HKBiologicalSex", "").lower() or None)
        return
    if w.patient_id(KEY) is None:
        w.default_patient(KEY)
    if tag == "Workout":
        _workout(w, attrib, pos)
    elif tag == "ActivitySummary":
        _summary(w, attrib, pos)


def _workout(w: Writer, attrib: Any, pos: int) -> None:
    kind = attrib.get("workoutActivityType") or "HKWorkoutActivityTypeOther"
    parts = []
    for value, unit in (("totalDistance", "totalDistanceUnit"),
                        ("totalEnergyBurned", "totalEnergyBurnedUnit")):
        if attrib.get(value):
            parts.append(f"{float(attrib.get(value)):.2f} {attrib.get(unit) or ''}".strip())
    duration = attrib.get("duration")
    w.observation(pos, patient=KEY, category="activity", code_system=HEALTHKIT, code=kind,
                  display="Workout: " + kind.replace("HKWorkoutActivityType", ""),
                  num=float(duration) if duration else None, original_value=duration,
                  original_unit=attrib.get("durationUnit"), value_text=", ".join(parts) or None,
                  effective=iso(attrib.get("startDate")), effective_end=iso(attrib.get("endDate")),
                  source_name=attrib.get("sourceName"), healthkit_type="HKWorkout")


def _summary(w: Writer, attrib: Any, pos: int) -> None:
    day = attrib.get("dateComponents")
    for attr, unit_attr, unit in RINGS:
        raw = attrib.get(attr)
        if raw is None:
            continue
        goal = attrib.get(attr + "Goal") or attrib.get(attr.replace("Hours", "HoursGoal"))
        w.observation(pos, patient=KEY, category="activity", code_system=HEALTHKIT,
                      code=f"HKActivitySummary.{attr}", display=f"Daily {attr}",
                      num=float(raw), original_value=raw,
                      original_unit=(attrib.get(unit_attr) if unit_attr else None) or unit,
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
