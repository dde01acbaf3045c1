"""Which recorded "conditions" are social history (work, schooling, housing, social
contact, stress) or about the record itself (a medication review due), from
resources/social_history.json. Synthea files these as Condition resources, and a summary
that opens "a man with 7 active conditions: full-time employment, ..." is not how a
clinician reads a problem list."""

from __future__ import annotations

from functools import cache
from typing import Any

from storage.ingest.units import load_resource


@cache
def _table() -> dict[str, Any]:
    return load_resource("social_history.json")


def kind_of(code: str | None) -> str:
    """"condition", "social" or "administrative" for a condition's code (SNOMED CT or
    ICD-10-CM)."""
    table = _table()
    code = (code or "").strip()
    if code in table["administrative"]:
        return "administrative"
    if code in table["snomed"] or code.upper().startswith(tuple(table["icd10_prefixes"])):
        return "social"
    return "condition"
