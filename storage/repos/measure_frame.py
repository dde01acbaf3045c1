"""A measure's readings of a patient in a window as columns: the one scan that its
series order, instants (what trends, comparisons and correlations use), pairs and time
in range are worked out from.

A daily series over 15 years is 5,500 readings. Read as columns (DuckDB's fetchnumpy)
and grouped here with numpy, a trend's units, instants and ends take one scan; as SQL
aggregates they took three, each 3-6 ms at 1,000,000 rows (tests/perf/team.py).
numpy loads with the first of them (about 17 MB resident), never in an import process:
measurements.py imports this module late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from storage.repos.measures import Measure, series_order


@dataclass(frozen=True)
class Points:
    """The primary series' usable readings, one point per instant, oldest first: a
    conflict (several readings at one instant) is one point, their mean."""

    times: np.ndarray  # epoch seconds
    values: np.ndarray
    ids: tuple[tuple[int, ...], ...]  # each point's readings, in series order
    conflicts: int  # points whose readings disagree (quality conflict)
    row_ids: tuple[int, ...]  # the same, flat

    def ids_at(self, points: np.ndarray) -> tuple[int, ...]:
        """The readings of these points (indexes), flat."""
        if len(self.ids) == len(self.row_ids):  # one reading per point
            return tuple(np.asarray(self.row_ids)[points].tolist())
        return tuple(i for k in points.tolist() for i in self.ids[k])


@dataclass(frozen=True)
class Frame:
    """Per reading of the measure in the window (oldest first; at one instant, in the
    order written): its time, series value, id, unit, and whether it is held for
    verification, in conflict or critical; `units`: the measure's units in series order (the
    canonical first, else the largest)."""

    measure: Measure
    units: tuple[str | None, ...]
    t: np.ndarray
    v: np.ndarray
    ids: np.ndarray
    unit: np.ndarray  # objects: str | None
    verify: np.ndarray
    conflict: np.ndarray
    critical: np.ndarray

    @classmethod
    def of(cls, m: Measure, cols: dict[str, Any]) -> Frame:
        """A frame of fetchnumpy's columns t, v, id, u, verify, conflict, critical, pending (NULLs
        arrive masked; judged readings in the window have none but a unit); readings
        still pending (not judged, so outside any series) are left out."""
        keep = ~np.asarray(cols["pending"], dtype=bool)
        cols = {k: np.ma.getdata(c)[keep] for k, c in cols.items()}
        order = np.lexsort((cols["id"], cols["t"]))  # time, then id (the order written)
        cols = {k: c[order] for k, c in cols.items()}
        unit, t, ids = cols["u"], cols["t"], cols["id"]
        stats = []
        for u in dict.fromkeys(unit.tolist()):
            first = int(np.argmax(unit == u))  # rows are in time order
            stats.append((u, int((unit == u).sum()), float(t[first]), int(ids[first])))
        return cls(m, series_order(m, stats), t, cols["v"], ids, unit,
                   cols["verify"].astype(bool), cols["conflict"].astype(bool),
                   cols["critical"].astype(bool))

    @classmethod
    def each(cls, ms: list[Measure], cols: dict[str, Any]) -> list[Frame]:
        """A frame per measure of columns that hold several measures' readings: `k` is
        each reading's code's position (from 1) in the measures' codes, one after the
        other."""
        if len(ms) == 1:
            return [cls.of(ms[0], cols)]
        which = np.searchsorted(np.cumsum([len(m.codes) for m in ms]), np.ma.getdata(cols["k"]))
        frames = []
        for i, m in enumerate(ms):
            mine = which == i
            frames.append(cls.of(m, {k: c[mine] for k, c in cols.items()}))
        return frames

    @property
    def primary(self) -> np.ndarray:
        """The readings of the first series (a mask)."""
        if not self.units:
            return np.zeros(len(self.t), dtype=bool)
        return self.unit == self.units[0]

    def points(self) -> Points:
        """The primary series' usable readings (not `verify`) as one point per instant."""
        use = self.primary & ~self.verify
        t, v, ids = self.t[use], self.v[use], self.ids[use].tolist()
        if not len(t):
            return Points(t, v, (), 0, ())
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        counts = np.diff(np.r_[starts, len(t)])
        if len(starts) == len(t):  # one reading per instant, as nearly always
            return Points(t, v, tuple(zip(ids)), int(self.conflict[use].sum()),
                          tuple(ids))
        groups = tuple(tuple(ids[s:s + n]) for s, n in zip(starts.tolist(), counts.tolist(),
                                                             strict=True))
        return Points(t[starts], np.add.reduceat(v, starts) / counts, groups,
                      int(np.logical_or.reduceat(self.conflict[use], starts).sum()), tuple(ids))


    def line(self, max_points: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The primary series' usable readings as a chart draws them: ids, times and
        values of each one or, past `max_points`, of the mean of each equal span of days
        (at its first reading), and that span in days (0: each reading)."""
        use = self.primary & ~self.verify
        t, v, ids = self.t[use], self.v[use], self.ids[use]
        if max_points is None or len(t) <= max_points:
            return ids, t, v, 0
        days = max(1, math.ceil(float(t[-1] - t[0]) / 86400 / max_points))
        bucket = ((t - t[0]) // (days * 86400)).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        counts = np.diff(np.r_[starts, len(t)])
        return ids[starts], t[starts], np.round(np.add.reduceat(v, starts) / counts, 4), days

    def marked(self) -> np.ndarray:
        """The ids of the primary series' readings a chart marks: critical, or held for
        verification."""
        return self.ids[self.primary & (self.verify | self.critical)]


def paired(a: Points, b: Points) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...],
                                          tuple[tuple[int, ...], ...]]:
    """The instants both have (systolic with diastolic of one measurement), oldest first:
    their times, each series' values there, and each series' readings there."""
    times, at_a, at_b = np.intersect1d(a.times, b.times, assume_unique=True,
                                       return_indices=True)
    return (tuple(times.tolist()),
            (tuple(a.values[at_a].tolist()), tuple(b.values[at_b].tolist())),
            tuple(p.ids_at(at) for p, at in ((a, at_a), (b, at_b))))
