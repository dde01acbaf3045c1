"""The one SQL that says what a stored observation means: its measure, series unit,
flag and quality. The query manager (measurements.py) and the Records listing
(records.py) both select from it, so one reading has one flag and one quality
wherever it is shown.

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
  range); else the person's own reference range (reference_overrides, same unit) when
  one is set, else what the record said (its interpretation, or the flag the writer
  computed from the record's or the table's range).

Plausible and critical limits apply only to readings in the measure's canonical unit.
"""

from __future__ import annotations

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


@lru_cache(maxsize=8)
def readings_cte(scope: str) -> str:
    """``readings AS (...)`` over the observations that `scope` (a SQL condition on
    ``o``, using the caller's parameters) selects; every column the callers need."""
    own_flag = flag_sql("b.v", "b.olow", "b.ohigh", "NULL", "NULL", "b.cmp")
    rec_flag = flag_sql("b.v", "b.rlow", "b.rhigh", "NULL", "NULL", "b.cmp")
    return f"""
    scoped AS MATERIALIZED (
        SELECT o.id, o.patient_id, o.code, o.display, o.category, o.value, o.value_text,
            o.original_value, o.unit, o.original_unit, o.effective, o.utc_offset,
            o.comparator, o.source_name, o.record_id, o.time_basis, o.flag,
            o.reference_low, o.reference_high, o.reference_source
        FROM observations o WHERE {scope}),
    base AS (
        SELECT o.id, o.patient_id, o.code, o.display, o.category,
            coalesce(mt.measure, o.code) AS measure,
            CASE WHEN o.value IS NOT NULL THEN o.value
                 WHEN o.value_text IS NULL THEN TRY_CAST(o.original_value AS DOUBLE) END AS v,
            CASE WHEN o.value IS NOT NULL THEN coalesce(o.unit, mt.munit)
                 WHEN o.value_text IS NULL THEN o.original_unit ELSE o.unit END AS u,
            o.effective AS t, o.utc_offset AS off, o.comparator AS cmp,
            o.source_name AS src, o.record_id, coalesce(o.time_basis, 'effective') AS basis,
            o.flag AS stored_flag,
            r.patient_id IS NOT NULL AND r.unit IS NOT DISTINCT FROM o.unit AS own,
            r.low AS olow, r.high AS ohigh,
            o.reference_low AS rlow, o.reference_high AS rhigh, o.reference_source AS rsrc,
            mt.munit, mt.plo, mt.phi, mt.chg, mt.cb, mt.cbe, mt.ca, mt.cae,
            o.value IS NOT NULL AND coalesce(o.unit, mt.munit) = mt.munit AS canonical
        FROM scoped o
        LEFT JOIN {CATALOGUE} mt ON mt.code = o.code
        LEFT JOIN reference_overrides r ON r.patient_id = o.patient_id AND r.code = o.code
    ), implaus AS MATERIALIZED (
        SELECT b.*, coalesce(b.canonical AND (b.v < b.plo OR b.v > b.phi), false) AS bad
        FROM base b
    ), nearby AS (
        SELECT id, median(v) OVER (PARTITION BY patient_id, measure, u ORDER BY t
                RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND INTERVAL 7 DAYS FOLLOWING
                EXCLUDE CURRENT ROW) AS near
        FROM implaus WHERE chg IS NOT NULL AND NOT bad AND v IS NOT NULL AND t IS NOT NULL
    ), jumped AS (
        SELECT i.*, coalesce(abs(i.v - n.near) > i.chg * abs(n.near), false) AS jump
        FROM implaus i LEFT JOIN nearby n USING (id)
    ), inst AS (
        SELECT j.*,
            max(CASE WHEN NOT bad AND NOT jump THEN v END) OVER w
              - min(CASE WHEN NOT bad AND NOT jump THEN v END) OVER w AS spread,
            max(CASE WHEN NOT bad AND NOT jump THEN abs(v) END) OVER w AS mag
        FROM jumped j
        WINDOW w AS (PARTITION BY patient_id, measure, u, t)
    ), readings AS (
        SELECT b.id, b.patient_id, b.code, b.display, b.category, b.measure, b.v, b.u, b.t,
            b.off, b.cmp, b.src, b.record_id, b.basis, b.canonical,
            CASE WHEN b.own THEN b.olow ELSE b.rlow END AS ref_low,
            CASE WHEN b.own THEN b.ohigh ELSE b.rhigh END AS ref_high,
            CASE WHEN b.own THEN 'user' ELSE b.rsrc END AS ref_source,
            CASE WHEN b.bad THEN 'indeterminate'
                 WHEN {_crit()} THEN 'critical'
                 WHEN b.own THEN {own_flag}
                 ELSE coalesce(b.stored_flag, {rec_flag}) END AS flag,
            CASE WHEN b.bad OR b.jump THEN 'verify'
                 WHEN b.t IS NOT NULL AND b.spread > {CONFLICT_TOLERANCE} * b.mag
                     THEN 'conflict' ELSE 'ok' END AS quality,
            CASE WHEN b.bad THEN 'implausible' WHEN b.jump THEN 'sudden_change'
                 WHEN b.t IS NOT NULL AND b.spread > {CONFLICT_TOLERANCE} * b.mag
                     THEN 'same_instant_differs' END AS reason
        FROM inst b
    )"""
