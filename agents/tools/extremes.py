"""Extremes, counts beyond thresholds and time in range for any measure, each a tool of
its own (storage's query manager does the reading; counts and time in range are its
results, Counts and TimeInRange, as they are).

Discrete measures use their usable readings (not `verify`, which are listed apart);
cumulative ones (steps, energy ...) their daily totals in the person's local day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from agents.codes import metric
from agents.tools.base import ALL_TIME, ToolResult, Window, num
from agents.tools.observations import reading_dict
from storage.repos.measurement_types import Counts, TimeInRange

if TYPE_CHECKING:
    from storage.vault import Vault


@dataclass(frozen=True)
class Extremes(ToolResult):
    code: str
    metric: str
    unit: str | None
    kind: str  # discrete | cumulative (then values are daily totals, dates days)
    n: int
    lowest: dict[str, Any] | None  # {value, date, flag, quality, ...}
    highest: dict[str, Any] | None
    unverified: tuple[dict[str, Any], ...] = ()
    row_ids: tuple[int, ...] = ()


def extremes(vault: Vault, *, patient_id: str, code: str, window: Window = ALL_TIME
             ) -> Extremes:
    mm = vault.measurements
    if mm.measure(code).cumulative:
        t = mm.daily_totals(patient_id=patient_id, measure=code, since=window.since,
                            until=window.until)

        def day(d: Any) -> dict[str, Any] | None:
            return {"value": num(d.total, 2), "date": d.day, "source": d.source} if d else None
        return Extremes(code=code, metric=metric(code).name, unit=t.unit, kind="cumulative",
                        n=len(t.days), lowest=day(t.lowest), highest=day(t.highest),
                        unverified=tuple(reading_dict(r) for r in t.excluded))
    e = mm.extremes(patient_id=patient_id, measure=code, since=window.since, until=window.until)
    if e is None:
        return Extremes(code=code, metric=metric(code).name, unit=None, kind="discrete", n=0,
                        lowest=None, highest=None)
    return Extremes(
        code=code, metric=e.series.name if not e.series.canonical else metric(code).name,
        unit=e.series.unit, kind="discrete", n=e.n,
        lowest=reading_dict(e.lowest) if e.lowest else None,
        highest=reading_dict(e.highest) if e.highest else None,
        unverified=tuple(reading_dict(r) for r in e.unverified),
        row_ids=tuple(r.id for r in (e.lowest, e.highest) if r is not None))


def beyond(vault: Vault, *, patient_id: str, code: str, below: float | None = None,
           above: float | None = None, window: Window = ALL_TIME) -> Counts:
    """Usable readings below `below` / above `above` (the measure's canonical unit), and
    every reading per flag and quality: the query manager's counts as they are."""
    return vault.measurements.counts(patient_id=patient_id, measure=code, below=below,
                                     above=above, since=window.since, until=window.until)


def time_in_range(vault: Vault, *, patient_id: str, code: str, low: float, high: float,
                  window: Window = ALL_TIME) -> TimeInRange:
    """Share of a measure's usable readings below, inside and above [low, high] (its
    canonical unit), their mean and first and last instants: the query manager's answer,
    its shares and mean to a tenth as findings state them."""
    t = vault.measurements.time_in_range(patient_id=patient_id, measure=code, low=low,
                                         high=high, since=window.since, until=window.until)
    return replace(t, below_percentage=num(t.below_percentage, 1),
                   in_range_percentage=num(t.in_range_percentage, 1),
                   above_percentage=num(t.above_percentage, 1), mean=num(t.mean, 1))
