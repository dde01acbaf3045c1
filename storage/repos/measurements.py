"""The query manager for observations: ``vault.measurements``.

Everything that reads measurements for analysis goes through here, so one reading has
one flag and one quality everywhere (readings_sql.py says how they are decided). The
judgement is stored on the observation by the import that writes it (each row's own
part by the insert itself; ``judge_written``, in each chunk's transaction, the
neighbour-dependent part, only where the new rows can change it), and again
when the person's own range of a measure changes or readings are deleted (``rejudge``).
Reads select stored columns, so a read touches only its measure's rows and computes
nothing over the history; a read still judges rows it finds without a judgement (a
vault judged under other tables or SQL: see ``_check_fingerprint``), once.

Interface (stable; keyword-only; `measure` is a measure key such as ``"egfr"`` or any
of its codes such as ``"48642-3"``; `since`/`until` are dates or datetimes, inclusive,
None = unbounded; results are frozen, see measurement_types.py):

- ``measure(key_or_code) -> Measure``: the alias set, unit, kind, limits.
- ``series(patient_id=, measure=, since=, until=) -> tuple[Series, ...]``: one per unit;
  the canonical unit first (else the largest), units that do not convert never mixed.
- ``primary(...) -> Series | None``: the first of those.
- ``instants(...) -> Instants | None``: the primary series' usable points, one per
  instant (what trends, comparisons and correlations use), from one scan read as columns
  (measure_frame.py).
- ``judge(patient_ids=, codes=)``: store judgements not stored yet (old vaults, stale
  tables); ``rejudge(patient_id=, codes=)``: judge a patient's measures again now;
  ``judge_written(cur, unit, crowded=, last=)``: what an import chunk wrote, in its
  transaction; ``crowded(unit=, rows=, days=)``: whether a chunk's conflicts wait for the
  unit's last chunk.
- ``same_instants(patient_id=, measures=(a, b), ...) -> SameInstants | None``: two
  measures' usable points paired by instant (systolic with diastolic).
- ``latest(...) -> Latest | None``: latest usable instant (several readings = conflict).
- ``extremes(...) -> Extremes``: lowest and highest usable readings with dates.
- ``counts(..., below=None, above=None) -> Counts``: readings beyond thresholds.
- ``time_in_range(..., low=, high=) -> TimeInRange``.
- ``daily_totals(...) -> DailyTotals``: cumulative measures per local day.
- ``trend(...) -> Trend``: Theil–Sen / Mann–Kendall (trend.py), over usable points
  (daily totals for cumulative measures).
- ``flagged(patient_id=, measures=(), since=, until=, limit=200) -> Flagged``.
- ``critical(patient_id=, since=) -> tuple[Reading, ...]``: critical, not `verify`.
- ``latest_each(patient_id=, category=None, measures=(), since=, until=)``: each
  measure's latest usable reading, newest first.
- ``lines(patient_id=, measures=, since=, until=, max_points=None) -> tuple[Line, ...]``:
  each measure's primary series as a chart draws it, from one scan.
- ``code_counts(patient_id=) -> tuple[CodeCount, ...]``: stored observations per code.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from storage.repos import measures as catalogue
from storage.repos.measurement_types import (
    CodeCount,
    Counts,
    DailyTotals,
    DayTotal,
    Extremes,
    Flagged,
    Instants,
    Latest,
    Line,
    Reading,
    SameInstants,
    Series,
    SeriesInfo,
    TimeInRange,
    Trend,
    utc_iso,
)
from storage.repos.readings_sql import (
    CATALOGUE,
    exercise_sql,
    fingerprint,
    install_catalogue,
    judge_sql,
)

if TYPE_CHECKING:
    import duckdb

    from storage.repos.measure_frame import Frame, Points
    from storage.vault import Vault

When = date | datetime | None
READING_COLUMNS = ("id, code, measure, epoch(effective), series_value, series_unit, "
                   "judged_flag, quality, quality_reason, applied_low, applied_high, "
                   "applied_source, source_name, coalesce(time_basis, 'effective'), "
                   "utc_offset, display")
# A window's days are the person's own calendar days, as every reading's day is shown
# (Reading.day): a reading at 01:01 +02:00 on 1 January is in January, not in December.
# The plain bounds, 14 hours wider (the largest UTC offsets), let the scan skip row groups
# by `effective` before the local time is computed.
LOCAL = "(effective + to_minutes(coalesce(utc_offset, 0)))"
IN_WINDOW = ("series_value IS NOT NULL AND effective IS NOT NULL AND ($since IS NULL OR "
             f"(effective >= CAST($since AS TIMESTAMPTZ) - INTERVAL 14 HOUR AND {LOCAL} >= "
             "$since)) AND ($until IS NULL OR (effective <= CAST($until AS TIMESTAMPTZ) + "
             f"INTERVAL 14 HOUR AND {LOCAL} <= $until))")
# Any flag but normal: low, high, critical, abnormal or indeterminate (NULL, no range to
# judge by, is not one). As a comparison, not an IN list, which DuckDB plans as a join
# and took a third longer.
ABNORMAL = "judged_flag <> 'normal' OR quality <> 'ok'"
SCOPE = f"patient_id = $p AND list_contains($codes, code) AND {IN_WINDOW}"


# A measure's readings in a window as columns (measure_frame.py, which puts them in time
# order: numpy sorts 5,500 of them in a tenth of the time DuckDB's ORDER BY took); the
# readings not judged yet, anywhere in time, come too: the same scan tells whether the
# measure must be judged first.
FRAME = ("SELECT epoch(effective) AS t, series_value AS v, id, series_unit AS u, "
         "list_position($codes, code) AS k, "
         "quality = 'verify' AS verify, quality = 'conflict' AS conflict, "
         "coalesce(judged_flag = 'critical', false) AS critical, "
         "quality IS NULL AS pending FROM observations WHERE patient_id = $p AND "
         f"list_contains($codes, code) AND (quality IS NULL OR ({IN_WINDOW}))")
FINGERPRINT_KEY = "readings_fingerprint"
# Observations sharing a patient, measure (without a 7-day rule) and instant with a
# reading an import has just written (judge_written's temp.main.judge_fresh): the new
# readings and the ones whose conflict check they change. The time and patient bounds
# let DuckDB skip row groups by their zone maps.
FRESH_INSTANTS = (
    "o.effective BETWEEN $lo AND $hi AND list_contains($pids, o.patient_id) AND mt.chg IS "
    "NULL AND EXISTS (SELECT 1 FROM temp.main.judge_fresh f WHERE NOT f.whole AND "
    "f.patient_id = o.patient_id AND f.t = o.effective AND f.measure IS NOT DISTINCT FROM "
    "coalesce(mt.measure, o.code))")
# The measures with a 7-day change rule that an import unit's readings belong to
# (temp.main.judge_whole, gathered chunk by chunk), 14 days either side of the unit's span
# ($wlo..$whi); stored again only within 7 days of it (TARGET_SPAN). Judged once per unit,
# after its last chunk: per chunk, the window over the chunk's neighbours cost as much as
# the chunk's insert.
UNIT_SPANS = (
    "o.effective BETWEEN $wlo AND $whi AND list_contains($pids, o.patient_id) AND mt.chg IS "
    "NOT NULL AND EXISTS (SELECT 1 FROM temp.main.judge_whole w WHERE w.unit = $unit AND "
    "w.patient_id = o.patient_id AND w.measure = mt.measure)")
TARGET_SPAN = "x.effective BETWEEN $lo AND $hi"
# Whether any new reading (without a 7-day rule) shares its patient, measure and instant
# with another stored row: only then can a conflict change. The chunk's rows are the
# join's build side; the time and patient bounds skip row groups. A row whose measure is
# not stored yet (a vault judged under other tables) is judged whole on its next read.
SHARED_INSTANT = (
    "SELECT EXISTS (SELECT 1 FROM observations o JOIN temp.main.judge_fresh f ON "
    "f.patient_id = o.patient_id AND f.t = o.effective AND f.measure IS NOT DISTINCT FROM "
    "o.measure WHERE NOT f.whole AND o.id <> f.id AND o.effective BETWEEN $lo AND $hi "
    "AND list_contains($pids, o.patient_id))")
NEAR_DAYS = timedelta(days=7)
# A chunk of records out of time order (merged Apple Health exports) spans years, and
# judging its neighbours over that span, once per chunk, cost a 1M-record import several
# times its time and 500 MB more memory (the 7-day rule's window over every year). Such
# a chunk, at least CROWDED_ROWS rows over more than CROWDED_SPAN (known from the staged
# rows: see crowded), has its conflicts judged once, after the unit's last chunk, at the
# instants its patients' measures hold more than one reading (CROWDED_INSTANTS); a small
# file spanning years (a FHIR bundle) and records in time order are judged chunk by
# chunk. (Leaving such rows unjudged for their first read instead made that read update
# every row: 1 GB for a 1M-record import, and out of memory under any import bound.)
CROWDED_ROWS = 5_000
CROWDED_SPAN = timedelta(days=92)
# The instants (patient, measure without a 7-day rule, time) of a unit's span with
# crowded chunks ($lo..$hi, $pids) that hold more than one reading, one the unit's, as
# temp.main.judge_fresh rows: FRESH_INSTANTS then judges them as it does a chunk's. The
# readings are grouped by a hash of their instant: a million groups of the instants
# themselves went past the import's 48 MB bound; a collision only adds an instant.
_CROWDED_SCOPE = (f"FROM observations o LEFT JOIN {CATALOGUE} mt ON mt.code = o.code WHERE "
                  "o.effective BETWEEN $lo AND $hi AND list_contains($pids, o.patient_id) "
                  "AND mt.chg IS NULL")
_INSTANT = "hash(o.patient_id, coalesce(mt.measure, o.code), o.effective)"
CROWDED_INSTANTS = (
    "CREATE OR REPLACE TEMP TABLE judge_fresh AS SELECT DISTINCT NULL::BIGINT AS id, "
    "o.patient_id, coalesce(mt.measure, o.code) AS measure, o.effective AS t, false AS whole "
    f"{_CROWDED_SCOPE} AND {_INSTANT} IN (SELECT {_INSTANT} AS h {_CROWDED_SCOPE} "
    "GROUP BY h HAVING count(*) > 1 AND bool_or(o.import_unit = $unit))")
# judge_written's record of the measures with a 7-day rule that a unit's chunks
# wrote, and their span: the rule is applied once per unit, after its last chunk
WHOLE_TABLE = ("CREATE TEMP TABLE IF NOT EXISTS judge_whole (unit VARCHAR, patient_id VARCHAR, "
               "measure VARCHAR, lo TIMESTAMPTZ, hi TIMESTAMPTZ)")


def _bound(value: When, end: bool) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min, UTC)


def _reading(row: tuple[Any, ...]) -> Reading:
    return Reading._make(row)


def _info(m: catalogue.Measure, unit: str | None, first: bool) -> SeriesInfo:
    """The series of `m` in `unit`: named after the measure in its canonical unit (or,
    for a measure without one, its first series), else "name (unit)"."""
    plain = unit == m.unit or (m.unit is None and first)
    return SeriesInfo(measure=m.key, name=m.name if plain else f"{m.name} ({unit or 'no unit'})",
                      unit=unit, kind=m.kind, canonical=unit == m.unit)


class _Scope(NamedTuple):
    """A measure's readings of a patient in a window: its units in series order (the
    canonical first, else the largest) and the parameters that select them (SCOPE)."""

    measure: catalogue.Measure
    units: list[str | None]
    params: dict[str, Any]


class MeasurementRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._ready: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
        self._judging = threading.Lock()
        self._current = False  # the stored judgements' fingerprint was checked
        self._marks: dict[str, int] = {}  # import unit -> the highest id judge_written saw
        self._crowded: str | None = None  # the unit being written, once it has a crowded chunk

    measure = staticmethod(catalogue.measure)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's vault cursor, holding the measure table readings_sql joins."""
        cur = self._vault.cursor()
        if cur not in self._ready:
            install_catalogue(cur)
            self._ready.add(cur)
        return cur

    # --- stored judgements ---------------------------------------------------

    def judge(self, *, patient_ids: Iterable[str] | None = None,
              codes: Iterable[str] | None = None) -> int:
        """Judge and store every observation not judged yet (of these patients and codes;
        None: all), together with the rest of its patient's measure, whose quality a new
        reading can change. Returns how many patients were judged. Cheap when nothing is
        pending: one scan of the scope's ``quality`` column."""
        with self._judging:
            cur = self.cursor()
            self._check_fingerprint(cur)
            where, params = ["quality IS NULL"], {}
            if patient_ids is not None:
                where.append("list_contains($pids, patient_id)")
                params["pids"] = list(patient_ids)
            if codes is not None:
                where.append("list_contains($codes, code)")
                params["codes"] = list(codes)
            pending = cur.execute(
                "SELECT patient_id, list(DISTINCT code) FILTER (WHERE code IS NOT NULL), "
                f"bool_or(code IS NULL) FROM observations WHERE {' AND '.join(where)} "
                "GROUP BY patient_id", params).fetchall()
            for patient_id, found, uncoded in pending:
                self._judge_patient(cur, patient_id, found or [], bool(uncoded))
            self._excuse_exercise(cur, [patient_id for patient_id, _, _ in pending])
            return len(pending)

    @staticmethod
    def _excuse_exercise(cur: duckdb.DuckDBPyConnection, patient_ids: list[str]) -> None:
        """Readings of these patients above a limit that holds only at rest, taken during
        one of their workouts or marked active by the device, are flagged high, not
        critical (readings_sql.exercise_sql)."""
        rest = [m for m in catalogue.all_measures() if m.high_at_rest_only]
        if not rest or not patient_ids:
            return
        params: dict[str, Any] = {"pids": patient_ids}
        for i, m in enumerate(rest):
            params[f"rest_codes{i}"] = list(m.codes)
            params[f"rest_high{i}"] = (m.critical_above if m.critical_above is not None
                                       else m.critical_at_or_above)
        cur.execute(exercise_sql(len(rest)), params)

    def prepare(self) -> None:
        """Ready this thread's cursor for :meth:`judge_written`, before the import's
        transaction: the measure table and judge_whole installed (a temporary table made
        inside a transaction that rolls back would vanish) and, once per open vault,
        judgements stored under other tables or SQL marked stale (judged again lazily,
        on read)."""
        with self._judging:
            cur = self.cursor()
            cur.execute(WHOLE_TABLE)
            self._check_fingerprint(cur)

    def crowded(self, *, unit: str, rows: int, days: tuple[date, date] | None) -> bool:
        """Whether a chunk of import unit `unit`, of `rows` readings from the first to
        the last of `days`, has its conflicts judged after the unit's last chunk rather
        than with the chunk: CROWDED_ROWS over CROWDED_SPAN, or any number over that span
        after a crowded chunk (the unit's short last one, say), whose conflicts the pass
        after the last chunk finds anyway."""
        return days is not None and days[1] - days[0] > CROWDED_SPAN and (
            rows >= CROWDED_ROWS or unit == self._crowded)

    def judge_written(self, cur: duckdb.DuckDBPyConnection, unit: str, *, crowded: bool,
                      last: bool) -> None:
        """Decide the neighbour-dependent part of the judgement of the observations
        import unit `unit` has just written, inside the writer's chunk transaction (their
        own part, flag and implausibility, was stored by the insert:
        readings_sql.judged_insert), so no read has to. Only what the new rows can change
        is judged again, and only when they can change it: per chunk, the readings at an
        instant of a patient's measure that a new row shares with another row (conflicts;
        one join of the chunk's rows finds whether any does), or for a `crowded` chunk
        after the unit's `last` chunk, once for all of them (CROWDED_INSTANTS); after the
        last chunk too, for measures with a 7-day change rule (body weight) that its
        chunks hold, the readings within 7 days of the unit's span (judged over 14 days,
        so that their neighbours are all seen), once. Call :meth:`prepare` first, on the
        same thread's cursor, outside the transaction."""
        with self._judging:
            mark = self._marks.get(unit, -1)  # ids only grow: earlier chunks' are older
            args = {"unit": unit, "mark": mark}
            if crowded:
                self._crowded = unit
                top = cur.execute("SELECT max(id) FROM observations WHERE id > $mark AND "
                                  "import_unit = $unit", args).fetchall()[0][0]
            else:
                top = self._judge_chunk(cur, args)
            self._marks = {} if last else {unit: mark if top is None else top}
            if last:
                self._judge_crowded(cur, unit)
                self._judge_unit(cur, unit)
                (pids,), = cur.execute("SELECT list(DISTINCT patient_id) FROM observations "
                                       "WHERE import_unit = $unit", {"unit": unit}).fetchall()
                self._excuse_exercise(cur, pids or [])

    @staticmethod
    def _judge_chunk(cur: duckdb.DuckDBPyConnection, args: dict[str, Any]) -> int | None:
        """A chunk's conflicts, and its 7-day measures noted in judge_whole; returns the
        chunk's highest id."""
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE judge_fresh AS SELECT o.id, o.patient_id, o.measure, "
            f"o.effective AS t, mt.chg IS NOT NULL AS whole FROM observations o LEFT JOIN "
            f"{CATALOGUE} mt ON mt.code = o.code WHERE o.id > $mark AND o.import_unit = $unit",
            args)
        (top, lo, hi, pids), = cur.execute(
            "SELECT max(id), min(t) FILTER (WHERE NOT whole), max(t) FILTER (WHERE NOT whole), "
            "list(DISTINCT patient_id) FILTER (WHERE NOT whole AND t IS NOT NULL) "
            "FROM temp.main.judge_fresh").fetchall()
        if lo is not None and cur.execute(SHARED_INSTANT, {"lo": lo, "hi": hi, "pids": pids}
                                          ).fetchall()[0][0]:
            cur.execute(judge_sql(FRESH_INSTANTS, sudden_change=False),
                        {"lo": lo - NEAR_DAYS, "hi": hi + NEAR_DAYS, "pids": pids})
        cur.execute("INSERT INTO temp.main.judge_whole SELECT $unit, patient_id, measure, "
                    "min(t), max(t) FROM temp.main.judge_fresh WHERE whole AND t IS NOT NULL "
                    "GROUP BY ALL", {"unit": args["unit"]})
        return top

    def progress(self) -> tuple[dict[str, int], str | None]:
        """What judge_written has judged: the highest id per unit, the crowded unit."""
        with self._judging:
            return dict(self._marks), self._crowded

    def rewind(self, progress: object) -> None:
        """Back to `progress` (of :meth:`progress`): its chunk did not commit."""
        marks, crowded = progress  # type: ignore[misc]
        with self._judging:
            self._marks, self._crowded = dict(marks), crowded

    def _judge_crowded(self, cur: duckdb.DuckDBPyConnection, unit: str) -> None:
        """For a unit with crowded chunks, its conflicts at the instants of its span that
        hold more than one reading, and its 7-day measures noted in judge_whole: once
        over the unit's rows (its other chunks' again, which changes nothing)."""
        if unit != self._crowded:
            return
        self._crowded = None
        args: dict[str, Any] = {"unit": unit}
        (args["lo"], args["hi"], args["pids"]), = cur.execute(
            "SELECT min(effective), max(effective), list(DISTINCT patient_id) FROM "
            "observations WHERE import_unit = $unit AND effective IS NOT NULL", args).fetchall()
        if args["lo"] is None:
            return
        cur.execute(
            "INSERT INTO temp.main.judge_whole SELECT $unit, o.patient_id, o.measure, "
            f"min(o.effective), max(o.effective) FROM observations o JOIN {CATALOGUE} mt ON "
            "mt.code = o.code WHERE o.import_unit = $unit AND mt.chg IS NOT NULL AND "
            "o.effective IS NOT NULL GROUP BY ALL", {"unit": unit})
        cur.execute(CROWDED_INSTANTS, args)
        if cur.execute("SELECT count(*) FROM temp.main.judge_fresh").fetchall()[0][0]:
            cur.execute(judge_sql(FRESH_INSTANTS, sudden_change=False),
                        {k: args[k] for k in ("lo", "hi", "pids")})

    @staticmethod
    def _judge_unit(cur: duckdb.DuckDBPyConnection, unit: str) -> None:
        """The 7-day rule over the measures and span judge_whole noted for `unit`."""
        (lo, hi, pids), = cur.execute(
            "SELECT min(lo), max(hi), list(DISTINCT patient_id) FROM temp.main.judge_whole "
            "WHERE unit = $unit", {"unit": unit}).fetchall()
        if lo is not None:
            cur.execute(judge_sql(UNIT_SPANS, target=TARGET_SPAN),
                        {"unit": unit, "pids": pids, "lo": lo - NEAR_DAYS, "hi": hi + NEAR_DAYS,
                         "wlo": lo - 2 * NEAR_DAYS, "whi": hi + 2 * NEAR_DAYS})
        cur.execute("DELETE FROM temp.main.judge_whole WHERE unit = $unit", {"unit": unit})

    def _judge_patient(self, cur: duckdb.DuckDBPyConnection, patient_id: str,
                       codes: list[str], uncoded: bool) -> None:
        ms = {catalogue.measure(c).key: catalogue.measure(c) for c in codes}
        scope = "o.patient_id = $p AND (list_contains($codes, o.code)" + (
            " OR o.code IS NULL)" if uncoded else ")")
        sudden = uncoded or any(m.max_change_7d is not None for m in ms.values())
        cur.execute(judge_sql(scope, sudden_change=sudden),
                    {"p": patient_id, "codes": [c for m in ms.values() for c in m.codes]})

    def wait_idle(self) -> None:
        """Return once no judgement is being worked out or stored (the vault closes)."""
        with self._judging:
            pass

    def rejudge(self, *, patient_id: str, codes: Iterable[str] | None = None) -> None:
        """Judge the patient's measures of these codes (None: all) again now: the person's
        own range of the measure changed, or readings of it were deleted."""
        codes = None if codes is None else list(codes)
        self._unjudge(patient_id=patient_id, codes=codes)
        self.judge(patient_ids=(patient_id,), codes=codes)

    def _unjudge(self, *, patient_id: str, codes: list[str] | None) -> None:
        """Mark observations to be judged again (by :meth:`judge`)."""
        where, params = ["quality IS NOT NULL", "patient_id = $p"], {"p": patient_id}
        if codes is not None:
            where.append("list_contains($codes, code)")
            params["codes"] = list(codes)
        self.cursor().execute(
            f"UPDATE observations SET quality = NULL WHERE {' AND '.join(where)}", params)

    def _check_fingerprint(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Once per open vault: judgements stored under other tables or SQL are redone."""
        if self._current:
            return
        now = fingerprint()
        if self._vault.settings.get(FINGERPRINT_KEY) != now:
            cur.execute("UPDATE observations SET quality = NULL WHERE quality IS NOT NULL")
            self._vault.settings.set(FINGERPRINT_KEY, now)
        self._current = True

    # --- reads ---------------------------------------------------------------

    def _read(self, where: str, tail: str, params: dict[str, Any], *,
              patient_id: str, codes: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
        """Judge what is pending in the scope, then select stored readings."""
        self.judge(patient_ids=(patient_id,), codes=codes)
        return self.cursor().execute(
            f"SELECT {READING_COLUMNS} FROM observations WHERE patient_id = $p AND {where} "
            f"AND {IN_WINDOW} {tail}", {"p": patient_id, **params}).fetchall()

    def _measure_rows(self, patient_id: str, measure: str, since: When, until: When
                      ) -> tuple[catalogue.Measure, list[tuple[Any, ...]]]:
        m = catalogue.measure(measure)
        rows = self._read("list_contains($codes, code)", "ORDER BY effective, record_id, id",
                          {"codes": list(m.codes), "since": _bound(since, False),
                           "until": _bound(until, True)}, patient_id=patient_id,
                          codes=m.codes)
        return m, rows

    def series(self, *, patient_id: str, measure: str, since: When = None,
               until: When = None) -> tuple[Series, ...]:
        m, rows = self._measure_rows(patient_id, measure, since, until)
        by_unit: dict[str | None, list[Reading]] = {}
        for row in rows:
            by_unit.setdefault(row[5], []).append(_reading(row))
        order = sorted(by_unit, key=lambda u: (u != m.unit, -len(by_unit[u])))
        return tuple(Series(**vars(_info(m, u, i == 0)), readings=tuple(by_unit[u]))
                     for i, u in enumerate(order))

    def primary(self, *, patient_id: str, measure: str, since: When = None,
                until: When = None) -> Series | None:
        found = self.series(patient_id=patient_id, measure=measure, since=since, until=until)
        return found[0] if found else None

    def _units(self, patient_id: str, measure: str, since: When, until: When) -> _Scope:
        """The measure's units (readings not judged yet are judged first), counted in
        SQL: `latest` needs only these and its last instant, and a frame of a measure of
        500,000 readings (an Apple Watch's heart rate) would fetch them all for one.
        The order is series_order's, as a frame's."""
        m = catalogue.measure(measure)
        params = {"p": patient_id, "codes": list(m.codes), "since": _bound(since, False),
                  "until": _bound(until, True)}
        sql = (f"SELECT series_unit, count(*) FILTER (WHERE {IN_WINDOW}), min(epoch(effective)) "
               f"FILTER (WHERE {IN_WINDOW}), min(id) FILTER (WHERE {IN_WINDOW}), "
               "count(*) FILTER (WHERE quality IS NULL) FROM observations "
               "WHERE patient_id = $p AND list_contains($codes, code) GROUP BY series_unit")
        rows = self.cursor().execute(sql, params).fetchall()
        if any(r[4] for r in rows):  # readings not judged yet (the pending check of judge)
            self.judge(patient_ids=(patient_id,), codes=m.codes)
            rows = self.cursor().execute(sql, params).fetchall()
        return _Scope(m, list(catalogue.series_order(m, rows)), params)

    def _frame(self, patient_id: str, measure: str, since: When, until: When) -> Frame:
        """The measure's readings in the window as columns (measure_frame.py), judged
        first where any reading of it is not judged yet."""
        return self._frames(patient_id, (measure,), since, until)[0]

    def _frames(self, patient_id: str, measures: tuple[str, ...], since: When, until: When
                ) -> list[Frame]:
        """A frame per measure, from one scan (systolic with diastolic)."""
        from storage.repos.measure_frame import Frame  # late: numpy (see measure_frame)

        ms = [catalogue.measure(key) for key in measures]
        codes = [c for m in ms for c in m.codes]
        params = {"p": patient_id, "codes": codes, "since": _bound(since, False),
                  "until": _bound(until, True)}
        cols = self.cursor().execute(FRAME, params).fetchnumpy()
        if cols["pending"].any():
            self.judge(patient_ids=(patient_id,), codes=codes)
            cols = self.cursor().execute(FRAME, params).fetchnumpy()
        return Frame.each(ms, cols)

    def _rows(self, patient_id: str, ids: list[int]) -> list[Reading]:
        """The stored readings of these ids, in series order. As a semi-join on the ids
        unnested: ``list_contains($ids, id)`` searched the list once per row, and the
        62,000 critical marks of a 380,000-reading heart rate took 47 s instead of 0.5."""
        if not ids:
            return []
        return [_reading(r) for r in self.cursor().execute(
            f"SELECT {READING_COLUMNS} FROM observations WHERE patient_id = $p AND id BETWEEN "
            "$lo AND $hi AND id IN (SELECT unnest($ids)) ORDER BY effective, record_id, id",
            {"p": patient_id, "ids": ids, "lo": min(ids), "hi": max(ids)}).fetchall()]

    def _primary_rows(self, scope: _Scope, where: str, **extra: Any
                      ) -> tuple[SeriesInfo | None, list[Reading]]:
        """Readings of the primary series that `where` (SQL over ``s``, the series'
        readings) selects, oldest first."""
        m, found, params = scope
        if not found:
            return None, []
        rows = self.cursor().execute(
            f"WITH s AS (SELECT * FROM observations WHERE {SCOPE} AND series_unit IS NOT "
            f"DISTINCT FROM $u) SELECT {READING_COLUMNS} FROM s WHERE {where} "
            "ORDER BY effective, record_id, id", {**params, **extra, "u": found[0]}).fetchall()
        return _info(m, found[0], True), [_reading(r) for r in rows]

    def lines(self, *, patient_id: str, measures: tuple[str, ...], since: When = None,
              until: When = None, max_points: int | None = None) -> tuple[Line | None, ...]:
        """Each measure's primary series as a chart draws it (one scan for all: a lipid
        panel, systolic with diastolic), past `max_points` readings as means of equal
        spans of days; None for a measure without readings in the window."""
        frames = self._frames(patient_id, measures, since, until)
        lasts = [f.ids[f.primary & ~f.verify][-1:].tolist() for f in frames]
        marked = [f.marked().tolist() for f in frames]
        rows = {r.id: r for r in self._rows(
            patient_id, [i for last, marks in zip(lasts, marked, strict=True)
                         for i in last + marks])}
        out: list[Line | None] = []
        for f, last, marks in zip(frames, lasts, marked, strict=True):
            if not f.units:
                out.append(None)
                continue
            ids, times, values, days = f.line(max_points)
            out.append(Line(
                series=_info(f.measure, f.units[0], True),
                points=tuple(zip(ids.tolist(), times.tolist(), values.tolist(), strict=True)),
                bucket_days=days, values=int((f.primary & ~f.verify).sum()),
                marks=tuple(rows[i] for i in marks), last=rows[last[0]] if last else None))
        return tuple(out)

    def same_instants(self, *, patient_id: str, measures: tuple[str, str], since: When = None,
                      until: When = None) -> SameInstants | None:
        """The two measures' usable primary-series readings paired by instant (a 15-year
        daily blood pressure is 5,500 pairs); None when either has no readings."""
        from storage.repos.measure_frame import paired  # late: numpy (see measure_frame)

        frames = self._frames(patient_id, measures, since, until)
        if not all(f.units for f in frames):
            return None
        times, values, ids = paired(frames[0].points(), frames[1].points())
        return SameInstants(
            series=(_info(frames[0].measure, frames[0].units[0], True),
                    _info(frames[1].measure, frames[1].units[0], True)),
            times=times, values=values, ids=ids)

    def instants(self, *, patient_id: str, measure: str, since: When = None,
                 until: When = None) -> Instants | None:
        """The primary series' usable readings, one point per instant."""
        return self._instants(self._frame(patient_id, measure, since, until))

    @staticmethod
    def _instants(f: Frame, p: Points | None = None) -> Instants | None:
        """The frame's instants (`p`: its points, when already worked out)."""
        if not f.units:
            return None
        p = p or f.points()
        return Instants(series=_info(f.measure, f.units[0], True),
                        points=tuple(zip(p.times.tolist(), p.values.tolist(), strict=True)),
                        ids=p.ids, conflicts=p.conflicts,
                        other_series=tuple(_info(f.measure, u, False).name for u in f.units[1:]),
                        row_ids=p.row_ids)

    def latest(self, *, patient_id: str, measure: str, since: When = None,
               until: When = None) -> Latest | None:
        info, rows = self._primary_rows(
            self._units(patient_id, measure, since, until),
            "effective >= (SELECT max(effective) FROM s WHERE quality <> 'verify')")
        usable = [r for r in rows if r.quality != "verify"]
        if info is None or not usable:
            return None
        at = usable[-1].epoch
        return Latest(series=info, readings=tuple(r for r in usable if r.epoch == at),
                      unverified=tuple(r for r in rows if r.quality == "verify"
                                       and r.epoch > at))

    def extremes(self, *, patient_id: str, measure: str, since: When = None,
                 until: When = None) -> Extremes | None:
        s = self.primary(patient_id=patient_id, measure=measure, since=since, until=until)
        if s is None:
            return None
        usable = s.usable
        return Extremes(series=s, n=len(usable),
                        lowest=min(usable, key=lambda r: r.value, default=None),
                        highest=max(usable, key=lambda r: r.value, default=None),
                        unverified=s.unverified)

    def counts(self, *, patient_id: str, measure: str, below: float | None = None,
               above: float | None = None, since: When = None, until: When = None) -> Counts:
        s = self.primary(patient_id=patient_id, measure=measure, since=since, until=until)
        usable = s.usable if s else ()
        by_flag: dict[str, int] = {}
        by_quality: dict[str, int] = {}
        for r in s.readings if s else ():
            by_flag[r.flag or "none"] = by_flag.get(r.flag or "none", 0) + 1
            by_quality[r.quality] = by_quality.get(r.quality, 0) + 1
        return Counts(
            measure=catalogue.measure_key(measure), unit=s.unit if s else None, n=len(usable),
            below=sum(1 for r in usable if below is not None and r.value < below),
            above=sum(1 for r in usable if above is not None and r.value > above),
            below_threshold=below, above_threshold=above, by_flag=by_flag,
            by_quality=by_quality)

    def time_in_range(self, *, patient_id: str, measure: str, low: float, high: float,
                      since: When = None, until: When = None) -> TimeInRange:
        f = self._frame(patient_id, measure, since, until)
        use = f.primary & ~f.verify
        values, times = f.v[use], f.t[use]
        n = len(values)
        below, above = int((values < low).sum()), int((values > high).sum())

        def pct(k: int) -> float | None:
            return k * 100 / n if n else None
        return TimeInRange(
            measure=f.measure.key, unit=f.units[0] if f.units else None, n=n, low=low,
            high=high, below_percentage=pct(below), in_range_percentage=pct(n - below - above),
            above_percentage=pct(above), mean=float(values.mean()) if n else None,
            first=utc_iso(float(times[0])) if n else None,
            last=utc_iso(float(times[-1])) if n else None, row_ids=tuple(f.ids[use].tolist()))

    def daily_totals(self, *, patient_id: str, measure: str, since: When = None,
                     until: When = None) -> DailyTotals:
        s = self.primary(patient_id=patient_id, measure=measure, since=since, until=until)
        m = catalogue.measure(measure)
        sums: dict[str, dict[str | None, float]] = {}
        for r in s.usable if s else ():
            day = sums.setdefault(r.day, {})
            day[r.source_name] = day.get(r.source_name, 0.0) + r.value
        days = []
        for day, per_source in sorted(sums.items()):
            source, total = max(per_source.items(), key=lambda kv: kv[1])
            days.append(DayTotal(day=day, total=total, source=source,
                                 sources=len(per_source)))
        return DailyTotals(measure=m.key, name=s.name if s else m.name,
                           unit=s.unit if s else m.unit, days=tuple(days),
                           excluded=s.unverified if s else ())

    def trend(self, *, patient_id: str, measure: str, since: When = None,
              until: When = None) -> Trend | None:
        f = self._frame(patient_id, measure, since, until)
        p = f.points()
        found = self._instants(f, p)
        if found is None:
            return None
        ends = [*found.ids[0], *found.ids[-1]] if found.ids else []
        rows = self._rows(patient_id, ends + f.ids[f.primary & f.verify].tolist())
        usable = [r for r in rows if r.quality != "verify"]
        last = usable[-1] if usable else None
        times: Any = p.times
        values: Any = p.values
        if found.series.kind == "cumulative":
            days = self.daily_totals(patient_id=patient_id, measure=measure, since=since,
                                     until=until).days
            times = [datetime.fromisoformat(d.day).replace(tzinfo=UTC).timestamp() for d in days]
            values = [d.total for d in days]
        from storage.repos.trend import trend_stats  # late: numpy (see measure_frame)
        return Trend(instants=found, stats=trend_stats(times, values),
                     first=usable[0] if usable else None, last=last,
                     last_instant=tuple(r for r in usable if last and r.epoch == last.epoch),
                     unverified=tuple(r for r in rows if r.quality == "verify"))

    def flagged(self, *, patient_id: str, measures: tuple[str, ...] = (), since: When = None,
                until: When = None, limit: int = 200, category: str | None = None) -> Flagged:
        """Flag counts per measure and the latest flagged readings; `category` (FHIR's
        observation category, "laboratory") narrows them to one kind."""
        codes = [c for key in measures for c in catalogue.measure(key).codes]
        self.judge(patient_ids=(patient_id,), codes=codes or None)
        params: dict[str, Any] = {"p": patient_id, "since": _bound(since, False),
                                  "until": _bound(until, True)}
        if codes:
            params["codes"] = codes
        if category:
            params["category"] = category
        where = ("patient_id = $p" + (" AND list_contains($codes, code)" if codes else "")
                 + (" AND category = $category" if category else "") + f" AND {IN_WINDOW}")
        rows = self.cursor().execute(
            "SELECT measure, count(*) FILTER (WHERE quality <> 'verify'), "
            "count(*) FILTER (WHERE judged_flag = 'low'), "
            "count(*) FILTER (WHERE judged_flag = 'high'), "
            "count(*) FILTER (WHERE judged_flag = 'critical'), "
            "count(*) FILTER (WHERE judged_flag = 'abnormal'), "
            "count(*) FILTER (WHERE quality = 'verify'), "
            "count(*) FILTER (WHERE quality = 'conflict'), min(display) FROM observations "
            f"WHERE {where} GROUP BY measure", params).fetchall()
        by_measure = {
            r[0]: {k: int(v) for k, v in zip(
                ("low", "high", "critical", "abnormal", "verify", "conflict"), r[2:8],
                strict=True) if v}
            for r in rows}
        listed = self.cursor().execute(
            f"SELECT {READING_COLUMNS} FROM observations WHERE {where} AND ({ABNORMAL}) "
            f"ORDER BY effective DESC, id DESC LIMIT {int(limit)}", params).fetchall()
        return Flagged(checked=sum(int(r[1]) for r in rows),
                       by_measure={k: v for k, v in by_measure.items() if v},
                       readings=tuple(_reading(r) for r in listed),
                       displays={r[0]: r[8] for r in rows if r[8]})

    def latest_day(self, *, patient_id: str, category: str, since: When = None,
                   until: When = None) -> tuple[Reading, ...]:
        """The usable readings of `category` on the person's latest day (their own
        calendar day) that has any in the window, oldest first: "what were my last lab
        results?" asks for that day's panel, not for every result ever out of range."""
        self.judge(patient_ids=(patient_id,))
        where = (f"patient_id = $p AND category = $category AND {IN_WINDOW} "
                 "AND quality <> 'verify'")
        day = "floor((epoch(effective) + 60 * coalesce(utc_offset, 0)) / 86400)"
        rows = self.cursor().execute(
            f"SELECT {READING_COLUMNS} FROM observations WHERE {where} AND {day} = "
            f"(SELECT max({day}) FROM observations WHERE {where}) ORDER BY effective, id",
            {"p": patient_id, "category": category, "since": _bound(since, False),
             "until": _bound(until, True)}).fetchall()
        return tuple(_reading(r) for r in rows)

    def latest_each(self, *, patient_id: str, category: str | None = None,
                    measures: tuple[str, ...] = (), since: When = None,
                    until: When = None) -> tuple[Reading, ...]:
        """Each measure's latest usable reading in the window (of `category`, of
        `measures` when given), newest first: "which results are abnormal now?" asks of
        these, not of every result ever out of range."""
        codes = [c for key in measures for c in catalogue.measure(key).codes]
        self.judge(patient_ids=(patient_id,), codes=codes or None)
        where = (f"patient_id = $p AND {IN_WINDOW} AND quality <> 'verify'"
                 + (" AND category = $category" if category else "")
                 + (" AND list_contains($codes, code)" if codes else ""))
        params: dict[str, Any] = {"p": patient_id, "since": _bound(since, False),
                                  "until": _bound(until, True)}
        params |= ({"category": category} if category else {}) | (
            {"codes": codes} if codes else {})
        rows = self.cursor().execute(
            f"SELECT {READING_COLUMNS} FROM observations WHERE {where} QUALIFY row_number() "
            "OVER (PARTITION BY coalesce(measure, code) ORDER BY effective DESC, id DESC) = 1 "
            "ORDER BY effective DESC, id DESC", params).fetchall()
        return tuple(_reading(r) for r in rows)

    def critical(self, *, patient_id: str, since: When = None) -> tuple[Reading, ...]:
        """Critical readings (a run's heart rate is not one: readings_sql.exercise_sql)."""
        params: dict[str, Any] = {"since": _bound(since, False), "until": None}
        rows = self._read("judged_flag = 'critical' AND quality <> 'verify'",
                          "ORDER BY effective DESC, id DESC", params, patient_id=patient_id)
        return tuple(_reading(r) for r in rows)

    def code_counts(self, *, patient_id: str) -> tuple[CodeCount, ...]:
        """Every stored observation per code (numeric or not), most first."""
        rows = self.cursor().execute(
            "SELECT code, any_value(category), any_value(display), count(*), "
            "min(epoch(effective)), max(epoch(effective)) FROM observations "
            "WHERE patient_id = $p GROUP BY code ORDER BY count(*) DESC, code",
            {"p": patient_id}).fetchall()
        return tuple(CodeCount(str(r[0]), r[1], r[2], int(r[3]), r[4], r[5]) for r in rows)
