"""What a staged row holds, per vault table. Parsers fill fields by these names.

Every row starts with the parser's patient key and ends with its position in the
file (record/line/entry number, for error messages). Time fields are ISO strings
(see normalize.iso); the writer validates and casts them in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.ingest.arrow import FLOAT, INT, STRING, Fields

S, F = STRING, FLOAT

OBSERVATION_TYPES: Fields = (
    ("patient", S), ("category", S), ("code_system", S), ("code", S), ("display", S),
    ("num", F), ("value_text", S), ("comparator", S), ("original_value", S),
    ("original_unit", S), ("ref_low", F), ("ref_high", F), ("flag", S), ("effective", S),
    ("effective_end", S), ("source_name", S), ("healthkit_type", S), ("record_id", S),
    ("report", S), ("time_basis", S), ("motion_context", S), ("pos", INT),
)
OBSERVATION_FIELDS = tuple(name for name, _ in OBSERVATION_TYPES)
# What makes two readings the same one: the source's own record id when it has one
# (FHIR resource ids), else the content; the app or device that sent it does not count.
OBSERVATION_HASH = ("record_id", "code", "healthkit_type", "display", "effective",
                    "effective_end", "original_value", "original_unit", "value_text",
                    "comparator")


@dataclass(frozen=True)
class TableSpec:
    table: str
    prefix: str  # id prefix, e.g. med_
    types: Fields
    time_fields: tuple[str, ...]
    hash_fields: tuple[str, ...]
    date_field: str  # the one summaries use for date ranges

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.types)


def _spec(table: str, prefix: str, middle: Fields,
          hash_fields: tuple[str, ...], date_field: str) -> TableSpec:
    types = (("patient", S), ("code_system", S), ("code", S), *middle, ("record_id", S),
             ("pos", INT))
    times = tuple(name for name, kind in middle if name in _TIME_NAMES)
    return TableSpec(table, prefix, types, times, ("record_id", "code", *hash_fields), date_field)


_TIME_NAMES = {"start", "stop", "onset", "abatement", "end", "occurred", "recorded"}

TABLES: dict[str, TableSpec] = {
    spec.table: spec for spec in (
        _spec("medications", "med", (
            ("name", S), ("dosage", S), ("dose_value", F), ("dose_unit", S), ("form", S),
            ("frequency", S), ("reason", S), ("status", S), ("start", S), ("stop", S),
        ), ("name", "dosage", "start", "stop", "status"), "start"),
        _spec("conditions", "cond", (
            ("display", S), ("clinical_status", S), ("onset", S), ("abatement", S),
        ), ("display", "onset", "abatement", "clinical_status"), "onset"),
        _spec("encounters", "enc", (
            ("display", S), ("encounter_class", S), ("start", S), ("end", S), ("provider", S),
            ("reason", S),
        ), ("display", "encounter_class", "start", "end"), "start"),
        _spec("immunizations", "imm", (
            ("display", S), ("occurred", S), ("status", S),
        ), ("display", "occurred", "status"), "occurred"),
        _spec("allergies", "alg", (
            ("display", S), ("category", S), ("criticality", S), ("reaction", S),
            ("clinical_status", S), ("recorded", S),
        ), ("display", "recorded", "clinical_status", "reaction"), "recorded"),
    )
}
