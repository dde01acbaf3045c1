"""Small pure helpers every parser shares: dates, numbers, ranges, flags, lab names.

Parsers turn what a file says into plain strings and floats; unit conversion,
reference ranges from resources/ and computed flags happen in the writer's SQL (see
:func:`flag_sql`) so that bulk imports stay in DuckDB. Dates become ISO 8601 strings
that keep the source's UTC offset (``2016-04-18T08:25:32-07:00``) or a bare date.
"""

from __future__ import annotations

import re
from functools import lru_cache

from storage.ingest.units import load_resource

_HL7_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d+)?([+-]\d{4})?$")
_NUMBER = re.compile(r"^\s*(<=|>=|<|>|≤|≥)?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_RANGE = re.compile(
    r"^\s*([-+]?\d+\.?\d*)\s*(?:-|–|to)\s*([-+]?\d+\.?\d*)\s*$|^\s*(<=|>=|<|>|≤|≥)\s*([-+]?\d+\.?\d*)\s*$"
)


def iso(text: str | None) -> str | None:
    """An ISO 8601 date or datetime string from FHIR, HL7 TS or CSV spellings.

    Partial dates are padded (2012-03 -> 2012-03-01); datetimes without an offset are
    taken as UTC. The result is validated later, in bulk, by the writer.
    """
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    if len(s) == 25 and s[19] == " ":  # Apple Health: 2016-04-18 08:25:32 -0700
        return f"{s[:10]}T{s[11:19]}{s[20:23]}:{s[23:]}"
    if "-" in s[:5]:  # ISO-like
        if len(s) == 7:
            return s + "-01"
        if len(s) == 4:
            return s + "-01-01"
        if len(s) > 10 and not (s.endswith("Z") or s[-6] in "+-" or s[-5] in "+-"):
            return s + "+00:00"
        if len(s) > 10 and s[-5] in "+-" and s[-3] != ":":  # +0200 -> +02:00
            return f"{s[:-2]}:{s[-2:]}"
        return s
    m = _HL7_TS.match(s)
    if not m:
        return s  # rejected by the writer's validation, with its position
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    date = f"{year}-{month or '01'}-{day or '01'}"
    if hh is None:
        return date
    offset = f"{tz[:3]}:{tz[3:]}" if tz else "+00:00"
    return f"{date}T{hh}:{mm or '00'}:{ss or '00'}{frac or ''}{offset}"


def number(text: str | None) -> tuple[str | None, float | None]:
    """(comparator, value) from '5.2', '<0.5', '>= 60'; (None, None) if not a number."""
    if text is None:
        return None, None
    m = _NUMBER.match(str(text))
    if not m:
        return None, None
    comp = {"≤": "<=", "≥": ">="}.get(m.group(1) or "", m.group(1))
    return comp, float(m.group(2))


def parse_range(text: str | None) -> tuple[float | None, float | None]:
    """(low, high) from '70-99', '< 200', '> 40', '3.5 to 5.0'."""
    if not text:
        return None, None
    m = _RANGE.match(str(text))
    if not m:
        return None, None
    if m.group(1) is not None:
        return float(m.group(1)), float(m.group(2))
    op, bound = m.group(3), float(m.group(4))
    return (None, bound) if op in ("<", "<=", "≤") else (bound, None)


# HL7 v3 ObservationInterpretation codes (used by FHIR and C-CDA) to our flags.
_INTERPRETATION = {
    "N": "normal", "L": "low", "H": "high", "LL": "critical", "HH": "critical",
    "LU": "critical", "HU": "critical", "<": "low", ">": "high", "A": "abnormal",
    "AA": "critical", "POS": "abnormal", "NEG": "normal", "DET": "abnormal", "ND": "normal",
    "NORMAL": "normal", "LOW": "low", "HIGH": "high", "CRITICAL": "critical",
    "ABNORMAL": "abnormal",
}


def flag_from_interpretation(code: str | None) -> str | None:
    if not code:
        return None
    return _INTERPRETATION.get(code.strip().upper())


def flag_sql(value: str, low: str, high: str, crit_low: str, crit_high: str,
             comparator: str) -> str:
    """A SQL CASE giving low/normal/high/critical for the named columns (NULL if no range).

    A comparator counts: '<10' against a low limit of 10 is low, '>200' against 200 high.
    """
    return f"""CASE
        WHEN {value} IS NULL OR ({low} IS NULL AND {high} IS NULL) THEN NULL
        WHEN {crit_low} IS NOT NULL AND {value} < {crit_low} THEN 'critical'
        WHEN {crit_high} IS NOT NULL AND {value} > {crit_high} THEN 'critical'
        WHEN {low} IS NOT NULL AND ({value} < {low}
             OR ({value} = {low} AND {comparator} = '<')) THEN 'low'
        WHEN {high} IS NOT NULL AND ({value} > {high}
             OR ({value} = {high} AND {comparator} = '>')) THEN 'high'
        ELSE 'normal' END"""


@lru_cache(maxsize=1)
def _loinc_names() -> dict[str, tuple[str, str]]:
    return {k: (v[0], v[1]) for k, v in load_resource("loinc_map.json")["names"].items()}


def loinc_for_name(name: str | None) -> tuple[str, str] | None:
    """(LOINC code, display) for a test name such as 'Total Cholesterol', or None."""
    if not name:
        return None
    key = " ".join(name.lower().replace("_", " ").split())
    return _loinc_names().get(key)


# LOINC codes of the FHIR R4 vital signs profile (hl7.org/fhir/R4/observation-vitalsigns.html).
VITAL_SIGN_CODES = frozenset({
    "85353-1", "9279-1", "8867-4", "2708-6", "59408-5", "8310-5", "8302-2", "9843-4",
    "29463-7", "39156-5", "85354-9", "55284-4", "8480-6", "8462-4", "8478-0", "3141-9",
    "8287-5",
})


@lru_cache(maxsize=1)
def _code_names() -> dict[str, str]:
    codes = load_resource("units.json")["codes"]
    ranges = load_resource("reference_ranges.json")["ranges"]
    return {**{c: r["name"] for c, r in ranges.items()},
            **{c: e["name"] for c, e in codes.items() if e.get("name")}}


def category_for_code(code: str | None) -> str:
    """The category of an observation whose record names none (many FHIR servers and
    hand-made bundles leave it out): vital signs by the FHIR profile's codes, laboratory
    for the codes our unit and range tables know as lab tests, else other."""
    if code in VITAL_SIGN_CODES:
        return "vital-signs"
    return "laboratory" if code in _code_names() else "other"


def name_for_code(code: str | None) -> str | None:
    """A readable name for a code whose record gives no display text."""
    return _code_names().get(code or "")
