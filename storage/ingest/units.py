"""Canonical units and conversions, from resources/units.json (one table, two users).

Python code converts single values through :func:`convert`; the bulk writer asks
:func:`conversion` once per distinct (code, unit) pair of a chunk and converts the
rows inside DuckDB (see sql.normalization). A value becomes ``value * factor + offset``
in the code's canonical UCUM unit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


@dataclass(frozen=True)
class Conversion:
    canonical: str
    factor: float
    offset: float

    def apply(self, value: float) -> float:
        return value * self.factor + self.offset

    def invert(self, value: float) -> float:
        return (value - self.offset) / self.factor


def load_resource(name: str) -> dict[str, Any]:
    """A JSON table from the top-level resources/ package (beside storage/, installed or not)."""
    return dict(json.loads((RESOURCES / name).read_text("utf-8")))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[tuple[str, str], Conversion], dict[str, str]]:
    data = load_resource("units.json")
    aliases: dict[str, str] = dict(data["aliases"])
    generic: dict[str, list[tuple[str, float, float]]] = {}
    for g in data["generic"]:
        generic.setdefault(g["to"], []).append((g["from"], g["factor"], g["offset"]))
    table: dict[tuple[str, str], Conversion] = {}
    canonical: dict[str, str] = {}
    for code, entry in data["codes"].items():
        canon = entry["canonical"]
        canonical[code] = canon
        table[(code, canon)] = Conversion(canon, 1.0, 0.0)
        for unit, factor, offset in generic.get(canon, []):
            table[(code, unit)] = Conversion(canon, factor, offset)
        for unit, factor in entry["from"].items():
            table[(code, aliases.get(unit, unit))] = Conversion(canon, float(factor), 0.0)
    return aliases, table, canonical


def ucum(unit: str | None) -> str | None:
    """A unit as UCUM spells it (known aliases such as mmHg, lb, count/min fixed)."""
    if unit is None:
        return None
    unit = unit.strip()
    if not unit:
        return None
    return _tables()[0].get(unit, unit)


def canonical_unit(code: str | None) -> str | None:
    return _tables()[2].get(code or "")


def units_for(code: str) -> list[str]:
    """The units a reading of `code` can be entered in, its canonical unit first."""
    canon = canonical_unit(code)
    others = sorted(u for c, u in _tables()[1] if c == code and u != canon)
    return ([canon] if canon else []) + others


def conversion(code: str | None, unit: str | None) -> Conversion | None:
    """How to bring `unit` to the code's canonical unit; None if they cannot be reconciled."""
    u = ucum(unit)
    if code is None or u is None:
        return None
    return _tables()[1].get((code, u))


def convert(value: float, from_unit: str, to_unit: str, *, code: str) -> float:
    """`value` in `from_unit` expressed in `to_unit`, through the code's canonical unit."""
    there, back = conversion(code, from_unit), conversion(code, to_unit)
    if there is None or back is None:
        raise ValueError(f"cannot convert {from_unit!r} to {to_unit!r} for {code}")
    return back.invert(there.apply(value))
