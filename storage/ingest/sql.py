"""The SQL that turns a unit's staged rows (Arrow, registered as hi_stage_<table>) into
vault rows.

Observations are normalized here, in bulk: the unit is spelled as UCUM (``hi_alias``),
converted to the code's canonical unit (``hi_conv``), given the record's own reference
range or else the resources/ table's (``hi_ranges``, only when the units agree), and a
flag is computed when the record carries none. A numeric value whose unit cannot be
reconciled with the code's canonical unit has no canonical value (only the original is
kept) and, with no range of its own, is flagged ``indeterminate``.

Each statement skips content hashes already in the table (an anti-join) and keeps one
row per hash within the unit (which of several identical readings survives, e.g. from
which source app, is not specified: they are the same reading).
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType

import pyarrow as pa

from storage.ingest.normalize import flag_sql
from storage.ingest.tables import OBSERVATION_HASH, TableSpec


def ts(col: str) -> str:
    """A staged ISO string as TIMESTAMPTZ (bare dates are midnight UTC)."""
    return (f"TRY_CAST(CASE WHEN length({col}) = 10 THEN {col} || 'T00:00:00+00:00' "
            f"ELSE {col} END AS TIMESTAMPTZ)")


def offset_minutes(col: str) -> str:
    sign = f"substr({col}, -6, 1)"
    return (f"CASE WHEN length({col}) <= 10 THEN NULL WHEN {col} LIKE '%Z' THEN 0 "
            f"WHEN {sign} IN ('+', '-') THEN (CASE WHEN {sign} = '-' THEN -1 ELSE 1 END) * "
            f"(TRY_CAST(substr({col}, -5, 2) AS INTEGER) * 60 "
            f"+ TRY_CAST(substr({col}, -2, 2) AS INTEGER)) END")


def _hash(fields: tuple[str, ...], times: tuple[str, ...]) -> str:
    """md5 over the identifying fields; times (already cast, as ``t_<field>``) by instant."""
    parts = ["patient"] + [
        f"coalesce(CAST(epoch_us(t_{f}) AS VARCHAR), '')" if f in times
        else f'coalesce(CAST("{f}" AS VARCHAR), \'\')' for f in fields
    ]
    return f"md5(concat_ws('|', {', '.join(parts)}))"


def _cast_times(times: tuple[str, ...]) -> str:
    return "".join(f', {ts(chr(34) + f + chr(34))} AS t_{f}' for f in times)


def stage(table: str) -> str:
    """The name a unit's staged rows for `table` are registered under."""
    return f"hi_stage_{table}"


BAD_TIME = "HI_BAD_TIME"


def time_guard(times: tuple[str, ...]) -> str:
    """A condition that stops the statement at an unreadable time, naming its position and
    value (no separate validation pass; the unit's transaction is rolled back anyway)."""
    if not times:
        return "true"
    checks = " ".join(f"""WHEN "{f}" IS NOT NULL AND t_{f} IS NULL THEN """
                      f"""error('{BAD_TIME}|' || pos || '|{f}|' || "{f}")""" for f in times)
    return f"(CASE {checks} ELSE true END)"


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=1)
def _lookups(units: ModuleType) -> dict[str, pa.Table]:
    aliases = units.alias_rows()
    conv = units.conversion_rows()
    canon = units.canonical_rows()
    ranges = units.load_resource("reference_ranges.json")["ranges"]
    hk = units.load_resource("healthkit_map.json")["types"]
    return {
        "hi_hk": pa.table({"hk": list(hk), **{
            name: pa.array([v[i] for v in hk.values()], pa.string())
            for i, name in enumerate(("code", "display", "category"))}}),
        "hi_alias": pa.table({"raw": [a for a, _ in aliases], "ucum": [u for _, u in aliases]}),
        "hi_conv": pa.table({"code": [r[0] for r in conv], "unit": [r[1] for r in conv],
                             "canonical": [r[2] for r in conv],
                             "factor": pa.array([r[3] for r in conv], pa.float64()),
                             "off": pa.array([r[4] for r in conv], pa.float64())}),
        "hi_canon": pa.table({"code": [c for c, _ in canon]}),
        "hi_ranges": pa.table({
            "code": list(ranges), "unit": [r["unit"] for r in ranges.values()],
            **{k: pa.array([r.get(k) for r in ranges.values()], pa.float64())
               for k in ("low", "high", "critical_low", "critical_high")},
            "source": [r["source"] for r in ranges.values()],
        }),
    }


def lookup_tables(units: ModuleType) -> dict[str, pa.Table]:
    return _lookups(units)


OBSERVATION_COLUMNS = (
    "patient_id", "category", "code_system", "code", "display", "value", "value_text",
    "comparator", "unit", "original_value", "original_unit", "reference_low", "reference_high",
    "reference_source", "flag", "effective", "effective_end", "utc_offset", "source",
    "source_name", "healthkit_type", "import_id", "import_unit", "record_id", "report",
    "content_hash",
)


def observations_insert(staged: str, source: str, import_id: str, unit: str,
                        window: tuple[str, str] | None = None) -> str:
    """`window` (lowest, highest effective of the staged rows) narrows the de-duplication
    to vault rows that can match: a row's hash covers its effective time, so only rows in
    that span (or with none) can have the same hash. Without it the anti-join holds every
    hash of the table; with it the join stays the size of the chunk (exports are sorted
    by time within each type, so a chunk spans little of it)."""
    times = ("effective", "effective_end")
    own_range = "(ref_low IS NOT NULL OR ref_high IS NOT NULL)"
    table_range = "(t_unit IS NOT NULL AND t_unit = unit_out)"
    flag = flag_sql("val", "rlow", "rhigh", "clow", "chigh", "comparator")
    # A known code in a stated unit that does not convert to its canonical unit has no
    # canonical value: value, unit and range stay empty (the original is kept) so no
    # series mixes units; its flag still says what the record's own range said, else
    # indeterminate. A value with no unit at all (Synthea's BP components) is kept.
    foreign = ("coalesce(known IS NOT NULL AND canonical IS NULL AND u IS NOT NULL "
               "AND num IS NOT NULL, false)")
    return f"""
    INSERT INTO observations ({', '.join(OBSERVATION_COLUMNS)})
    WITH s AS (
        SELECT st.*, coalesce(a.ucum, nullif(trim(st.original_unit), '')) AS u
               {_cast_times(times)}
        FROM {staged} st LEFT JOIN hi_alias a ON a.raw = st.original_unit
    ), n AS (
        SELECT s.*, c.factor, c.off, c.canonical, k.code AS known,
               coalesce(c.canonical, s.u) AS unit_out,
               r.unit AS t_unit, r.low AS t_low, r.high AS t_high,
               r.critical_low AS t_clow, r.critical_high AS t_chigh, r.source AS t_source
        FROM s
        LEFT JOIN hi_conv c ON c.code = s.code AND c.unit = s.u
        LEFT JOIN hi_canon k ON k.code = s.code
        LEFT JOIN hi_ranges r ON r.code = s.code
    ), v AS (
        SELECT n.*,
            CASE WHEN canonical IS NOT NULL THEN num * factor + off ELSE num END AS val,
            num IS NOT NULL AND ((known IS NOT NULL AND canonical IS NULL)
                                 OR (t_unit IS NOT NULL AND t_unit IS DISTINCT FROM unit_out))
                AS unreconciled,
            CASE WHEN {own_range} THEN 'record'
                 WHEN {table_range} THEN 'table:' || t_source END AS rsrc,
            CASE WHEN {own_range} THEN
                     (CASE WHEN canonical IS NOT NULL THEN ref_low * factor + off ELSE ref_low END)
                 WHEN {table_range} THEN t_low END AS rlow,
            CASE WHEN {own_range} THEN
                     (CASE WHEN canonical IS NOT NULL THEN ref_high * factor + off
                           ELSE ref_high END)
                 WHEN {table_range} THEN t_high END AS rhigh,
            CASE WHEN {table_range} THEN t_clow END AS clow,
            CASE WHEN {table_range} THEN t_chigh END AS chigh,
            {_hash(OBSERVATION_HASH, times)} AS h
        FROM n
    )
    SELECT DISTINCT ON (h) patient, category, code_system, code, display,
        CASE WHEN NOT {foreign} THEN val END, value_text, comparator,
        CASE WHEN {foreign} THEN NULL
             WHEN val IS NULL AND value_text IS NOT NULL THEN u ELSE unit_out END,
        original_value, original_unit,
        CASE WHEN NOT {foreign} THEN rlow END, CASE WHEN NOT {foreign} THEN rhigh END, rsrc,
        coalesce(flag, CASE WHEN rsrc IS NULL AND unreconciled THEN 'indeterminate'
                            ELSE {flag} END),
        t_effective, t_effective_end, {offset_minutes('effective')},
        {_q(source)}, source_name, healthkit_type, {_q(import_id)}, {_q(unit)}, record_id,
        report, h
    FROM v ANTI JOIN ({_existing(window)}) o ON o.content_hash = v.h
    WHERE {time_guard(times)}
    """


def _existing(window: tuple[str, str] | None) -> str:
    if window is None:
        return "SELECT content_hash FROM observations"
    lo, hi = window
    return ("SELECT content_hash FROM observations WHERE effective BETWEEN "
            f"CAST({_q(lo)} AS TIMESTAMPTZ) AND CAST({_q(hi)} AS TIMESTAMPTZ) UNION ALL "
            "SELECT content_hash FROM observations WHERE effective IS NULL")


def window_query(staged: str) -> str:
    """The lowest and highest effective time of staged observations (for the insert's window)."""
    return (f"SELECT CAST(min(e) AS VARCHAR), CAST(max(e) AS VARCHAR) "
            f"FROM (SELECT {ts('effective')} AS e FROM {staged})")


def generic_insert(spec: TableSpec, staged: str, source: str, import_id: str, unit: str) -> str:
    middle = list(spec.fields[1:-1])
    select = [f"t_{f}" if f in spec.time_fields else f'"{f}"' for f in middle]
    columns = ", ".join(f'"{f}"' for f in middle)
    return f"""
    INSERT INTO {spec.table} (id, patient_id, {columns}, source, import_id, import_unit,
                              content_hash)
    WITH s AS (SELECT *{_cast_times(spec.time_fields)} FROM {staged}),
    v AS (SELECT *, {_hash(spec.hash_fields, spec.time_fields)} AS h FROM s)
    SELECT DISTINCT ON (h) {_q(spec.prefix + '_')} || substr(h, 1, 20), patient,
        {', '.join(select)},
        {_q(source)}, {_q(import_id)}, {_q(unit)}, h
    FROM v ANTI JOIN (SELECT content_hash FROM {spec.table}) t ON t.content_hash = v.h
    WHERE {time_guard(spec.time_fields)}
    """
