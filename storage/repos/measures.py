"""Measures: a clinical quantity as a set of alias codes plus a canonical unit, with its
plausible range, critical limits and less favourable direction (resources/measures.json,
plausible_ranges.json, critical_limits.json, worse_direction.json; each table cites its
sources).

A code no table names is a measure of its own (key = the code), so every observation
belongs to exactly one measure. The tables are read once; :data:`MEASURE_VALUES` is
the same table as a SQL ``VALUES`` list the query manager joins (our own constants,
never text from a file or a user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from storage.ingest.units import load_resource

KINDS = ("discrete", "cumulative")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Measure:
    key: str  # "egfr"; for a code no table names, the code itself
    name: str
    unit: str | None  # canonical UCUM unit
    kind: str  # discrete | cumulative
    codes: tuple[str, ...]
    plausible_low: float | None = None
    plausible_high: float | None = None
    max_change_7d: float | None = None  # fraction, e.g. 0.2
    critical_below: float | None = None  # critical when value < this
    critical_at_or_below: float | None = None
    critical_above: float | None = None
    critical_at_or_above: float | None = None
    plausible_source: str | None = None
    critical_source: str | None = None
    worse: str | None = None  # higher | lower: the less favourable way to change
    high_at_rest_only: bool = False  # above the high limit during a workout: not critical

    @property
    def cumulative(self) -> bool:
        return self.kind == "cumulative"

    def critical_text(self) -> str:
        """The limits as a reader writes them: "< 88 or > 150"."""
        parts = [f"{op} {_num(v)}" for op, v in (
            ("<", self.critical_below), ("<=", self.critical_at_or_below),
            (">", self.critical_above), (">=", self.critical_at_or_above)) if v is not None]
        return " or ".join(parts)


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else str(v)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Measure], dict[str, str]]:
    measures = load_resource("measures.json")["measures"]
    plausible = load_resource("plausible_ranges.json")["ranges"]
    critical = load_resource("critical_limits.json")["limits"]
    directions = load_resource("worse_direction.json")["directions"]
    by_key: dict[str, Measure] = {}
    by_code: dict[str, str] = {}
    for key, m in measures.items():
        if m["kind"] not in KINDS:
            raise ValueError(f"resources/measures.json: {key} has kind {m['kind']!r}")
        p, c = plausible.get(key, {}), critical.get(key, {})
        worse = directions.get(key, {}).get("worse")
        if worse is not None and worse not in DIRECTIONS:
            raise ValueError(f"resources/worse_direction.json: {key} has worse {worse!r}")
        by_key[key] = Measure(
            key=key, name=m["name"], unit=m["unit"], kind=m["kind"], codes=tuple(m["codes"]),
            plausible_low=p.get("low"), plausible_high=p.get("high"),
            max_change_7d=p.get("max_change_7d"), critical_below=c.get("below"),
            critical_at_or_below=c.get("at_or_below"), critical_above=c.get("above"),
            critical_at_or_above=c.get("at_or_above"), plausible_source=p.get("source"),
            critical_source=c.get("source"), worse=worse,
            high_at_rest_only=bool(c.get("high_at_rest_only")))
        for code in m["codes"]:
            by_code[code] = key
    unknown = (set(plausible) | set(critical) | set(directions)) - set(by_key)
    if unknown:
        raise ValueError("plausible/critical/direction tables name unknown measures: "
                         f"{sorted(unknown)}")
    return by_key, by_code


def all_measures() -> tuple[Measure, ...]:
    return tuple(_tables()[0].values())


def measure(key_or_code: str) -> Measure:
    """The measure named by its key ("egfr") or by any of its codes ("48642-3"); a code
    no table names is a measure of its own."""
    by_key, by_code = _tables()
    if key_or_code in by_key:
        return by_key[key_or_code]
    key = by_code.get(key_or_code)
    if key is not None:
        return by_key[key]
    from storage.ingest.normalize import name_for_code
    from storage.ingest.units import canonical_unit

    return Measure(key=key_or_code, name=name_for_code(key_or_code) or key_or_code,
                   unit=canonical_unit(key_or_code), kind="discrete", codes=(key_or_code,))


def series_order(m: Measure, stats: Iterable[tuple[str | None, int, float, int]]
                 ) -> tuple[str | None, ...]:
    """The units of `m`'s series in series order, from (unit, readings, first time,
    first id) per unit: the canonical unit first, else the one of most readings, then
    the earliest (a series' unit never mixes with another's)."""
    ordered = sorted((s for s in stats if s[1]), key=lambda s: (s[0] != m.unit, -s[1], s[2], s[3]))
    return tuple(s[0] for s in ordered)


def measure_key(code: str) -> str:
    return _tables()[1].get(code, code)


def _sql(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(float(v))  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def measure_values() -> str:
    """``(VALUES ...) AS mt(code, measure, munit, plo, phi, chg, cb, cbe, ca, cae)``: one
    row per alias code, for the query manager's join."""
    rows = [
        f"({_sql(code)}, {_sql(m.key)}, {_sql(m.unit)}, {_sql(m.plausible_low)}, "
        f"{_sql(m.plausible_high)}, {_sql(m.max_change_7d)}, {_sql(m.critical_below)}, "
        f"{_sql(m.critical_at_or_below)}, {_sql(m.critical_above)}, "
        f"{_sql(m.critical_at_or_above)})"
        for m in all_measures() for code in m.codes]
    return (f"(VALUES {', '.join(rows)}) "
            "AS mt(code, measure, munit, plo, phi, chg, cb, cbe, ca, cae)")
