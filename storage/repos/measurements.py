"""The query manager for observations: ``vault.measurements``.

Everything that reads measurements for analysis goes through here, so one reading has
one flag and one quality everywhere (readings_sql.py says how they are decided).

Interface (stable; keyword-only; `measure` is a measure key such as ``"egfr"`` or any
of its codes such as ``"48642-3"``; `since`/`until` are dates or datetimes, inclusive,
None = unbounded; results are frozen, see measurement_types.py):

- ``measure(key_or_code) -> Measure``: the alias set, unit, kind, limits.
- ``series(patient_id=, measure=, since=, until=) -> tuple[Series, ...]``: one per unit;
  the canonical unit first (else the largest), units that do not convert never mixed.
- ``primary(...) -> Series | None``: the first of those.
- ``latest(...) -> Latest | None``: latest usable instant (several readings = conflict).
- ``extremes(...) -> Extremes``: lowest and highest usable readings with dates.
- ``counts(..., below=None, above=None) -> Counts``: readings beyond thresholds.
- ``time_in_range(..., low=, high=) -> TimeInRange``.
- ``daily_totals(...) -> DailyTotals``: cumulative measures per local day.
- ``trend(...) -> Trend``: Theil–Sen / Mann–Kendall (trend.py), over usable points
  (daily totals for cumulative measures).
- ``flagged(patient_id=, measures=(), since=, until=, limit=200) -> Flagged``.
- ``critical(patient_id=, since=) -> tuple[Reading, ...]``: critical, not `verify`.
- ``overview(patient_id=) -> tuple[SeriesSummary, ...]``: every series of a patient.
"""

from __future__ import annotations

import weakref
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from storage.repos import measures as catalogue
from storage.repos.measurement_types import (
    Counts,
    DailyTotals,
    DayTotal,
    Extremes,
    Flagged,
    Latest,
    Reading,
    Series,
    SeriesSummary,
    TimeInRange,
    Trend,
    utc_iso,
)
from storage.repos.readings_sql import install_catalogue, readings_cte
from storage.repos.trend import trend_stats

if TYPE_CHECKING:
    import duckdb

    from storage.vault import Vault

When = date | datetime | None
READING_COLUMNS = ("id, code, measure, epoch(t), v, u, flag, quality, reason, ref_low, "
                   "ref_high, ref_source, src, basis, off, display")
IN_WINDOW = ("v IS NOT NULL AND t IS NOT NULL AND ($since IS NULL OR t >= $since) "
             "AND ($until IS NULL OR t <= $until)")
ABNORMAL = ("flag IN ('low', 'high', 'critical', 'abnormal', 'indeterminate') "
            "OR quality <> 'ok'")


def _bound(value: When, end: bool) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min, UTC)


def _reading(row: tuple[Any, ...]) -> Reading:
    return Reading._make(row)


class MeasurementRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._ready: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()

    measure = staticmethod(catalogue.measure)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's vault cursor, holding the measure table readings_sql joins."""
        cur = self._vault.cursor()
        if cur not in self._ready:
            install_catalogue(cur)
            self._ready.add(cur)
        return cur

    def _rows(self, scope: str, select: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        sql = f"WITH {readings_cte(scope)} {select}"
        return self.cursor().execute(sql, params).fetchall()

    def _measure_rows(self, patient_id: str, measure: str, since: When, until: When
                      ) -> tuple[catalogue.Measure, list[tuple[Any, ...]]]:
        m = catalogue.measure(measure)
        rows = self._rows(
            "o.patient_id = $p AND list_contains($codes, o.code)",
            f"SELECT {READING_COLUMNS} FROM readings WHERE {IN_WINDOW} "
            "ORDER BY t, record_id, id",
            {"p": patient_id, "codes": list(m.codes), "since": _bound(since, False),
             "until": _bound(until, True)})
        return m, rows

    def series(self, *, patient_id: str, measure: str, since: When = None,
               until: When = None) -> tuple[Series, ...]:
        m, rows = self._measure_rows(patient_id, measure, since, until)
        by_unit: dict[str | None, list[Reading]] = {}
        for row in rows:
            by_unit.setdefault(row[5], []).append(_reading(row))
        order = sorted(by_unit, key=lambda u: (u != m.unit, -len(by_unit[u])))
        return tuple(
            Series(measure=m.key, name=m.name if u == m.unit or m.unit is None and i == 0
                   else f"{m.name} ({u or 'no unit'})", unit=u, kind=m.kind,
                   canonical=u == m.unit, readings=tuple(by_unit[u]))
            for i, u in enumerate(order))

    def primary(self, *, patient_id: str, measure: str, since: When = None,
                until: When = None) -> Series | None:
        found = self.series(patient_id=patient_id, measure=measure, since=since, until=until)
        return found[0] if found else None

    def latest(self, *, patient_id: str, measure: str, since: When = None,
               until: When = None) -> Latest | None:
        s = self.primary(patient_id=patient_id, measure=measure, since=since, until=until)
        usable = s.usable if s else ()
        if s is None or not usable:
            return None
        at = usable[-1].epoch
        return Latest(series=s, readings=tuple(r for r in usable if r.epoch == at),
                      unverified=tuple(r for r in s.unverified if r.epoch > at))

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
        s = self.primary(patient_id=patient_id, measure=measure, since=since, until=until)
        usable = s.usable if s else ()
        n = len(usable)

        def pct(k: int) -> float | None:
            return k * 100 / n if n else None
        below = sum(1 for r in usable if r.value < low)
        above = sum(1 for r in usable if r.value > high)
        return TimeInRange(
            measure=catalogue.measure_key(measure), unit=s.unit if s else None, n=n, low=low,
            high=high, below_percentage=pct(below), in_range_percentage=pct(n - below - above),
            above_percentage=pct(above), mean=sum(r.value for r in usable) / n if n else None,
            first=usable[0].at if n else None, last=usable[-1].at if n else None,
            row_ids=tuple(r.id for r in usable))

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
        found = self.series(patient_id=patient_id, measure=measure, since=since, until=until)
        if not found:
            return None
        s = found[0]
        usable = s.usable
        if s.kind == "cumulative":
            totals = self.daily_totals(patient_id=patient_id, measure=measure, since=since,
                                       until=until)
            points = [(datetime.fromisoformat(d.day).replace(tzinfo=UTC).timestamp(), d.total)
                      for d in totals.days]
        else:
            points = s.points()
        return Trend(series=s, stats=trend_stats(points),
                     first=usable[0] if usable else None, last=usable[-1] if usable else None,
                     other_series=tuple(o.name for o in found[1:]))

    def flagged(self, *, patient_id: str, measures: tuple[str, ...] = (), since: When = None,
                until: When = None, limit: int = 200) -> Flagged:
        codes = [c for key in measures for c in catalogue.measure(key).codes]
        scope = "o.patient_id = $p" + (" AND list_contains($codes, o.code)" if codes else "")
        params: dict[str, Any] = {"p": patient_id, "since": _bound(since, False),
                                  "until": _bound(until, True)}
        if codes:
            params["codes"] = codes
        rows = self._rows(scope, (
            "SELECT measure, count(*) FILTER (WHERE quality <> 'verify'), "
            "count(*) FILTER (WHERE flag = 'low'), count(*) FILTER (WHERE flag = 'high'), "
            "count(*) FILTER (WHERE flag = 'critical'), "
            "count(*) FILTER (WHERE flag = 'abnormal'), "
            "count(*) FILTER (WHERE quality = 'verify'), "
            "count(*) FILTER (WHERE quality = 'conflict'), "
            f"list(({READING_COLUMNS}) ORDER BY t DESC, id DESC) FILTER (WHERE {ABNORMAL})"
            f"[1:{int(limit)}] FROM readings WHERE {IN_WINDOW} GROUP BY measure"), params)
        by_measure = {
            r[0]: {k: int(v) for k, v in zip(
                ("low", "high", "critical", "abnormal", "verify", "conflict"), r[2:8],
                strict=True) if v}
            for r in rows}
        listed = [Reading._make(tuple(x.values()) if isinstance(x, dict) else x)
                  for r in rows for x in (r[8] or ())]
        listed.sort(key=lambda x: (-x.epoch, -x.id))
        return Flagged(checked=sum(int(r[1]) for r in rows),
                       by_measure={k: v for k, v in by_measure.items() if v},
                       readings=tuple(listed[:limit]))

    def critical(self, *, patient_id: str, since: When = None) -> tuple[Reading, ...]:
        rows = self._rows(
            "o.patient_id = $p",
            f"SELECT {READING_COLUMNS} FROM readings WHERE {IN_WINDOW} AND flag = 'critical' "
            "AND quality <> 'verify' ORDER BY t DESC, id DESC",
            {"p": patient_id, "since": _bound(since, False), "until": None})
        return tuple(_reading(r) for r in rows)

    def overview(self, *, patient_id: str) -> tuple[SeriesSummary, ...]:
        rows = self._rows(
            "o.patient_id = $p",
            "SELECT measure, u, any_value(category), count(*), min(epoch(t)), max(epoch(t)), "
            "list(DISTINCT code ORDER BY code), any_value(display) FROM readings "
            "WHERE v IS NOT NULL GROUP BY measure, u ORDER BY count(*) DESC, measure",
            {"p": patient_id})
        out = []
        for key, unit, category, n, t0, t1, codes, display in rows:
            m = catalogue.measure(key)
            name = m.name if unit == m.unit or m.unit is None else f"{m.name} ({unit})"
            if m.key == m.name and display:
                name = display
            out.append(SeriesSummary(measure=key, name=name, unit=unit, kind=m.kind,
                                     category=category, n=int(n), first=utc_iso(t0),
                                     last=utc_iso(t1), codes=tuple(codes)))
        return tuple(out)
