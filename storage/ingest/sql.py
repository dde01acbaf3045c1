"""The SQL that turns a unit's staged rows (Arrow, registered as hi_stage_<table>) into
vault rows.

Observations are normalized here, in bulk. What depends only on a row's code and unit
(the unit spelled as UCUM, the factor to the code's canonical unit, the resources/
table's reference range) is computed once per distinct (code, unit) pair of a chunk in
Python, through units.py (:func:`normalization`), and joined as ``hi_norm``: one small
join instead of one per lookup table, which keeps DuckDB's working memory per chunk
small. The SQL then converts values, takes the record's own reference range or else the
table's (only when the units agree), and computes a flag when the record carries none.
A numeric value whose unit cannot be reconciled with the code's canonical unit has no
canonical value (only the original is kept) and, with no range of its own, is flagged
``indeterminate``.

Each statement skips content hashes already in the table (``h NOT IN (...)``) and keeps
one row per hash within the unit (which of several identical readings survives, e.g.
from which source app, is not specified: they are the same reading). For observations
the hashes already in the table are looked up by the chunk's own (see
:func:`_existing`), so the join holds a chunk's worth of hashes whatever the file's
order; the other tables hold few rows per unit and are compared whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from storage.ingest import units
from storage.ingest.arrow import FLOAT, STRING, Table, table
from storage.ingest.normalize import flag_sql
from storage.ingest.tables import OBSERVATION_HASH, TableSpec

APPLE_TIME = "%Y-%m-%d %H:%M:%S %z"  # Apple Health's 2016-04-18 08:25:32 -0700


def ts(col: str) -> str:
    """A staged time string as TIMESTAMPTZ: ISO 8601 (bare dates are midnight UTC) or
    Apple Health's own spelling, read as it is (a million Records need no rewriting)."""
    return (f"CASE WHEN length({col}) = 10 THEN TRY_CAST({col} || 'T00:00:00+00:00' AS "
            f"TIMESTAMPTZ) WHEN length({col}) = 25 AND substr({col}, 20, 1) = ' ' THEN "
            f"try_strptime({col}, '{APPLE_TIME}') ELSE TRY_CAST({col} AS TIMESTAMPTZ) END")


def offset_minutes(col: str) -> str:
    """The UTC offset a time was written in, in minutes: ``+02:00``, ``-0700`` or ``Z``."""
    def signed(at: int) -> str:
        sign = f"substr({col}, {at}, 1)"
        return (f"(CASE WHEN {sign} = '-' THEN -1 ELSE 1 END) * "
                f"(TRY_CAST(substr({col}, {at + 1}, 2) AS INTEGER) * 60 "
                f"+ TRY_CAST(substr({col}, -2, 2) AS INTEGER))")
    return (f"CASE WHEN length({col}) <= 10 THEN NULL WHEN {col} LIKE '%Z' THEN 0 "
            f"WHEN substr({col}, -6, 1) IN ('+', '-') THEN {signed(-6)} "
            f"WHEN substr({col}, -5, 1) IN ('+', '-') AND substr({col}, -3, 1) <> ':' "
            f"THEN {signed(-5)} END")


def _hash(fields: tuple[str, ...], times: tuple[str, ...]) -> str:
    """md5 over the identifying fields; times (already cast, as ``t_<field>``) by instant."""
    parts = ["patient"] + [
        f"coalesce(CAST(epoch_us(t_{f}) AS VARCHAR), '')" if f in times
        else f'coalesce(CAST("{f}" AS VARCHAR), \'\')' for f in fields
    ]
    return f"md5_number(concat_ws('|', {', '.join(parts)}))"


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


NORM_FIELDS = (
    ("code", STRING), ("raw", STRING), ("to_system", STRING), ("to_code", STRING),
    ("to_display", STRING), ("to_category", STRING), ("u", STRING), ("factor", FLOAT),
    ("off", FLOAT), ("canonical", STRING), ("known", STRING), ("t_unit", STRING), ("t_low", FLOAT),
    ("t_high", FLOAT), ("t_clow", FLOAT), ("t_chigh", FLOAT), ("t_source", STRING),
)


@lru_cache(maxsize=1)
def _ranges() -> dict[str, dict[str, Any]]:
    return dict(units.load_resource("reference_ranges.json")["ranges"])


@lru_cache(maxsize=1)
def _healthkit() -> dict[str, list[str | None]]:
    return dict(units.load_resource("healthkit_map.json")["types"])


def normalization(pairs: Iterable[tuple[str | None, str | None]]) -> Table:
    """``hi_norm``: for each (code, unit as written) pair, the code itself when it is a
    HealthKit type (resources/healthkit_map.json: LOINC code where one exists, display,
    category), the UCUM unit, the conversion to the code's canonical unit (none if they
    cannot be reconciled), whether the code has a canonical unit at all, and the
    resources/ table's reference range."""
    rows = []
    for code, raw in pairs:
        hk_code, display, category = (_healthkit().get(code or "") or [None, None, None])[:3]
        target = hk_code or code
        conv = units.conversion(target, raw)
        ref = _ranges().get(target or "", {})
        rows.append((code, raw, "http://loinc.org" if hk_code else None, hk_code, display,
                     category, units.ucum(raw), conv.factor if conv else None,
                     conv.offset if conv else None, conv.canonical if conv else None,
                     target if units.canonical_unit(target) else None, ref.get("unit"),
                     ref.get("low"), ref.get("high"), ref.get("critical_low"),
                     ref.get("critical_high"), ref.get("source")))
    return table(NORM_FIELDS, rows)


@dataclass
class ChunkKeys:
    """What a chunk's observations must tell the insert, gathered in Python as rows are
    staged (no extra pass in DuckDB): their distinct (code, unit) pairs, for
    :func:`normalization`, and their first and last day, for the de-duplication window."""

    pairs: set[tuple[str | None, str | None]] = field(default_factory=set)
    first: str | None = None
    last: str | None = None
    rows: int = 0

    def add(self, codes: Sequence[str | None], unit_names: Sequence[str | None],
            times: Sequence[str | None]) -> None:
        self.pairs.update(zip(codes, unit_names, strict=True))
        self.rows += len(codes)
        present = [t for t in times if t]
        if present:
            low, high = min(present), max(present)
            self.first = low if self.first is None else min(self.first, low)
            self.last = high if self.last is None else max(self.last, high)

    def days(self) -> tuple[date, date] | None:
        """The first and the last local day (ISO and Apple times both start with it);
        None when a time is unreadable (or there is none)."""
        try:
            return (date.fromisoformat((self.first or "")[:10]),
                    date.fromisoformat((self.last or "")[:10]))
        except ValueError:
            return None

    def window(self) -> tuple[int, int] | None:
        """Epoch microseconds from the day before the first day to the end of the day
        after the last (a UTC offset moves an instant by less than a day). None when a
        time is unreadable: the insert then stops at that time with its position."""
        days = self.days()
        if days is None:
            return None
        first, last = days
        def micros(day: date) -> int:
            return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 10**6
        return micros(first - timedelta(days=1)), micros(last + timedelta(days=2))


OBSERVATION_COLUMNS = (
    "patient_id", "category", "code_system", "code", "display", "value", "value_text",
    "comparator", "unit", "original_value", "original_unit", "reference_low", "reference_high",
    "reference_source", "flag", "effective", "effective_end", "utc_offset", "source",
    "source_name", "healthkit_type", "import_id", "import_unit", "record_id", "report",
    "time_basis", "motion_context",
    "content_hash",
)


def observations_insert(staged: str, source: str, import_id: str, unit: str,
                        window: tuple[int, int] | None = None,
                        judged: Callable[[tuple[str, ...], str, str], str] | None = None) -> str:
    """`window` (a span holding every effective time of the staged rows, see ChunkKeys)
    narrows the de-duplication to vault rows that can match: a row's hash covers its
    effective time, so only rows in that span (or with none) can have the same hash.
    Without it the join holds every hash of the table; with it the join stays the
    size of the chunk (exports are sorted by time, so a chunk spans little of it).
    `judged` (readings_sql.judged_insert) makes the INSERT from (columns, CTEs, SELECT)
    so that the same statement stores each row's judgement."""
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
    ctes = f"""n AS (
        SELECT st.* REPLACE (coalesce(m.to_system, st.code_system) AS code_system,
                             coalesce(m.to_code, st.code) AS code,
                             coalesce(m.to_display, st.display) AS display,
                             coalesce(m.to_category, st.category) AS category),
               m.u, m.factor, m.off, m.canonical, m.known,
               coalesce(m.canonical, m.u) AS unit_out, m.t_unit, m.t_low, m.t_high,
               m.t_clow, m.t_chigh, m.t_source {_cast_times(times)}
        FROM {staged} st LEFT JOIN hi_norm m ON m.code IS NOT DISTINCT FROM st.code
            AND m.raw IS NOT DISTINCT FROM st.original_unit
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
    )"""
    select = f"""
    SELECT DISTINCT ON (h) patient AS patient_id, category, code_system, code, display,
        CASE WHEN NOT {foreign} THEN val END AS value, value_text, comparator,
        CASE WHEN {foreign} THEN NULL
             WHEN val IS NULL AND value_text IS NOT NULL THEN u ELSE unit_out END AS unit,
        original_value, original_unit,
        CASE WHEN NOT {foreign} THEN rlow END AS reference_low,
        CASE WHEN NOT {foreign} THEN rhigh END AS reference_high, rsrc AS reference_source,
        coalesce(flag, CASE WHEN rsrc IS NULL AND unreconciled THEN 'indeterminate'
                            ELSE {flag} END) AS flag,
        t_effective AS effective, t_effective_end AS effective_end,
        {offset_minutes('effective')} AS utc_offset,
        {_q(source)} AS source, source_name, healthkit_type, {_q(import_id)} AS import_id,
        {_q(unit)} AS import_unit, record_id, report, time_basis, motion_context, h AS content_hash
    FROM v
    WHERE {time_guard(times)} AND h NOT IN ({_existing(window)})
    """
    if judged is not None:
        return judged(OBSERVATION_COLUMNS, ctes, select)
    return f"INSERT INTO observations ({', '.join(OBSERVATION_COLUMNS)}) WITH {ctes} {select}"


def _existing(window: tuple[int, int] | None) -> str:
    """The vault's hashes that the chunk's rows (``v``) also have. The chunk's hashes are
    the join's build side and the table is scanned past them, so the join holds a
    chunk's worth of hashes: exports sorted by time and exports in random order (merged
    exports, third-party tools, whose chunks span all of their years) alike. A hash
    table of the vault's hashes in the window instead grew with the file when the
    window was every year. The window still lets DuckDB skip row groups by their
    effective times when the chunk spans little."""
    mine = "content_hash IN (SELECT h FROM v)"
    if window is None:
        return f"SELECT content_hash FROM observations WHERE {mine}"
    low, high = window  # epoch microseconds (whole days: exact as doubles)
    return ("SELECT content_hash FROM observations WHERE effective BETWEEN "
            f"to_timestamp({low} / 1e6) AND to_timestamp({high} / 1e6) AND {mine} "
            f"UNION ALL SELECT content_hash FROM observations WHERE effective IS NULL "
            f"AND {mine}")


def generic_insert(spec: TableSpec, staged: str, source: str, import_id: str, unit: str) -> str:
    """A record table's insert, de-duplicated by content hash. Ids come from that hash,
    so a row whose id is already in the vault is this very record: it is skipped (OR
    IGNORE), never a primary-key failure of the user's import, also when another writer
    committed it while this chunk's transaction ran (the chunk is then written again:
    Writer._write_chunk) or when the hash's check did not see it."""
    middle = list(spec.fields[1:-1])
    select = [f"t_{f}" if f in spec.time_fields else f'"{f}"' for f in middle]
    columns = ", ".join(f'"{f}"' for f in middle)
    return f"""
    INSERT OR IGNORE INTO {spec.table} (id, patient_id, {columns}, source, import_id,
                                        import_unit, content_hash)
    WITH s AS (SELECT *{_cast_times(spec.time_fields)} FROM {staged}),
    v AS (SELECT *, {_hash(spec.hash_fields, spec.time_fields)} AS h FROM s)
    SELECT DISTINCT ON (h) {_q(spec.prefix + '_')} || lower(substr(hex(h), 1, 20)), patient,
        {', '.join(select)},
        {_q(source)}, {_q(import_id)}, {_q(unit)}, h
    FROM v
    WHERE {time_guard(spec.time_fields)} AND h NOT IN (SELECT content_hash FROM {spec.table})
    """
