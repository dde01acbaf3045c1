"""One trend method, for the word and the number.

The rule (the API documents the same):

- Points are the series' readings whose quality is not ``verify``; readings at one
  instant (a ``conflict``) count once, as their mean. A series of more than
  :data:`MAX_POINTS` readings is reduced to that many medians of consecutive readings
  (which also damps the serial correlation of daily readings).
- slope: the Theil–Sen estimator (median of the pairwise slopes), per year; the fitted
  line passes through the median of ``value - slope * time``.
- fitted change: slope x the observed span; ``change_percentage`` is that change
  relative to the fitted start value, so its sign always agrees with the slope.
- significance: the Mann–Kendall test (normal approximation with the tie correction),
  two-sided p.
- direction: ``increasing``/``decreasing`` only when p < 0.05 and the fitted change is
  at least 5 % of the median; otherwise ``stable`` when the fitted change is under 5 %
  of the median and the spread (IQR) at most 10 % of it; otherwise ``fluctuating`` (the
  values move, but without a significant trend). Fewer than two points:
  ``insufficient_data``.
- also: the change from the previous reading and the IQR.

Hand-written on purpose: numpy/scipy are not dependencies of the app, and the two
statistics are a few lines of pairwise arithmetic (Sen 1968; Mann 1945, Kendall 1975).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

SECONDS_PER_YEAR = 365.25 * 24 * 3600
MAX_POINTS = 200
P_THRESHOLD = 0.05
MIN_RELATIVE_CHANGE = 0.05
STABLE_RELATIVE_IQR = 0.10


@dataclass(frozen=True)
class TrendStats:
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


def _reduce(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= MAX_POINTS:
        return points
    size = len(points) / MAX_POINTS
    out = []
    for k in range(MAX_POINTS):
        chunk = points[round(k * size):round((k + 1) * size)]
        out.append((statistics.median(p[0] for p in chunk),
                    statistics.median(p[1] for p in chunk)))
    return out


def _mann_kendall_p(values: list[float]) -> float:
    n = len(values)
    s = 0
    for i in range(n - 1):
        vi = values[i]
        for vj in values[i + 1:]:
            s += (vj > vi) - (vj < vi)
    ties: dict[float, int] = {}
    for v in values:
        ties[v] = ties.get(v, 0) + 1
    var = (n * (n - 1) * (2 * n + 5)
           - sum(t * (t - 1) * (2 * t + 5) for t in ties.values())) / 18
    if var <= 0 or s == 0:
        return 1.0
    z = (s - 1 if s > 0 else s + 1) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def trend_stats(points: list[tuple[float, float]]) -> TrendStats:
    """`points`: (epoch seconds, value), oldest first, one per instant."""
    n = len(points)
    values = [v for _, v in points]
    previous = values[-2] if n >= 2 else None
    from_previous = values[-1] - previous if previous is not None else None
    if n < 2:
        med = values[0] if values else None
        return TrendStats(n, "insufficient_data", None, None, med, med, None, None, med,
                          None, None, None)
    quartiles = statistics.quantiles(values, n=4, method="inclusive")
    iqr, med = quartiles[2] - quartiles[0], statistics.median(values)
    pts = _reduce(points)
    years = [(t - pts[0][0]) / SECONDS_PER_YEAR for t, _ in pts]
    ys = [v for _, v in pts]
    slopes = [(ys[j] - ys[i]) / (years[j] - years[i])
              for i in range(len(pts) - 1) for j in range(i + 1, len(pts))
              if years[j] != years[i]]
    slope = statistics.median(slopes) if slopes else 0.0
    intercept = statistics.median(y - slope * x for x, y in zip(years, ys, strict=True))
    span = (points[-1][0] - points[0][0]) / SECONDS_PER_YEAR
    start = intercept + slope * ((points[0][0] - pts[0][0]) / SECONDS_PER_YEAR)
    change = slope * span
    p = _mann_kendall_p(ys)
    scale = abs(med) or 1.0
    if p < P_THRESHOLD and abs(change) >= MIN_RELATIVE_CHANGE * scale and change != 0:
        direction = "increasing" if change > 0 else "decreasing"
    elif abs(change) < MIN_RELATIVE_CHANGE * scale and iqr <= STABLE_RELATIVE_IQR * scale:
        direction = "stable"
    else:
        direction = "fluctuating"
    pct = change / abs(start) * 100 if start else None
    return TrendStats(n, direction, slope, p, start, start + change, change, pct, med, iqr,
                      previous, from_previous)
