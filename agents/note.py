"""What makes a summary read like a clinician's note: it opens with age, sex and active
conditions; concerns are ranked by severity (critical, out of range now, unfavourable
trends, past issues); care gaps are questions for the clinician from
resources/care_gaps.json; and a record of a person who died, or one that ended long
ago, gets no "may be due" advice and says where it ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from agents.findings import Finding, fmt
from agents.holdings import Holdings
from agents.question import Question
from agents.team.templates import listing, plain_condition
from agents.tools.coverage import ConditionList
from agents.tools.medications import MedicationTimeline
from storage.repos.catalogue import PatientFacts

HISTORICAL_DAYS = 2 * 365  # a record that ended this long ago describes the past
SEX = {"male": "man", "m": "man", "female": "woman", "f": "woman"}


@dataclass(frozen=True)
class Note:
    opening: str  # "A 67-year-old man with ..." (and the ending, when there is one)
    historical: bool  # deceased, or the record ended long ago: no "due" advice
    ending: str = ""  # where the record ends, for a deceased person or an old record
    window_label: str | None = None  # where a relative window was moved to, said first
    care_gaps: tuple[str, ...] = ()


def age(born: date | None, on: date) -> int | None:
    """Completed years on a day (None without a birth date)."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@cache
def _rules() -> list[dict[str, Any]]:
    path = Path(__file__).resolve().parents[1] / "resources" / "care_gaps.json"
    return json.loads(path.read_text(encoding="utf-8"))["rules"]  # type: ignore[no-any-return]


def build(q: Question, facts: PatientFacts | None, conditions: ConditionList,
          timeline: MedicationTimeline, holdings: Holdings, latest: dict[str, tuple[float, str]],
          today: date, window_label: str | None = None) -> Note:
    end = facts.records_end if facts else None
    deceased = bool(facts and facts.deceased)
    died = facts.died if facts else None
    on = died or (end if deceased and end else today)
    years = age(facts.birth_date if facts else None, on)
    who = SEX.get(str(facts.sex or "").lower(), "person") if facts else "person"
    active = [plain_condition(c["display"]) for c in conditions.conditions
              if c["active"] and c.get("kind", "condition") == "condition"]
    article = "An" if years is not None and str(years)[0] == "8" or years in (11, 18) else "A"
    opening = f"{article} {years}-year-old {who}" if years is not None else f"A {who}"
    opening += (f" with {len(active)} active conditions on record: {listing(active, 8)}."
                if len(active) > 1 else f" with {active[0]} on record." if active
                else " with no active conditions on record.")
    historical = deceased or bool(end and (today - end).days > HISTORICAL_DAYS)
    ending = ""
    if died:
        ending = f"The record ends with a death recorded on {died}."
    elif deceased:
        ending = ("The record says this person has died"
                  + (f"; its last entry is from {end}." if end else "."))
    elif historical and end:
        ending = f"The records end on {end}, so this describes the past."
    opening += f" {ending}" if ending else ""
    wanted = "comprehensive" in q.intents or q.mentions_prevention
    gaps = () if deceased or not wanted else _gaps(years, conditions, timeline, holdings, latest,
                                              today, timed=not historical)
    return Note(opening, historical, ending, window_label, gaps)


def _gaps(age: int | None, conditions: ConditionList, timeline: MedicationTimeline,
          holdings: Holdings, latest: dict[str, tuple[float, str]], today: date, *,
          timed: bool) -> tuple[str, ...]:
    """The care-gap questions whose conditions hold; with `timed` off (a record that
    ended long ago) only those that do not depend on how long ago something was."""
    names = [str(c["display"]).lower() for c in conditions.conditions if c["active"]]
    meds = " | ".join(c.name.lower() for c in timeline.courses if c.active)
    out = []
    for rule in _rules():
        w = rule["when"]
        if not timed and ("older_than_days" in w or "latest_at_least" in w):
            continue
        held = [n for n in names if not _starts(n, w.get("except", ()))]
        if "conditions" in w and not any(_starts(n, w["conditions"]) for n in held):
            continue
        if "no_condition" in w and any(_starts(n, w["no_condition"]) for n in held):
            continue
        if "no_medication" in w and any(x in meds for x in w["no_medication"]):
            continue
        if "age" in w and (age is None or not w["age"][0] <= age <= w["age"][1]):
            continue
        finding = ""
        if "any_of" in w:
            hits = [name for name, terms in w["any_of"].items()
                    if any(_starts(n, terms) for n in held)]
            if not hits:
                continue
            finding = hits[0]
        values: dict[str, object] = {"age": age, "finding": finding}
        if "measure" in w:
            code = w["measure"]
            last = latest.get(code)
            if last is None and not holdings.has(code):
                if "older_than_days" not in w:
                    continue
                values["when"] = "never on record"
            elif last is not None:
                value, day = last
                if "latest_at_least" in w and value < w["latest_at_least"]:
                    continue
                if "older_than_days" in w:
                    if (today - date.fromisoformat(day)).days <= w["older_than_days"]:
                        continue
                values |= {"value": fmt(value, "mm[Hg]" if code == "8480-6" else None),
                           "date": day, "when": f"on {day}"}
            else:
                continue
        out.append(rule["question"].format(**values))
    return tuple(out)


def _starts(name: str, terms: Iterable[str]) -> bool:
    """Whether a word of `name` starts with one of `terms` ("diabet" in "type 2 diabetes",
    not in "prediabetes", whose hyphenated spelling an `except` list names)."""
    return any(re.search(rf"(?<![a-z]){re.escape(t)}", name) for t in terms)


# Severity order of a concern (lower first): critical, out of range now, unfavourable
# trend, other, past issue.
def _rank(f: Finding) -> int:
    text = f.concern or ""
    if f.kind == "critical":
        return 0
    if "is above the reference range" in text or "is below the reference range" in text \
            or f.kind in ("kidney", "bp_control"):
        return 1
    if "less favourable direction" in text:
        return 2
    if "Most recent out-of-range" in text:
        return 4
    return 3


def ranked_concerns(findings: list[Finding]) -> list[str]:
    ordered = sorted((f for f in findings if f.concern), key=_rank)
    return list(dict.fromkeys(str(f.concern) for f in ordered))
