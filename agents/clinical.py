"""KDIGO CKD categories for one reading (resources/kdigo_stages.json, citing its source)."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
