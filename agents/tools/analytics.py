"""Tools across metrics, on storage's query manager: correlation of two series,
blood-pressure control, glucose time in range. Readings held for verification
(quality ``verify``) never enter them; readings at one instant count once (their mean).

Correlation pairs each value of the first measure with the nearest-in-time value of the
second (looking both ways; the earlier on a tie), dropping pairs further apart than
`max_gap_days`; Pearson's r over the pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.codes import DIASTOLIC, GLUCOSE, SYSTOLIC, metric
from agents.tools.base import ALL_TIME, ToolResult, Window, day, num
from agents.tools.extremes import time_in_range

if TYPE_CHECKING:
    from storage.repos.measurement_types import TimeInRange
    from storage.vault import Vault


@dataclass(frozen=True)
class Correlation(ToolResult):
    code_a: str
    code_b: str
    metric_a: str
    metric_b: str
    n_pairs: int
    r: float | None
    strength: str  # none | weak | moderate | strong | insufficient_data
    max_gap_days: int
    row_ids: tuple[int, ...]


def correlation(vault: Vault, *, patient_id: str, code_a: str, code_b: str,
                window: Window = ALL_TIME, max_gap_days: int = 30) -> Correlation:
    mm = vault.measurements
    a = mm.instants(patient_id=patient_id, measure=code_a, since=window.since,
                    until=window.until)
    b = mm.instants(patient_id=patient_id, measure=code_b, since=window.since,
                    until=window.until)
    xs, ys = _pairs(a.points if a else (), b.points if b else (), max_gap_days * 86400)
    n = len(xs)
    r = num(_pearson(xs, ys), 3) if n >= 3 else None
    ids = tuple(i for s in (a, b) if s for i in s.row_ids)
    return Correlation(
        code_a=code_a, code_b=code_b, metric_a=metric(code_a).name, metric_b=metric(code_b).name,
        n_pairs=n, r=r, strength=_strength(r), max_gap_days=max_gap_days, row_ids=ids)


def _pairs(a: tuple[tuple[float, float], ...], b: tuple[tuple[float, float], ...],
           max_gap: float) -> tuple[Any, Any]:
    """Each (time, value) of `a` with the value of `b` nearest in time (the earlier on a
    tie), no further apart than `max_gap` seconds: the two value arrays. As arrays, since
    a loop over 15 years of daily readings took half the tool's time (tests/perf/team.py);
    numpy is loaded already, with the frames the instants came from."""
    import numpy as np

    pa, pb = np.asarray(a, dtype=float).reshape(-1, 2), np.asarray(b, dtype=float).reshape(-1, 2)
    if not len(pa) or not len(pb):
        return pa[:0, 1], pb[:0, 1]
    t, tb = pa[:, 0], pb[:, 0]
    i = np.searchsorted(tb, t)  # the first of b at or after each time of a
    before, after = np.maximum(i - 1, 0), np.minimum(i, len(tb) - 1)
    gap_before = np.where(i > 0, t - tb[before], np.inf)
    gap_after = np.where(i < len(tb), tb[after] - t, np.inf)
    j = np.where(gap_before <= gap_after, before, after)
    keep = np.minimum(gap_before, gap_after) <= max_gap
    return pa[keep, 1], pb[j[keep], 1]


def _pearson(xs: Any, ys: Any) -> float | None:
    dx, dy = xs - xs.mean(), ys - ys.mean()
    sxx, syy = float((dx * dx).sum()), float((dy * dy).sum())
    if not sxx or not syy:
        return None
    return float((dx * dy).sum()) / math.sqrt(sxx * syy)


def _strength(r: float | None) -> str:
    if r is None:
        return "insufficient_data"
    size = abs(r)
    return "strong" if size >= 0.7 else "moderate" if size >= 0.4 else (
        "weak" if size >= 0.2 else "none")


@dataclass(frozen=True)
class BloodPressureControl(ToolResult):
    """Readings pair systolic and diastolic taken at the same instant. Categories follow
    the 2017 ACC/AHA guideline; "controlled" means below the target (130/80 by default)."""

    n: int
    mean_systolic: float | None
    mean_diastolic: float | None
    latest_systolic: float | None
    latest_diastolic: float | None
    latest_date: str | None
    first_date: str | None
    controlled_percentage: float | None
    target: tuple[int, int]
    categories: dict[str, int]  # normal | elevated | stage_1 | stage_2
    row_ids: tuple[int, ...]


def bp_control(vault: Vault, *, patient_id: str, window: Window = ALL_TIME,
               target: tuple[int, int] = (130, 80)) -> BloodPressureControl:
    found = vault.measurements.same_instants(patient_id=patient_id,
                                             measures=(SYSTOLIC, DIASTOLIC),
                                             since=window.since, until=window.until)
    times = found.times if found else ()
    systolic, diastolic = found.values if found else ((), ())
    n = len(times)
    cats, controlled = _bp_categories(systolic, diastolic, target)
    return BloodPressureControl(
        n=n, mean_systolic=num(sum(systolic) / n, 1) if n else None,
        mean_diastolic=num(sum(diastolic) / n, 1) if n else None,
        latest_systolic=num(systolic[-1], 1) if n else None,
        latest_diastolic=num(diastolic[-1], 1) if n else None,
        latest_date=day(times[-1]) if n else None, first_date=day(times[0]) if n else None,
        controlled_percentage=num(controlled * 100 / n, 1) if n else None,
        target=target, categories=cats,
        row_ids=found.ids[0] + found.ids[1] if found else ())


def _bp_categories(systolic: tuple[float, ...], diastolic: tuple[float, ...],
                   target: tuple[int, int]) -> tuple[dict[str, int], int]:
    """Readings per ACC/AHA category (the higher of the two numbers decides), and how many
    are below `target`. As arrays: a loop over 15 years of daily pairs took half the tool's
    time (tests/perf/team.py). numpy is loaded already, with the frames the pairs came from."""
    import numpy as np

    s, d = np.asarray(systolic, dtype=float), np.asarray(diastolic, dtype=float)
    stage_2 = (s >= 140) | (d >= 90)
    stage_1 = ~stage_2 & ((s >= 130) | (d >= 80))
    elevated = ~stage_2 & ~stage_1 & (s >= 120)
    cats = {"normal": 0, "elevated": int(elevated.sum()), "stage_1": int(stage_1.sum()),
            "stage_2": int(stage_2.sum())}
    cats["normal"] = len(s) - sum(cats.values())
    return cats, int(((s < target[0]) & (d < target[1])).sum())


def glucose_time_in_range(vault: Vault, *, patient_id: str, window: Window = ALL_TIME,
                          low: float = 70, high: float = 180) -> TimeInRange:
    """Glucose time in range; 70-180 mg/dL is the consensus CGM range."""
    return time_in_range(vault, patient_id=patient_id, code=GLUCOSE, low=low, high=high,
                         window=window)
