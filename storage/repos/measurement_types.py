"""The query manager's frozen results (see measurements.py for the queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import NamedTuple

# What a reading's time is when it is not the observation's own (FHIR effective[x]),
# as every listing and answer words it next to the time.
TIME_BASIS_NOTES = {"issued": "reported at", "report": "report's time"}


def utc_iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


class Reading(NamedTuple):
    """One stored observation as the query manager judges it. A NamedTuple (immutable,
    typed) because a series holds thousands and dataclass construction costs 5x more."""

    id: int
    code: str
    measure: str
    epoch: float  # seconds since 1970 (UTC)
    value: float
    unit: str | None
    flag: str | None  # low | normal | high | critical | abnormal | indeterminate | None
    quality: str  # ok | verify | conflict
    reason: str | None  # implausible | sudden_change | same_instant_differs
    reference_low: float | None
    reference_high: float | None
    reference_source: str | None  # record | table:<source> | user
    source_name: str | None
    time_basis: str  # effective | issued (shown as "reported at") | report
    utc_offset: int | None  # minutes east of UTC the time was written in
    display: str | None

    @property
    def at(self) -> str:
        """The instant in UTC, ISO 8601 with Z."""
        return utc_iso(self.epoch) or ""

    @property
    def day(self) -> str:
        """The person's local calendar day (the offset the time was written in)."""
        return datetime.fromtimestamp(self.epoch + (self.utc_offset or 0) * 60,
                                      UTC).date().isoformat()


@dataclass(frozen=True)
class TrendStats:
    """What trend.trend_stats computes (here, not in trend.py, so that these types load
    without numpy: an import process never computes a trend)."""
    n: int
    direction: str  # increasing | decreasing | stable | fluctuating | insufficient_data
    slope_per_year: float | None
    p_value: float | None
    fitted_start: float | None
    fitted_end: float | None
    fitted_change: float | None
    change_percentage: float | None
    median: float | None
    iqr: float | None
    previous_value: float | None
    change_from_previous: float | None


@dataclass(frozen=True)
class SeriesInfo:
    """Which series of a measure a result is about (the readings are not held)."""

    measure: str
    name: str  # the measure's name; "eGFR (mL/min)" for a unit that is not canonical
    unit: str | None
    kind: str  # discrete | cumulative
    canonical: bool  # in the measure's canonical unit


@dataclass(frozen=True)
class Instants:
    """A series' usable readings (not `verify`) one point per instant, oldest first: what
    trends, comparisons and correlations use. A conflict counts once, as the mean of its
    readings; `ids` are each point's readings."""

    series: SeriesInfo
    points: tuple[tuple[float, float], ...]  # (epoch seconds, value)
    ids: tuple[tuple[int, ...], ...]
    conflicts: int  # points whose readings disagree (quality conflict)
    other_series: tuple[str, ...] = ()  # names of the measure's series in other units
    row_ids: tuple[int, ...] = ()  # every point's readings, in time order (ids, flat)


@dataclass(frozen=True)
class Line:
    """A measure's primary series as a chart draws it: each usable reading, or for a long
    series the mean of each equal span of `bucket_days` days (at its first reading's id
    and time); `values`: the usable readings the points stand for; `marks`: the readings
    drawn on top (critical, or held for verification); `last`: the latest usable reading,
    whose reference range is the line's."""

    series: SeriesInfo
    points: tuple[tuple[int, float, float], ...]  # (reading id, epoch seconds, value)
    bucket_days: int
    values: int
    marks: tuple[Reading, ...]
    last: Reading | None


@dataclass(frozen=True)
class SameInstants:
    """Two measures' primary series at the instants both have a usable reading (systolic
    and diastolic of one measurement), oldest first; each value is its instant's mean.
    `ids`: each series' readings at those instants, in time order."""

    series: tuple[SeriesInfo, SeriesInfo]
    times: tuple[float, ...]  # epoch seconds
    values: tuple[tuple[float, ...], tuple[float, ...]]
    ids: tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Series(SeriesInfo):
    """Readings of one measure in one unit, oldest first (all qualities)."""

    readings: tuple[Reading, ...]

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.code for r in self.readings))

    @cached_property
    def usable(self) -> tuple[Reading, ...]:
        """Readings that may enter trends, comparisons and correlations (not `verify`)."""
        return tuple(r for r in self.readings if r.quality != "verify")

    @cached_property
    def unverified(self) -> tuple[Reading, ...]:
        return tuple(r for r in self.readings if r.quality == "verify")

    def points(self) -> list[tuple[float, float]]:
        return list(self._points)

    @cached_property
    def _points(self) -> tuple[tuple[float, float], ...]:
        """(epoch, value) per instant of the usable readings; a conflict counts once, as
        the mean of its readings."""
        out: list[tuple[float, float]] = []
        group: list[float] = []
        last: float | None = None
        for r in self.usable:
            if r.epoch != last and group:
                out.append((last, sum(group) / len(group)))  # type: ignore[arg-type]
                group = []
            group.append(r.value)
            last = r.epoch
        if group:
            out.append((last, sum(group) / len(group)))  # type: ignore[arg-type]
        return tuple(out)


@dataclass(frozen=True)
class Latest:
    """The most recent usable instant. Several readings: they conflict, and none is
    picked silently. `unverified`: later readings held for verification."""

    series: SeriesInfo
    readings: tuple[Reading, ...]
    unverified: tuple[Reading, ...] = ()

    @property
    def reading(self) -> Reading:
        return self.readings[0]

    @property
    def conflict(self) -> bool:
        return len({r.value for r in self.readings}) > 1


@dataclass(frozen=True)
class Extremes:
    series: Series
    n: int  # usable readings considered
    lowest: Reading | None
    highest: Reading | None
    unverified: tuple[Reading, ...] = ()  # not considered, and named


@dataclass(frozen=True)
class DayTotal:
    day: str  # the person's local day, ISO date
    total: float
    source: str | None  # the source the total is from
    sources: int  # how many sources wrote that day


@dataclass(frozen=True)
class DailyTotals:
    """A cumulative measure per local day: each day's total is the largest of its
    sources' sums (watch and phone count the same steps; HealthKit de-duplicates by a
    source priority the export does not carry, so adding them would double count)."""

    measure: str
    name: str
    unit: str | None
    days: tuple[DayTotal, ...]
    excluded: tuple[Reading, ...] = ()  # `verify` samples left out of the totals

    @property
    def mean(self) -> float | None:
        return sum(d.total for d in self.days) / len(self.days) if self.days else None

    @property
    def lowest(self) -> DayTotal | None:
        return min(self.days, key=lambda d: d.total) if self.days else None

    @property
    def highest(self) -> DayTotal | None:
        return max(self.days, key=lambda d: d.total) if self.days else None


@dataclass(frozen=True)
class Counts:
    """Readings beyond thresholds (canonical unit), and per flag and quality."""

    measure: str
    unit: str | None
    n: int
    below: int
    above: int
    below_threshold: float | None
    above_threshold: float | None
    by_flag: dict[str, int] = field(default_factory=dict)
    by_quality: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TimeInRange:
    measure: str
    unit: str | None
    n: int
    low: float
    high: float
    below_percentage: float | None
    in_range_percentage: float | None
    above_percentage: float | None
    mean: float | None
    first: str | None
    last: str | None
    row_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Trend:
    """The trend of a series' points (daily totals for a cumulative measure)."""

    instants: Instants
    stats: TrendStats
    first: Reading | None  # first and last usable readings
    last: Reading | None
    last_instant: tuple[Reading, ...]  # every usable reading at the last one's time
    unverified: tuple[Reading, ...]  # held for verification: named, not in the trend

    @property
    def series(self) -> SeriesInfo:
        return self.instants.series


@dataclass(frozen=True)
class Flagged:
    """Readings outside their range or of doubtful quality, newest first (capped)."""

    checked: int
    by_measure: dict[str, dict[str, int]]  # measure -> {flag or quality: count}
    readings: tuple[Reading, ...]
    displays: dict[str, str] = field(default_factory=dict)  # measure -> a record's test name


class CodeCount(NamedTuple):
    code: str
    category: str | None
    display: str | None
    n: int
    first: float | None  # epoch seconds
    last: float | None
