"""The unit a question asks for ("my weight in pounds", "glucose in mmol/L", "how tall am I
in feet"), read from the words people use (resources/unit_words.json), and values written
in it through the import's own unit conversions (storage.ingest.units), the stored value
after it so nothing is hidden: "176.52 lb (80.07 kg)"; a threshold the question gives in
that unit ("over 180 pounds") is compared in the stored one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from agents.findings import fmt
from storage.ingest.units import convert, ucum
from storage.repos.measures import measure

TABLE = Path(__file__).resolve().parents[1] / "resources" / "unit_words.json"


@dataclass(frozen=True)
class AskedUnit:
    ucum: str  # "[lb_av]"
    label: str  # "lb"
    split: tuple[str, str, int] | None = None  # ("[lb_av]", "lb", 14): "12 st 8 lb"


@cache
def _words() -> tuple[tuple[str, AskedUnit], ...]:
    rows = json.loads(TABLE.read_text(encoding="utf-8"))["units"]
    named = [(w, AskedUnit(r["ucum"], r["label"], tuple(r["split"]) if r.get("split") else None))
             for r in rows for w in r["words"]]
    return tuple(sorted(named, key=lambda x: -len(x[0])))  # type: ignore[arg-type]


def asked_unit(lowered: str) -> AskedUnit | None:
    """The unit named first in the question ("in stone and pounds" is stone), if any;
    whole words, the longer word where two start together."""
    hits = [(m.start(), -len(word), unit) for word, unit in _words()
            if (m := re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered))]
    return min(hits, key=lambda h: h[:2])[2] if hits else None


def _convert(value: float, unit: str, code: str, to: str) -> float | None:
    """Through the conversions of the measure's codes (a HealthKit code converts as the
    LOINC code of the same measure)."""
    for c in dict.fromkeys((code, *measure(code).codes)):
        try:
            return convert(value, unit, to, code=c)
        except ValueError:
            continue
    return None


def written(value: float, unit: str | None, code: str | None, asked: AskedUnit | None) -> str:
    """`value` as the question asked for it, the stored value in brackets; as stored when
    no unit was asked or it is the stored one; with a note when it does not convert."""
    stored = fmt(value, unit)
    if asked is None or unit is None or code is None or ucum(unit) == asked.ucum:
        return stored
    if asked.split is None:
        converted = _convert(value, unit, code, asked.ucum)
        if converted is None:
            return f"{stored} (it cannot be given in {asked.label})"
        return f"{fmt(converted)} {asked.label} ({stored})"
    small, small_label, per = asked.split
    total = _convert(value, unit, code, small)
    if total is None:
        return f"{stored} (it cannot be given in {asked.label})"
    whole, rest = divmod(round(total, 2), per)
    return f"{int(whole)} {asked.label} {fmt(rest)} {small_label} ({stored})"


def stored(value: float, unit: str | None, code: str | None, asked: AskedUnit | None) -> float:
    """A number the question gives in the asked unit ("more than 180 pounds") in the stored
    unit, for comparing with the readings; unchanged when no unit was asked, it is the
    stored one, or it does not convert."""
    if asked is None or unit is None or code is None or ucum(unit) == asked.ucum:
        return value
    back = _convert(value, asked.ucum, code, unit)
    return value if back is None else back
