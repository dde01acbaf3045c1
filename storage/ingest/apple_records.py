"""Apple Health Records, staged column by column and normalized in SQL.

A large export holds millions of Records, so the parser only copies seven attribute
strings per Record into lists (and a heart rate's motion context from its metadata);
turning them into observations (the value to a number, oxygen saturation and body fat
from fractions to percent) happens in the SQL of :func:`adapter`, which yields rows in
the writer's observation staging shape, the HealthKit type as their code: the writer's
normalization (sql.normalization) maps it to LOINC, category and display through
resources/healthkit_map.json.
Apple's ``2016-04-18 08:25:32 -0700`` times stay as written: sql.ts reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.ingest.arrow import INT, STRING, Table

FIELDS = (("hk", STRING), ("value", STRING), ("unit", STRING), ("start", STRING),
          ("end", STRING), ("source", STRING), ("motion", STRING), ("pos", INT))
MOTION = [name for name, _ in FIELDS].index("motion")
FRACTIONS = ("HKQuantityTypeIdentifierOxygenSaturation",
             "HKQuantityTypeIdentifierBodyFatPercentage")


class RecordColumns:
    """One batch of Records as parallel lists (cheap to fill, cheap to turn into Arrow)."""

    def __init__(self) -> None:
        self.lists: list[list[Any]] = [[] for _ in FIELDS]

    def appenders(self) -> tuple[Callable[[Any], None], ...]:
        return tuple(lst.append for lst in self.lists)

    @property
    def motions(self) -> list[Any]:
        """The motion context column: the parser sets a Record's own when its metadata
        follows it."""
        return self.lists[MOTION]

    def __len__(self) -> int:
        return len(self.lists[-1])

    def to_table(self) -> Table:
        table = Table(FIELDS)
        table.append(self.lists)
        return table


def adapter(patient_id: str) -> Callable[[str], str]:
    """SQL selecting a staged Records table (its registered name) as observation rows."""
    pid = patient_id.replace("'", "''")
    fractions = ", ".join(f"'{f}'" for f in FRACTIONS)

    def select(stage: str) -> str:
        num = "TRY_CAST(r.value AS DOUBLE)"
        return f"""
        SELECT '{pid}' AS patient, 'other' AS category, 'HealthKit' AS code_system,
            r.hk AS code, replace(replace(r.hk, 'HKQuantityTypeIdentifier', ''),
                                  'HKCategoryTypeIdentifier', '') AS display,
            CASE WHEN r.hk IN ({fractions}) AND {num} <= 1 THEN {num} * 100 ELSE {num} END
                AS num,
            CASE WHEN {num} IS NULL THEN r.value END AS value_text,
            CAST(NULL AS VARCHAR) AS comparator, r.value AS original_value,
            r.unit AS original_unit, CAST(NULL AS DOUBLE) AS ref_low,
            CAST(NULL AS DOUBLE) AS ref_high, CAST(NULL AS VARCHAR) AS flag,
            r.start AS effective, r."end" AS effective_end,
            r.source AS source_name, r.hk AS healthkit_type,
            CAST(NULL AS VARCHAR) AS record_id, CAST(NULL AS VARCHAR) AS report,
            CAST(NULL AS VARCHAR) AS time_basis, r.motion AS motion_context, r.pos
        FROM {stage} r"""
    return select
