"""Single-measure tools on storage's query manager (``vault.measurements``): latest value,
series, trend, extremes, readings out of range.

A `code` names a measure (any of its alias codes, or a measure key): readings of every
alias code in the measure's canonical unit form the series; readings in a unit that
does not convert are a series of their own (named in `other_series`), never mixed in.
Readings of quality ``verify`` are listed (`unverified`) and kept out of trends;
cumulative measures (steps, energy ...) are analysed as daily totals in the person's
local day. The trend rule is storage.repos.trend's (Theil–Sen slope, Mann–Kendall
p < 0.05 and a fitted change of at least 5 % of the median for increasing/decreasing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.codes import metric
from agents.tools.base import ALL_TIME, ToolResult, Window, day, iso, num
from storage.repos.measurement_types import Line, Reading, SeriesInfo

if TYPE_CHECKING:
    from storage.vault import Vault


def _name(code: str, s: SeriesInfo | None) -> str:
    return s.name if s is not None and not s.canonical else metric(code).name


def reading_dict(r: Reading) -> dict[str, Any]:
    """A reading for findings and the API: value, unit, date, flag, quality, reason."""
    return {"id": r.id, "code": r.code, "metric": metric(r.code).name, "value": num(r.value, 4),
            "unit": r.unit, "date": r.at, "flag": r.flag, "quality": r.quality,
            "reason": r.reason, "time_basis": r.time_basis,
            "reference_low": r.reference_low, "reference_high": r.reference_high}


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
    quality: str  # ok | conflict (several values at that instant: `values`)
    reference_low: float | None
    reference_high: float | None
    row_id: int
    values: tuple[float, ...] = ()  # every value at the latest instant
    kind: str = "discrete"  # cumulative: `value` is the latest day's total
    time_basis: str = "effective"
    unverified: tuple[dict[str, Any], ...] = ()  # later readings held for verification


@dataclass(frozen=True)
class Mark:
    """A reading drawn on top of its line: `critical`, or `verify` (held for verification:
    not credible, so not a point of the line)."""

    date: str
    value: float
    kind: str


@dataclass(frozen=True)
class Series(ToolResult):
    """One measure in one unit as a line: its usable readings (or, with `bucket_days`,
    the means of equal day-buckets), the reference range of the latest, and the readings
    marked on top. The `series` tool's result and what every chart draws."""

    code: str
    metric: str
    unit: str | None
    reference_low: float | None
    reference_high: float | None
    points: tuple[Point, ...]
    bucket_days: int = 0  # 0: every value; else each point is the mean of this many days
    values: int = 0  # how many stored values the points stand for
    marks: tuple[Mark, ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        return tuple(p.id for p in self.points)


def line(code: str, drawn: Line | None, name: str) -> Series:
    """The query manager's line of `code` named `name`: its points (readings or bucket
    means), the latest reading's reference range, critical and held-for-verification
    readings marked."""
    if drawn is None:
        return Series(code, name, None, None, None, ())
    last = drawn.last
    return Series(code=code, metric=name, unit=drawn.series.unit,
                  reference_low=last.reference_low if last else None,
                  reference_high=last.reference_high if last else None,
                  points=tuple(Point(i, iso(t) or "", v) for i, t, v in drawn.points),
                  bucket_days=drawn.bucket_days, values=drawn.values,
                  marks=tuple(Mark(r.at, r.value, "verify" if r.quality == "verify"
                                   else "critical") for r in drawn.marks))


@dataclass(frozen=True)
class Trend(ToolResult):
    code: str
    metric: str
    unit: str | None
    n: int  # points: instants (discrete) or days (cumulative)
    direction: str  # increasing | decreasing | stable | fluctuating | insufficient_data
    slope_per_year: float | None  # Theil–Sen
    change_percentage: float | None  # fitted change relative to the fitted start
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
    p_value: float | None = None  # Mann–Kendall, two-sided
    median: float | None = None
    iqr: float | None = None
    previous_value: float | None = None
    change_from_previous: float | None = None
    last_quality: str | None = None  # ok | conflict
    kind: str = "discrete"
    unverified: tuple[dict[str, Any], ...] = ()  # shown, named, not in the trend
    other_series: tuple[str, ...] = ()  # the measure in units that do not convert
    conflicts: int = 0  # instants whose readings disagree (their mean is used)
    last_values: tuple[float, ...] = ()  # every reading at the latest instant
    last_time_basis: str = "effective"  # issued: the latest time is when it was reported


def latest(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME
           ) -> Latest | None:
    mm = vault.measurements
    since, until = window.since, window.until
    if mm.measure(code).cumulative:
        totals = mm.daily_totals(patient_id=patient_id, measure=code, since=since, until=until)
        if not totals.days:
            return None
        d = totals.days[-1]
        return Latest(code=code, metric=metric(code).name, value=round(d.total, 2),
                      unit=totals.unit, date=d.day, flag=None, quality="ok",
                      reference_low=None, reference_high=None, row_id=0,
                      values=(round(d.total, 2),), kind="cumulative")
    found = mm.latest(patient_id=patient_id, measure=code, since=since, until=until)
    if found is None:
        return None
    r = found.reading
    return Latest(code=code, metric=_name(code, found.series), value=r.value, unit=r.unit,
                  date=r.at, flag=_worst(found.readings), quality="conflict" if found.conflict
                  else "ok", reference_low=num(r.reference_low, 4),
                  reference_high=num(r.reference_high, 4), row_id=r.id,
                  values=tuple(x.value for x in found.readings), time_basis=r.time_basis,
                  unverified=tuple(reading_dict(x) for x in found.unverified))


FLAG_ORDER = ("critical", "high", "low", "abnormal", "indeterminate", "normal")


def _worst(readings: tuple[Reading, ...]) -> str | None:
    flags = [r.flag for r in readings if r.flag]
    return min(flags, key=lambda f: FLAG_ORDER.index(f) if f in FLAG_ORDER else 99,
               default=None)


def series(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME) -> Series:
    (drawn,) = vault.measurements.lines(patient_id=patient_id, measures=(code,),
                                        since=window.since, until=window.until)
    return line(code, drawn, _name(code, drawn.series if drawn else None))


def trend(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME) -> Trend:
    t = vault.measurements.trend(patient_id=patient_id, measure=code, since=window.since,
                                 until=window.until)
    if t is None:
        return Trend(code=code, metric=metric(code).name, unit=None, n=0,
                     direction="insufficient_data", slope_per_year=None,
                     change_percentage=None, first_value=None, first_date=None,
                     last_value=None, last_date=None, mean=None, min=None, max=None,
                     last_flag=None, reference_low=None, reference_high=None, row_ids=())
    s, st = t.series, t.stats
    if s.kind == "cumulative":
        totals = vault.measurements.daily_totals(patient_id=patient_id, measure=code,
                                                 since=window.since, until=window.until)
        values = [d.total for d in totals.days]
        first_date = totals.days[0].day if totals.days else None
        last_date = totals.days[-1].day if totals.days else None
    else:
        values = [v for _, v in t.instants.points]
        first_date = t.first.day if t.first else None
        last_date = t.last.day if t.last else None
    last_instant = t.last_instant
    return Trend(
        code=code, metric=_name(code, s), unit=s.unit, n=st.n, direction=st.direction,
        slope_per_year=num(st.slope_per_year, 4), change_percentage=num(st.change_percentage, 1),
        first_value=num(values[0], 4) if values else None, first_date=first_date,
        last_value=num(values[-1], 4) if values else None, last_date=last_date,
        mean=num(sum(values) / len(values), 2) if values else None,
        min=num(min(values), 4) if values else None, max=num(max(values), 4) if values else None,
        last_flag=_worst(last_instant) if s.kind == "discrete" else None,
        reference_low=num(t.last.reference_low, 4) if t.last else None,
        reference_high=num(t.last.reference_high, 4) if t.last else None,
        row_ids=t.instants.row_ids, p_value=num(st.p_value, 4),
        median=num(st.median, 4), iqr=num(st.iqr, 4), previous_value=num(st.previous_value, 4),
        change_from_previous=num(st.change_from_previous, 4),
        last_quality=("conflict" if len({r.value for r in last_instant}) > 1 else "ok")
        if last_instant else None, kind=s.kind,
        unverified=tuple(reading_dict(r) for r in t.unverified),
        other_series=t.instants.other_series, conflicts=t.instants.conflicts,
        last_values=tuple(r.value for r in last_instant),
        last_time_basis=t.last.time_basis if t.last and s.kind == "discrete" else "effective")


@dataclass(frozen=True)
class OutOfRange(ToolResult):
    total_checked: int
    total_abnormal: int
    by_code: dict[str, dict[str, object]]  # measure -> {metric, count, high, low, critical,
    #                                        verify, conflict, latest_date}
    rows: tuple[dict[str, object], ...]  # most recent first, capped
    total_unverified: int = 0

    @property
    def row_ids(self) -> tuple[int, ...]:
        return tuple(int(r["id"]) for r in self.rows)  # type: ignore[call-overload]


def out_of_range(vault: Vault, *, patient_id: str, codes: tuple[str, ...] = (),
                 window: Window = ALL_TIME, limit: int = 200,
                 labs_only: bool = False) -> OutOfRange:
    """Readings flagged low/high/critical/abnormal (the person's own ranges applied), and
    readings held for verification or in conflict, per measure; `labs_only`: laboratory
    results only (no vital signs)."""
    res = vault.measurements.flagged(patient_id=patient_id, measures=codes,
                                     since=window.since, until=window.until, limit=limit,
                                     category="laboratory" if labs_only else None)
    latest_date: dict[str, str | None] = {}
    first_code: dict[str, str] = {}
    for r in res.readings:
        latest_date.setdefault(r.measure, day(r.epoch))
        first_code.setdefault(r.measure, r.code)
    by_code: dict[str, dict[str, object]] = {}
    for key, counts in res.by_measure.items():
        abnormal = sum(counts.get(f, 0) for f in ("low", "high", "critical", "abnormal"))
        name = metric(first_code.get(key, key)).name
        if name in (key, first_code.get(key)):  # a code no table names: the record's name
            name = res.displays.get(key, name)
        by_code[key] = {"metric": name, "count": abnormal,
                        "high": counts.get("high", 0) + counts.get("critical", 0),
                        "low": counts.get("low", 0), "critical": counts.get("critical", 0),
                        "verify": counts.get("verify", 0), "conflict": counts.get("conflict", 0),
                        "latest_date": latest_date.get(key)}
    rows = tuple(reading_dict(r) for r in res.readings
                 if r.flag in ("low", "high", "critical", "abnormal") or r.quality != "ok")
    return OutOfRange(
        total_checked=res.checked,
        total_abnormal=sum(int(v["count"]) for v in by_code.values()),  # type: ignore[call-overload]
        by_code={k: v for k, v in by_code.items() if v["count"] or v["verify"]},
        rows=rows, total_unverified=sum(int(v["verify"]) for v in by_code.values()))  # type: ignore[call-overload]
