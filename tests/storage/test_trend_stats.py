"""The trend of a long series, against the rule written out in plain Python: a series of
more than 200 readings is reduced to the medians of 200 consecutive runs (times and
values alike), and the slope is the Theil-Sen median of the pairwise slopes of those."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from storage.repos.trend import trend_stats

YEAR = 365.25 * 24 * 3600


def _theil_sen_per_year(times: list[float], values: list[float]) -> float:
    size = len(times) / 200
    bounds = [round(k * size) for k in range(201)]
    ts = [statistics.median(times[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    ys = [statistics.median(values[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    years = [(t - ts[0]) / YEAR for t in ts]
    slopes = [(ys[j] - ys[i]) / (years[j] - years[i]) for i in range(len(ys))
              for j in range(i + 1, len(ys)) if years[j] != years[i]]
    return statistics.median(slopes)


@pytest.mark.parametrize("count", [201, 999, 5479])
def test_a_long_series_is_fitted_on_the_medians_of_its_runs(count: int) -> None:
    rng = random.Random(count)
    start = 1_262_332_800.0  # 2010-01-01
    # daily, with a few days missing and a few readings an hour apart
    times = sorted(start + 86400 * i + rng.choice((0, 0, 0, 3600)) for i in range(count))
    values = [120 + 2 * (t - start) / YEAR + rng.gauss(0, 8) for t in times]

    stats = trend_stats(times, values)

    assert stats.n == count
    assert stats.slope_per_year == pytest.approx(_theil_sen_per_year(times, values), rel=1e-9)
    assert stats.median == pytest.approx(statistics.median(values))
    assert math.isclose(stats.change_from_previous or 0.0, values[-1] - values[-2])
