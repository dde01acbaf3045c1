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

The two statistics are a few lines of pairwise arithmetic (Sen 1968; Mann 1945,
Kendall 1975), done on numpy arrays (a dependency already, for DuckDB's fetchnumpy):
200 points are 19,900 pairs, which pure Python took 15 ms to form and sort; scipy is not
needed for them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from storage.repos.measurement_types import TrendStats

SECONDS_PER_YEAR = 365.25 * 24 * 3600
MAX_POINTS = 200
P_THRESHOLD = 0.05
MIN_RELATIVE_CHANGE = 0.05
STABLE_RELATIVE_IQR = 0.10


def _iqr_median(ordered: np.ndarray) -> tuple[float, float]:
    """The IQR (statistics.quantiles' "inclusive" method) and the median of sorted values,
    with the same arithmetic as the statistics module."""
    n, m = len(ordered), len(ordered) - 1
    quartiles = []
    for i in (1, 3):
        j, delta = divmod(i * m, 4)
        quartiles.append((float(ordered[j]) * (4 - delta)
                          + float(ordered[min(j + 1, m)]) * delta) / 4)
    half = n // 2
    med = float(ordered[half]) if n % 2 else (float(ordered[half - 1]) + float(ordered[half])) / 2
    return quartiles[1] - quartiles[0], med


def _reduce(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times and values of (time, value) rows; more than MAX_POINTS become the medians of
    consecutive runs."""
    if len(arr) <= MAX_POINTS:
        return arr[:, 0], arr[:, 1]
    size = len(arr) / MAX_POINTS
    bounds = np.array([round(k * size) for k in range(MAX_POINTS + 1)])
    return _run_medians(arr[:, 0], bounds, ordered=True), _run_medians(arr[:, 1], bounds)


def _run_medians(values: np.ndarray, bounds: np.ndarray, *, ordered: bool = False
                 ) -> np.ndarray:
    """The median of each run values[bounds[k]:bounds[k + 1]] (statistics.median's: the
    mean of the two middle values of an even run), sorting within runs at once unless
    the values are `ordered` already (times, oldest first)."""
    lengths = np.diff(bounds)
    if not ordered:
        run = np.repeat(np.arange(len(lengths)), lengths)
        values = values[np.lexsort((values, run))]
    low = bounds[:-1] + (lengths - 1) // 2
    high = bounds[:-1] + lengths // 2
    return (values[low] + values[high]) / 2


def _mann_kendall_p(values: np.ndarray) -> float:
    n = len(values)
    i, j = np.triu_indices(n, 1)
    s = int(np.sign(values[j] - values[i]).sum())
    _, ties = np.unique(values, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - int((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
    if var <= 0 or s == 0:
        return 1.0
    z = (s - 1 if s > 0 else s + 1) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def trend_stats(times: Sequence[float] | np.ndarray,
                values: Sequence[float] | np.ndarray) -> TrendStats:
    """`times` (epoch seconds) and `values`, oldest first, one per instant."""
    at, ys_all = np.asarray(times, dtype=float), np.asarray(values, dtype=float)
    n = len(ys_all)
    previous = float(ys_all[-2]) if n >= 2 else None
    from_previous = float(ys_all[-1]) - previous if previous is not None else None
    if n < 2:
        med = float(ys_all[0]) if n else None
        return TrendStats(n, "insufficient_data", None, None, med, med, None, None, med,
                          None, None, None)
    arr = np.column_stack((at, ys_all))
    iqr, med = _iqr_median(np.sort(arr[:, 1]))
    ts, ys = _reduce(arr)
    years = (ts - ts[0]) / SECONDS_PER_YEAR
    i, j = np.triu_indices(len(ys), 1)
    apart = years[j] != years[i]
    slopes = (ys[j] - ys[i])[apart] / (years[j] - years[i])[apart]
    slope = float(np.median(slopes)) if slopes.size else 0.0
    intercept = float(np.median(ys - slope * years))
    span = float(at[-1] - at[0]) / SECONDS_PER_YEAR
    start = intercept + slope * (float(at[0] - ts[0]) / SECONDS_PER_YEAR)
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
