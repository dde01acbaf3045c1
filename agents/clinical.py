"""Clinical tables the answers read (resources/, each citing its source): KDIGO CKD
categories and critical limits per measure code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def _load(name: str) -> dict[str, Any]:
    return json.loads((RESOURCES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Stage:
    stage: str
    label: str


def _stage(rows: list[dict[str, Any]], value: float) -> Stage:
    for row in rows:
        low, high = row["low"], row["high"]
        if (low is None or value >= low) and (high is None or value < high):
            return Stage(row["stage"], row["label"])
    raise ValueError(f"no KDIGO category holds {value}")


def gfr_stage(egfr: float) -> Stage:
    """KDIGO 2012/2024 GFR category (G1-G5) of one eGFR in mL/min/1.73m2."""
    return _stage(_load("kdigo_stages.json")["gfr"], egfr)


def albuminuria_stage(acr_mg_per_g: float) -> Stage:
    """KDIGO 2012/2024 albuminuria category (A1-A3) of one albumin/creatinine ratio."""
    return _stage(_load("kdigo_stages.json")["albuminuria"], acr_mg_per_g)


@dataclass(frozen=True)
class Limits:
    measure: str
    low: float | None  # critical when below (or at, when low_inclusive)
    high: float | None  # critical when above (or at, when high_inclusive)
    low_inclusive: bool
    high_inclusive: bool

    def breached(self, value: float) -> str | None:
        """"low" or "high" when `value` is beyond a critical limit, else None."""
        if self.high is not None and (value >= self.high if self.high_inclusive
                                      else value > self.high):
            return "high"
        if self.low is not None and (value <= self.low if self.low_inclusive
                                     else value < self.low):
            return "low"
        return None


@cache
def critical_limits() -> dict[str, Limits]:
    """Code -> critical limits, joining the measure table's alias codes to its limits."""
    measures = _load("measures.json")["measures"]
    out: dict[str, Limits] = {}
    for key, lim in _load("critical_limits.json")["limits"].items():
        if key not in measures:
            continue
        limits = Limits(key, lim.get("below", lim.get("at_or_below")),
                        lim.get("above", lim.get("at_or_above")), "at_or_below" in lim,
                        "at_or_above" in lim)
        for code in measures[key]["codes"]:
            out[code] = limits
    return out
