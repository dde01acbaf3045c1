"""The words people use for body systems, conditions and tests (resources/lay_terms.json),
and where each word is in a question.

A topic answers with its measures (each a list of alternative LOINC codes) and the
condition names that belong to it. The question reader matches these words by whole
words, longest phrase first, so "heart failure" is the condition and not the heart in
general.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "resources" / "lay_terms.json"


@dataclass(frozen=True)
class Measure:
    name: str
    codes: tuple[str, ...]  # alternative codes for the one measure, the usual one first


@dataclass(frozen=True)
class Topic:
    id: str
    system: str
    words: tuple[str, ...]
    measures: tuple[Measure, ...]
    conditions: tuple[str, ...]  # lower-case fragments of condition names
    coded: bool  # results are answered with their text (Detected, Negative ...)
    kept: bool = True  # False: a kind of record the importers do not keep (imaging ...)
    modalities: tuple[tuple[str, str], ...] = ()  # word -> how test names abbreviate it

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for m in self.measures for c in m.codes)


@cache
def topics() -> tuple[Topic, ...]:
    raw = json.loads(TABLE.read_text(encoding="utf-8"))["topics"]
    return tuple(Topic(t["id"], t["system"], tuple(t["words"]),
                       tuple(Measure(name, tuple(codes)) for name, codes in t["measures"]),
                       tuple(t["conditions"]), bool(t.get("coded")), t.get("kept", True),
                       tuple((t.get("modalities") or {}).items()))
                 for t in raw)


@cache
def by_id() -> dict[str, Topic]:
    return {t.id: t for t in topics()}


@cache
def measure_of(code: str) -> tuple[Topic, Measure] | None:
    """The topic and measure a code belongs to (first listed wins)."""
    for t in topics():
        for m in t.measures:
            if code in m.codes:
                return t, m
    return None
