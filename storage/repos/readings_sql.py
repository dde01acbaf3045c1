"""The one SQL that says what a stored observation means: its measure, series unit,
flag and quality. It runs once per change, not per read: :func:`judge_sql` stores its
result in the observation's own columns (schema ``JUDGEMENT_COLUMNS``) when an import
writes rows (each row's own part in the INSERT that writes it, :func:`judged_insert`;
then, only where the new rows can change them, the neighbour-dependent conflicts and
7-day rule of the readings they touch), when the person's own range of the
measure changes, when an import is undone, and for every row when the tables or this
SQL change (:func:`fingerprint`; those rows are judged on their next read). The query
manager (measurements.py), the Records listing and the Records tab (records.py) all
read those columns, so one reading has one flag and one quality wherever it is shown.

Per row (``readings`` CTE):

- ``measure``: the alias table's key for its code (resources/measures.json), else the
  code. ``v``/``u``: the canonical value and unit; a reading whose unit does not convert
  (the writer keeps only its original) keeps its original number and unit, so it forms
  a series of its own and is never mixed into the canonical one. A value stored with no
  unit at all (Synthea's blood-pressure components) is taken in the measure's unit.
- ``quality``: ``verify`` when the value is outside the measure's plausible range or,
  for measures with ``max_change_7d``, differs from the median of the measure's other
  plausible readings within 7 days either side by more than that fraction (two apps
  writing into one type); ``conflict`` when readings of the measure and unit at the same
  instant differ by more than 0.5 % of the larger (beyond rounding); else ``ok``.
- ``flag``: ``indeterminate`` for a value outside the plausible range (it cannot be
  judged); ``critical`` beyond the measure's critical limits (critical wins over any
  range); else the person's own reference range of the measure (reference_overrides,
  set under any of the measure's codes, same unit) when one is set, else what the
  record said (its interpretation, or the flag the writer computed from the record's
  or the table's range).

Plausible and critical limits apply only to readings in the measure's canonical unit.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING

from storage.ingest.normalize import flag_sql
from storage.repos.measures import measure_values

if TYPE_CHECKING:
    import duckdb

CONFLICT_TOLERANCE = 0.005
# The measure table (measures.measure_values) as a temporary table of each cursor: a
# join on it plans in a fraction of the time of the same VALUES list inlined.
CATALOGUE = "temp.main.measure_catalogue"


def install_catalogue(cur: duckdb.DuckDBPyConnection) -> None:
    """Create this cursor's copy of the measure table (temporary tables belong to the
    connection that made them; each thread has its own cursor)."""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE measure_catalogue AS SELECT * FROM "
                f"{measure_values()}")


def _crit() -> str:
    checks = " OR ".join(f"b.v {op} b.{col}" for op, col in (
        ("<", "cb"), ("<=", "cbe"), (">", "ca"), (">=", "cae")))
    return f"coalesce(b.canonical AND ({checks}), false)"


@lru_cache(maxsize=16)
def readings_cte(scope: str, *, sudden_change: bool = True, source: str = "observations",
                 neighbours: bool = True) -> str:
    """``readings AS (...)`` over the observations that `scope` (a SQL condition on
    ``o``, using the caller's parameters) selects from `source` (a relation with the
    observations table's columns): the stored judgement's columns.
    `sudden_change=False` leaves out the 7-day rule, for scopes whose measures have no
    ``max_change_7d`` (it costs a window and a join). `neighbours=False` judges each row
    alone (no 7-day rule, no same-instant conflict): the per-row part an import stores
    as it inserts (judged_insert), before its neighbour passes; each of its rows then
    also carries its source row whole, as the struct ``kept``, so that the insert reads
    its rows once: materializing them and joining the judgement back by id cost a 1M-row
    import about 5 s of its 20."""
    if not neighbours:
        sudden_change = False
    nearby = """nearby AS (
        SELECT id, median(v) OVER (PARTITION BY patient_id, measure, u ORDER BY t
                RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND INTERVAL 7 DAYS FOLLOWING
                EXCLUDE CURRENT ROW) AS near
        FROM base WHERE chg IS NOT NULL AND NOT bad AND v IS NOT NULL AND t IS NOT NULL
    ), jumped AS MATERIALIZED (
        SELECT i.*, coalesce(abs(i.v - n.near) > i.chg * abs(n.near), false) AS jump
        FROM base i LEFT JOIN nearby n USING (id)
    )""" if sudden_change else "jumped AS (SELECT *, false AS jump FROM base)"
    instants = """same AS (
        SELECT patient_id, measure, u, t, max(v) - min(v) AS spread, max(abs(v)) AS mag
        FROM jumped WHERE NOT bad AND NOT jump AND t IS NOT NULL AND v IS NOT NULL
        GROUP BY ALL HAVING count(*) > 1
    ), inst AS (
        SELECT j.*, s.spread, s.mag FROM jumped j LEFT JOIN same s
            ON s.patient_id = j.patient_id AND s.measure IS NOT DISTINCT FROM j.measure
            AND s.u IS NOT DISTINCT FROM j.u AND s.t = j.t
    )"""
    alone = "inst AS (SELECT *, NULL::DOUBLE AS spread, NULL::DOUBLE AS mag FROM jumped)"
    carry = "" if neighbours else "{} AS kept, "
    own_flag = flag_sql("b.v", "b.olow", "b.ohigh", "NULL", "NULL", "b.cmp")
    rec_flag = flag_sql("b.v", "b.rlow", "b.rhigh", "NULL", "NULL", "b.cmp")
    return f"""
    own AS (
        SELECT r.patient_id, coalesce(rm.measure, r.code) AS measure, r.low, r.high, r.unit
        FROM reference_overrides r LEFT JOIN {CATALOGUE} rm ON rm.code = r.code
        QUALIFY row_number() OVER (PARTITION BY r.patient_id, coalesce(rm.measure, r.code)
                                   ORDER BY r.created_at DESC) = 1),
    base AS {"MATERIALIZED " if neighbours else ""}(
        SELECT {carry.format("o")}o.id, o.patient_id, coalesce(mt.measure, o.code) AS measure,
            CASE WHEN o.value IS NOT NULL THEN o.value
                 WHEN o.value_text IS NULL THEN TRY_CAST(o.original_value AS DOUBLE) END AS v,
            CASE WHEN o.value IS NOT NULL THEN coalesce(o.unit, mt.munit)
                 WHEN o.value_text IS NULL THEN o.original_unit ELSE o.unit END AS u,
            o.effective AS t, o.comparator AS cmp, o.flag AS stored_flag,
            r.patient_id IS NOT NULL AND r.unit IS NOT DISTINCT FROM o.unit AS own,
            r.low AS olow, r.high AS ohigh,
            o.reference_low AS rlow, o.reference_high AS rhigh, o.reference_source AS rsrc,
            mt.cb, mt.cbe, mt.ca, mt.cae, mt.chg,
            o.value IS NOT NULL AND coalesce(o.unit, mt.munit) = mt.munit AS canonical,
            coalesce(o.value IS NOT NULL AND coalesce(o.unit, mt.munit) = mt.munit
                     AND (o.value < mt.plo OR o.value > mt.phi), false) AS bad
        FROM {source} o
        LEFT JOIN {CATALOGUE} mt ON mt.code = o.code
        LEFT JOIN own r ON r.patient_id = o.patient_id
            AND r.measure = coalesce(mt.measure, o.code)
        WHERE {scope}
    ), {nearby}, {instants if neighbours else alone}, readings AS (
        SELECT {carry.format("b.kept")}b.id, b.measure, b.v, b.u,
            CASE WHEN b.own THEN b.olow ELSE b.rlow END AS ref_low,
            CASE WHEN b.own THEN b.ohigh ELSE b.rhigh END AS ref_high,
            CASE WHEN b.own THEN 'user' ELSE b.rsrc END AS ref_source,
            CASE WHEN b.bad THEN 'indeterminate'
                 WHEN {_crit()} THEN 'critical'
                 WHEN b.own THEN {own_flag}
                 ELSE coalesce(b.stored_flag, {rec_flag}) END AS flag,
            CASE WHEN b.bad OR b.jump THEN 'verify'
                 WHEN b.spread > {CONFLICT_TOLERANCE} * b.mag THEN 'conflict'
                 ELSE 'ok' END AS quality,
            CASE WHEN b.bad THEN 'implausible' WHEN b.jump THEN 'sudden_change'
                 WHEN b.spread > {CONFLICT_TOLERANCE} * b.mag THEN 'same_instant_differs'
                 END AS reason
        FROM inst b
    )"""


# The stored columns each judged row gets, from the `readings` columns of the same name.
STORED = (("measure", "measure"), ("series_value", "v"), ("series_unit", "u"),
          ("judged_flag", "flag"), ("quality", "quality"), ("quality_reason", "reason"),
          ("applied_low", "ref_low"), ("applied_high", "ref_high"),
          ("applied_source", "ref_source"))


def judge_sql(scope: str, *, sudden_change: bool = True, target: str = "true") -> str:
    """The UPDATE that stores the judgement of the observations `scope` selects, where
    `target` (SQL on ``x``, the stored row) holds and the judgement differs from the
    stored one (a row rewritten unchanged costs DuckDB an update version). The scope
    must hold every neighbour that decides a target's quality: the same instant of
    its patient's measure, and 7 days either side for the 7-day change rule."""
    sets = ", ".join(f"{col} = g.{src}" for col, src in STORED)
    changed = " OR ".join(f"x.{col} IS DISTINCT FROM g.{src}" for col, src in STORED)
    cte = readings_cte(scope, sudden_change=sudden_change)
    return (f"UPDATE observations AS x SET {sets} FROM (WITH {cte} "
            f"SELECT * FROM readings) g WHERE x.id = g.id AND ({target}) AND ({changed})")


def judged_insert(columns: tuple[str, ...], ctes: str, select: str) -> str:
    """The INSERT of `select` (rows named as the observations columns `columns`, one
    per ``content_hash``, over the CTEs `ctes`) that stores each row's own judgement in
    the same statement: measure, series value and unit, flag, applied range, and
    quality ``verify`` for an implausible value. The neighbour-dependent part (same-
    instant conflicts, the 7-day rule) is left ``ok`` for MeasurementRepository.
    judge_written to decide after the insert, only where the chunk can change it."""
    cte = readings_cte("true", source="fresh", neighbours=False)
    stored = ", ".join(col for col, _ in STORED)
    picks = ", ".join(src for _, src in STORED)
    return (f"INSERT INTO observations ({', '.join(columns)}, {stored}) WITH {ctes}, "
            f"fresh AS (SELECT *, content_hash AS id FROM ({select})), {cte} "
            f"SELECT kept.* EXCLUDE (id), {picks} FROM readings")


def exercise_sql(measures: int) -> str:
    """The UPDATE that flags as exercise, not critical, the readings of the patients
    ``$pids`` above a limit that holds only at rest (resources/critical_limits.json,
    high_at_rest_only: a heart rate over 150) taken during one of their patient's
    recorded workouts or that the device itself marked as taken while active (HealthKit's
    motion context): high above the range the flag used, else normal. One pair of
    parameters per such measure, ``$rest_codes{i}`` and ``$rest_high{i}``. It runs after
    every judgement of those patients, because a workout can be stored after the
    readings it covers (an Apple export lists workouts last; another file can bring one)."""
    above = " OR ".join(f"(list_contains($rest_codes{i}, x.code) AND x.series_value >= "
                        f"$rest_high{i})" for i in range(measures))
    return ("UPDATE observations AS x SET judged_flag = CASE WHEN x.applied_high IS NOT NULL "
            "AND x.series_value <= x.applied_high THEN 'normal' ELSE 'high' END "
            "WHERE x.judged_flag = 'critical' AND list_contains($pids, x.patient_id) "
            f"AND ({above}) AND (x.motion_context = 'active' OR EXISTS (SELECT 1 FROM "
            "observations w WHERE w.patient_id = x.patient_id AND w.healthkit_type = "
            "'HKWorkout' AND x.effective BETWEEN w.effective AND w.effective_end))")


def fingerprint() -> str:
    """What stored judgements depend on: the tables (resources/) and this SQL. A vault
    whose stored fingerprint differs has every observation judged again."""
    text = measure_values() + readings_cte("o.patient_id = $p") + exercise_sql(1)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
