"""Tools across metrics: correlation of two series, blood-pressure control, glucose time
in range. All aggregation happens inside DuckDB.

Correlation pairs each value of the first metric with the nearest-in-time value of the
second (looking both ways, via two ASOF joins), dropping pairs further apart than
`max_gap_days`; Pearson's r over the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import DIASTOLIC, GLUCOSE, SYSTOLIC, metric
from agents.tools.base import ALL_TIME, IN_WINDOW, ToolResult, Window, cursor, day, num

if TYPE_CHECKING:
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
    sel = ("SELECT id, effective, value FROM observations WHERE patient_id = $p AND code = {} "
           f"AND value IS NOT NULL AND effective IS NOT NULL AND {IN_WINDOW}")
    row = cursor(vault).execute(
        f"WITH a AS ({sel.format('$a')}), b AS ({sel.format('$b')}), "
        "prev AS (SELECT a.id, a.effective t, a.value v, b.id bid, b.effective bt, b.value bv "
        "FROM a ASOF LEFT JOIN b ON a.effective >= b.effective), "
        "nxt AS (SELECT a.id, b.id bid, b.effective bt, b.value bv "
        "FROM a ASOF LEFT JOIN b ON a.effective <= b.effective), "
        "pairs AS (SELECT p.id, p.v, CASE WHEN n.bt IS NULL OR (p.bt IS NOT NULL AND "
        "p.t - p.bt <= n.bt - p.t) THEN p.bv ELSE n.bv END AS bv, "
        "CASE WHEN n.bt IS NULL OR (p.bt IS NOT NULL AND p.t - p.bt <= n.bt - p.t) "
        "THEN p.bid ELSE n.bid END AS bid, "
        "least(coalesce(epoch(p.t) - epoch(p.bt), 1e18), coalesce(epoch(n.bt) - epoch(p.t), 1e18)) "
        "AS gap FROM prev p JOIN nxt n USING (id)) "
        "SELECT count(*), corr(v, bv), list(id), list(bid) FROM pairs WHERE gap <= $gap",
        {"p": patient_id, "a": code_a, "b": code_b, "gap": max_gap_days * 86400,
         **window.params()},
    ).fetchone()
    assert row is not None
    n, r = int(row[0]), num(row[1], 3) if row[0] and row[0] >= 3 else None
    return Correlation(
        code_a=code_a, code_b=code_b, metric_a=metric(code_a).name, metric_b=metric(code_b).name,
        n_pairs=n, r=r, strength=_strength(r), max_gap_days=max_gap_days,
        row_ids=tuple(int(i) for i in (row[2] or ()) + (row[3] or ())),
    )


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
    sel = ("SELECT id, effective, value FROM observations WHERE patient_id = $p AND code = {} "
           f"AND value IS NOT NULL AND effective IS NOT NULL AND {IN_WINDOW}")
    row = cursor(vault).execute(
        f"WITH s AS ({sel.format('$sys')}), d AS ({sel.format('$dia')}), "
        "r AS (SELECT s.id sid, d.id did, s.effective t, s.value sv, d.value dv "
        "FROM s JOIN d ON s.effective = d.effective) "
        "SELECT count(*), avg(sv), avg(dv), arg_max(sv, t), arg_max(dv, t), "
        "max(epoch(t)), min(epoch(t)), avg(CASE WHEN sv < $ts AND dv < $td THEN 100.0 ELSE 0 END), "
        "count(*) FILTER (sv < 120 AND dv < 80), "
        "count(*) FILTER (sv >= 120 AND sv < 130 AND dv < 80), "
        "count(*) FILTER (NOT (sv >= 140 OR dv >= 90) AND (sv >= 130 OR dv >= 80)), "
        "count(*) FILTER (sv >= 140 OR dv >= 90), list(sid) || list(did) FROM r",
        {"p": patient_id, "sys": SYSTOLIC, "dia": DIASTOLIC, "ts": target[0], "td": target[1],
         **window.params()},
    ).fetchone()
    assert row is not None
    return BloodPressureControl(
        n=int(row[0]), mean_systolic=num(row[1], 1), mean_diastolic=num(row[2], 1),
        latest_systolic=num(row[3], 1), latest_diastolic=num(row[4], 1),
        latest_date=day(row[5]), first_date=day(row[6]), controlled_percentage=num(row[7], 1),
        target=target,
        categories={"normal": int(row[8]), "elevated": int(row[9]), "stage_1": int(row[10]),
                    "stage_2": int(row[11])},
        row_ids=tuple(int(i) for i in row[12] or ()),
    )


@dataclass(frozen=True)
class TimeInRange(ToolResult):
    """Share of glucose readings below, inside and above [low, high] mg/dL (70-180 is the
    consensus CGM range)."""

    n: int
    low: float
    high: float
    below_percentage: float | None
    in_range_percentage: float | None
    above_percentage: float | None
    mean: float | None
    first_date: str | None
    last_date: str | None
    row_ids: tuple[int, ...]


def glucose_time_in_range(vault: Vault, *, patient_id: str, window: Window = ALL_TIME,
                          low: float = 70, high: float = 180) -> TimeInRange:
    row = cursor(vault).execute(
        "SELECT count(*), avg(CASE WHEN value < $lo THEN 100.0 ELSE 0 END), "
        "avg(CASE WHEN value BETWEEN $lo AND $hi THEN 100.0 ELSE 0 END), "
        "avg(CASE WHEN value > $hi THEN 100.0 ELSE 0 END), avg(value), "
        "min(epoch(effective)), max(epoch(effective)), list(id) "
        "FROM observations WHERE patient_id = $p AND code = $c AND value IS NOT NULL "
        f"AND effective IS NOT NULL AND {IN_WINDOW}",
        {"p": patient_id, "c": GLUCOSE, "lo": low, "hi": high, **window.params()},
    ).fetchone()
    assert row is not None
    return TimeInRange(
        n=int(row[0]), low=low, high=high, below_percentage=num(row[1], 1),
        in_range_percentage=num(row[2], 1), above_percentage=num(row[3], 1),
        mean=num(row[4], 1), first_date=day(row[5]), last_date=day(row[6]),
        row_ids=tuple(int(i) for i in row[7] or ()),
    )
