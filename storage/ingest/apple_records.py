"""Apple Health Records, staged column by column and normalized in SQL.

A large export holds millions of Records, so the parser only copies seven attribute
strings per Record into lists; turning them into observations (HealthKit type to
LOINC code, category and display through resources/healthkit_map.json, the value to a
number, oxygen saturation and body fat from fractions to percent, Apple's
``2016-04-18 08:25:32 -0700`` dates to ISO) happens in the SQL of :func:`adapter`,
which yields rows in the writer's observation staging shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.ingest.arrow import INT, STRING, Table

FIELDS = (("hk", STRING), ("value", STRING), ("unit", STRING), ("start", STRING),
          ("end", STRING), ("source", STRING), ("pos", INT))
FRACTIONS = ("HKQuantityTypeIdentifierOxygenSaturation",
             "HKQuantityTypeIdentifierBodyFatPercentage")


class RecordColumns:
    """One batch of Records as parallel lists (cheap to fill, cheap to turn into Arrow)."""

    def __init__(self) -> None:
        self.lists: list[list[Any]] = [[] for _ in FIELDS]

    def appenders(self) -> tuple[Callable[[Any], None], ...]:
        return tuple(lst.append for lst in self.lists)

    def __len__(self) -> int:
        return len(self.lists[-1])

    def to_table(self) -> Table:
        table = Table(FIELDS)
        table.append(self.lists)
        return table


def _iso(col: str) -> str:
    return (f"CASE WHEN length({col}) = 25 AND substr({col}, 20, 1) = ' ' THEN "
            f"substr({col}, 1, 10) || 'T' || substr({col}, 12, 8) || substr({col}, 21, 3) "
            f"|| ':' || substr({col}, 24, 2) ELSE {col} END")


def adapter(patient_id: str) -> Callable[[str], str]:
    """SQL selecting a staged Records table (its registered name) as observation rows."""
    pid = patient_id.replace("'", "''")
    fractions = ", ".join(f"'{f}'" for f in FRACTIONS)

    def select(stage: str) -> str:
        num = "TRY_CAST(r.value AS DOUBLE)"
        return f"""
        SELECT '{pid}' AS patient, coalesce(m.category, 'other') AS category,
            CASE WHEN m.code IS NOT NULL THEN 'http://loinc.org' ELSE 'HealthKit' END
                AS code_system,
            coalesce(m.code, r.hk) AS code,
            coalesce(m.display, replace(replace(r.hk, 'HKQuantityTypeIdentifier', ''),
                                        'HKCategoryTypeIdentifier', '')) AS display,
            CASE WHEN r.hk IN ({fractions}) AND {num} <= 1 THEN {num} * 100 ELSE {num} END
                AS num,
            CASE WHEN {num} IS NULL THEN r.value END AS value_text,
            CAST(NULL AS VARCHAR) AS comparator, r.value AS original_value,
            r.unit AS original_unit, CAST(NULL AS DOUBLE) AS ref_low,
            CAST(NULL AS DOUBLE) AS ref_high, CAST(NULL AS VARCHAR) AS flag,
            {_iso('r.start')} AS effective, {_iso('r."end"')} AS effective_end,
            r.source AS source_name, r.hk AS healthkit_type,
            CAST(NULL AS VARCHAR) AS record_id, CAST(NULL AS VARCHAR) AS report, r.pos
        FROM {stage} r LEFT JOIN hi_hk m ON m.hk = r.hk"""
    return select
