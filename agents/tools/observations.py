"""Single-metric tools: latest value, series over a window, trend, values out of range.

The trend's direction rule (stated so a reader can check it): fit a least-squares line
through all values in the window; its change over the observed span, relative to the
mean value, decides: within +/-5% is "stable", otherwise "increasing" or "decreasing".
Fewer than two values is "insufficient_data".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import metric
from agents.tools.base import (
    ALL_TIME,
    IN_WINDOW,
    SECONDS_PER_YEAR,
    ToolResult,
    Window,
    cursor,
    day,
    iso,
    num,
)

if TYPE_CHECKING:
    from storage.vault import Vault

STABLE_RELATIVE_CHANGE = 0.05
# Time order; values at the same instant by source record id (not import order).
ORDER = "(effective, record_id, id)"


@dataclass(frozen=True)
class Point:
    id: int
    date: str  # ISO instant, UTC
    value: float


@dataclass(frozen=True)
class Latest(ToolResult):
    code: str
    metric: str
    value: float
    unit: str | None
    date: str
    flag: str | None
    reference_low: float | None
    reference_high: float | None
    row_id: int


@dataclass(frozen=True)
class Series(ToolResult):
    code: str
    metric: str
    unit: str | None
    reference_low: float | None
    reference_high: float | None
    points: tuple[Point, ...]
    bucket_days: int = 0  # 0: every value; else each point is the mean of this many days
    values: int = 0  # how many stored values the points stand for

    @property
    def row_ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.points)


@dataclass(frozen=True)
class Trend(ToolResult):
    code: str
    metric: str
    unit: str | None
    n: int
    direction: str  # increasing | decreasing | stable | insufficient_data
    slope_per_year: float | None
    change_percentage: float | None  # first to last value
    first_value: float | None
    first_date: str | None
    last_value: float | None  # the current value
    last_date: str | None
    mean: float | None
    min: float | None
    max: float | None
    last_flag: str | None
    reference_low: float | None
    reference_high: float | None
    row_ids: tuple[int, ...]


def latest(vault: Vault, *, patient_id: str, code: str) -> Latest | None:
    row = cursor(vault).execute(
        "SELECT id, value, unit, epoch(effective), flag, reference_low, reference_high "
        "FROM observations WHERE patient_id = $p AND code = $c AND value IS NOT NULL "
        "AND effective IS NOT NULL ORDER BY effective DESC, record_id DESC, id DESC LIMIT 1",
        {"p": patient_id, "c": code},
    ).fetchone()
    if row is None:
        return None
    return Latest(code=code, metric=metric(code).name, value=float(row[1]), unit=row[2],
                  date=iso(row[3]) or "", flag=row[4], reference_low=num(row[5], 4),
                  reference_high=num(row[6], 4), row_id=int(row[0]))


def series(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME) -> Series:
    rows = cursor(vault).execute(
        "SELECT id, epoch(effective), value, unit, reference_low, reference_high "
        "FROM observations WHERE patient_id = $p AND code = $c AND value IS NOT NULL "
        f"AND effective IS NOT NULL AND {IN_WINDOW} ORDER BY effective, record_id, id",
        {"p": patient_id, "c": code, **window.params()},
    ).fetchall()
    last = rows[-1] if rows else None
    return Series(
        code=code, metric=metric(code).name, unit=last[3] if last else None,
        reference_low=num(last[4], 4) if last else None,
        reference_high=num(last[5], 4) if last else None,
        points=tuple(Point(int(r[0]), iso(r[1]) or "", float(r[2])) for r in rows),
        values=len(rows),
    )


def chart_series(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME,
                 max_points: int = 400) -> Series:
    """The series for a chart: every value when there are few, else means over equal
    day-buckets so a 15-year daily series stays a readable (and small) figure."""
    params = {"p": patient_id, "c": code, **window.params()}
    where = (f"patient_id = $p AND code = $c AND value IS NOT NULL AND effective IS NOT NULL "
             f"AND {IN_WINDOW}")
    cur = cursor(vault)
    n, t0, t1 = cur.execute(
        f"SELECT count(*), min(epoch(effective)), max(epoch(effective)) FROM observations "
        f"WHERE {where}", params).fetchone() or (0, None, None)
    if n <= max_points or t0 is None or t1 is None:
        return series(vault, patient_id=patient_id, code=code, window=window)
    days = max(1, math.ceil((t1 - t0) / 86400 / max_points))
    rows = cur.execute(  # bucket start in epoch seconds; plain arithmetic, no time zones
        f"SELECT min(id), floor(epoch(effective) / $width) * $width AS t, avg(value), "
        f"arg_max(unit, effective), arg_max(reference_low, effective), "
        f"arg_max(reference_high, effective) FROM observations WHERE {where} "
        f"GROUP BY t ORDER BY t",
        {**params, "width": days * 86400}).fetchall()
    last = rows[-1]
    return Series(code=code, metric=metric(code).name, unit=last[3],
                  reference_low=num(last[4], 4), reference_high=num(last[5], 4),
                  points=tuple(Point(int(r[0]), iso(r[1]) or "", round(float(r[2]), 4))
                               for r in rows),
                  bucket_days=days, values=int(n))


def trend(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME) -> Trend:
    """One aggregate query: count, fitted slope, first/last, mean, range, latest flags.

    Values at the same instant are ordered by their source record id, so the answer
    does not depend on import order."""
    row = cursor(vault).execute(
        "SELECT count(*), regr_slope(value, epoch(effective) / $year), "
        f"arg_min(value, {ORDER}), min(epoch(effective)), "
        f"arg_max((value, unit, flag, reference_low, reference_high), {ORDER}), "
        "max(epoch(effective)), avg(value), min(value), max(value), list(id) "
        "FROM observations WHERE patient_id = $p AND code = $c AND value IS NOT NULL "
        f"AND effective IS NOT NULL AND {IN_WINDOW}",
        {"p": patient_id, "c": code, "year": SECONDS_PER_YEAR, **window.params()},
    ).fetchone()
    assert row is not None
    n, slope, first, mean = int(row[0]), row[1], row[2], row[6]
    last, unit, flag, ref_low, ref_high = row[4] or (None,) * 5
    change = (last - first) / abs(first) * 100 if n >= 2 and first else None
    return Trend(
        code=code, metric=metric(code).name, unit=unit, n=n,
        direction=_direction(n, slope, row[3], row[5], mean),
        slope_per_year=num(slope, 4), change_percentage=num(change, 1),
        first_value=num(first, 4), first_date=day(row[3]),
        last_value=num(last, 4), last_date=day(row[5]),
        mean=num(mean, 2), min=num(row[7], 4), max=num(row[8], 4), last_flag=flag,
        reference_low=num(ref_low, 4), reference_high=num(ref_high, 4),
        row_ids=tuple(row[9] or ()),
    )


def _direction(n: int, slope: float | None, t0: float | None, t1: float | None,
               mean: float | None) -> str:
    if n < 2 or slope is None or t0 is None or t1 is None:
        return "insufficient_data"
    fitted_change = slope * (t1 - t0) / SECONDS_PER_YEAR
    scale = abs(mean) if mean else 1.0
    if abs(fitted_change) / scale < STABLE_RELATIVE_CHANGE:
        return "stable"
    return "increasing" if fitted_change > 0 else "decreasing"


@dataclass(frozen=True)
class OutOfRange(ToolResult):
    total_checked: int
    total_abnormal: int
    by_code: dict[str, dict[str, object]]  # code -> {metric, count, high, low, latest_date}
    rows: tuple[dict[str, object], ...]  # most recent first, capped

    @property
    def row_ids(self) -> tuple[int, ...]:
        return tuple(int(r["id"]) for r in self.rows)  # type: ignore[call-overload]


_ABNORMAL = ("((reference_low IS NOT NULL AND value < reference_low) "
             "OR (reference_high IS NOT NULL AND value > reference_high) "
             "OR flag IN ('low', 'high', 'critical', 'abnormal'))")


def out_of_range(vault: Vault, *, patient_id: str, codes: tuple[str, ...] = (),
                 window: Window = ALL_TIME, limit: int = 200) -> OutOfRange:
    """Values outside their reference range (or flagged abnormal by the source)."""
    code_filter = "AND list_contains($codes, code)" if codes else "AND $codes IS NOT NULL"
    params = {"p": patient_id, "codes": list(codes), **window.params()}
    where = (f"patient_id = $p AND value IS NOT NULL AND effective IS NOT NULL {code_filter} "
             f"AND {IN_WINDOW}")
    cur = cursor(vault)
    groups = cur.execute(
        f"SELECT code, count(*), count(*) FILTER ({_ABNORMAL}), "
        "count(*) FILTER (value > reference_high OR flag IN ('high', 'critical')), "
        "count(*) FILTER (value < reference_low OR flag = 'low'), "
        f"max(epoch(effective)) FILTER ({_ABNORMAL}) FROM observations WHERE {where} GROUP BY code",
        params,
    ).fetchall()
    rows = cur.execute(
        "SELECT id, code, value, unit, reference_low, reference_high, flag, epoch(effective) "
        f"FROM observations WHERE {where} AND {_ABNORMAL} ORDER BY effective DESC, id DESC "
        "LIMIT $limit",
        {**params, "limit": limit},
    ).fetchall()
    by_code = {
        g[0]: {"metric": metric(g[0]).name, "count": int(g[2]), "high": int(g[3]),
               "low": int(g[4]), "latest_date": day(g[5])}
        for g in groups if g[2]
    }
    return OutOfRange(
        total_checked=sum(int(g[1]) for g in groups),
        total_abnormal=sum(int(g[2]) for g in groups),
        by_code=by_code,
        rows=tuple(
            {"id": int(r[0]), "code": r[1], "metric": metric(r[1]).name, "value": r[2],
             "unit": r[3], "reference_low": r[4], "reference_high": r[5],
             "flag": r[6] or ("high" if r[5] is not None and r[2] > r[5] else "low"),
             "date": iso(r[7])}
            for r in rows
        ),
    )
