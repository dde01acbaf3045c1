"""What a question asks, read by rules: which metrics, which intent, which window, and
whether a medication or a correlation is involved. The CMO's assessment and every
specialist start from this; a follow-up inherits what it leaves out from the previous
question of its conversation ("and my LDL?" keeps the trend intent and the window).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from agents.codes import BLOOD_PRESSURE, GLUCOSE, HBA1C, LIPIDS, METRICS, codes_for
from agents.tools.base import ALL_TIME, Window

# Words naming a group of metrics; one group counts as one asked item.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lipid panel", LIPIDS), ("lipids", LIPIDS), ("lipid", LIPIDS),
    ("cholesterol panel", LIPIDS), ("cholesterol levels", LIPIDS),
    ("blood pressure", BLOOD_PRESSURE), ("hypertension", BLOOD_PRESSURE),
    ("diabetes", (HBA1C, GLUCOSE)), ("diabetic", (HBA1C, GLUCOSE)),
    ("blood sugar control", (HBA1C, GLUCOSE)), ("glycemic", (HBA1C, GLUCOSE)),
    ("kidney", codes_for("kidney")), ("renal", codes_for("kidney")),
    ("liver", codes_for("liver")), ("blood count", codes_for("blood_count")),
    ("cbc", codes_for("blood_count")), ("anemia", codes_for("blood_count")),
    ("electrolytes", codes_for("electrolytes")), ("metabolic panel", codes_for("electrolytes")),
    ("vital signs", ("8867-4", *BLOOD_PRESSURE)), ("vitals", ("8867-4", *BLOOD_PRESSURE)),
    ("cardiovascular", (*LIPIDS, *BLOOD_PRESSURE)), ("heart health", (*LIPIDS, *BLOOD_PRESSURE)),
    ("heart disease", (*LIPIDS, *BLOOD_PRESSURE)), ("heart", (*LIPIDS, *BLOOD_PRESSURE)),
)

INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "comprehensive": ("overall health", "full assessment", "comprehensive", "complete picture",
                      "everything", "all my results", "health summary", "full health",
                      "whole picture", "annual review", "complete review", "full review",
                      "complete assessment", "general health", "head to toe", "full checkup"),
    "correlation": ("correlat", "relationship between", "related to", "relate to", "linked",
                    "connection between", "associated with", "affect my", "affects my",
                    "impact of my", "go together", "track with"),
    "medication_effect": ("since starting", "since i started", "after starting", "since taking",
                          "after i started", "effect", "working", "help", "before and after",
                          "since going on", "improve", "lower", "reduc", "changed", "since i began",
                          "on my medication", "since beginning"),
    "abnormal": ("abnormal", "out of range", "flagged", "outside the normal", "outside normal",
                 "too high", "too low", "worrying", "concerning", "red flags in my"),
    "trend": ("trend", "over time", "over the last", "over the past", "history", "changed",
              "changing", "improv", "wors", "progress", "going up", "going down", "compare",
              "years", "since 20", "since 19", "pattern", "how has", "evolv", "decline"),
    "latest": ("latest", "last ", "most recent", "current", "what is my", "what's my",
               "what was my", "recent", "now", "today"),
}

MEDICATION_WORDS = ("medication", "medicine", "drug", "pill", "prescription", "statin",
                    "metformin", "insulin", "lisinopril", "amlodipine", "metoprolol",
                    "hydrochlorothiazide", "losartan", "atorvastatin", "simvastatin",
                    "rosuvastatin", "levothyroxine", "aspirin", "warfarin", "dose")
PREVENTION_WORDS = ("prevent", "screening", "risk", "vaccin", "check-up", "checkup", "due for")
LAB_WORDS = (" lab ", " labs ", "lab result", "lab test", "blood work", "bloodwork",
             "blood test", "test results")
NUTRITION_WORDS = ("diet", "food", "eat", "nutrition", "weight", "bmi", "obes")
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|also|same for|and what about)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    items: tuple[tuple[str, ...], ...] = ()  # asked metrics, one tuple of codes per item
    intents: frozenset[str] = frozenset()
    medication: str | None = None  # a medication named in the question
    mentions_medication: bool = False
    mentions_prevention: bool = False
    mentions_nutrition: bool = False
    mentions_labs: bool = False
    window: Window = ALL_TIME
    follow_up: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            for code in item:
                seen.setdefault(code, None)
        return tuple(seen)

    def to_context(self) -> dict[str, object]:
        """What a follow-up needs from this question (stored with the query)."""
        return {"items": [list(i) for i in self.items], "intents": sorted(self.intents),
                "medication": self.medication,
                "since": self.window.since.isoformat() if self.window.since else None,
                "until": self.window.until.isoformat() if self.window.until else None}


def parse(text: str, *, medications: tuple[str, ...] = (), today: date | None = None,
          previous: dict[str, object] | None = None) -> Question:
    lowered = " " + re.sub(r"[^a-z0-9%./' -]+", " ", text.lower()) + " "
    items = _items(lowered)
    intents = {k for k, words in INTENT_WORDS.items() if any(w in lowered for w in words)}
    medication = _medication(lowered, medications)
    mentions_medication = medication is not None or any(w in lowered for w in MEDICATION_WORDS)
    if not mentions_medication:  # "improved" alone is a trend, not a medication effect
        intents.discard("medication_effect")
    q = Question(
        text=text, items=items, intents=frozenset(intents), medication=medication,
        mentions_medication=mentions_medication,
        mentions_prevention=any(w in lowered for w in PREVENTION_WORDS),
        mentions_nutrition=any(w in lowered for w in NUTRITION_WORDS),
        mentions_labs=any(w in lowered for w in LAB_WORDS),
        window=_window(lowered, today or date.today()),
        follow_up=bool(_FOLLOW_UP.match(text)) or (len(text.split()) <= 4 and previous is not None),
    )
    return _inherit(q, previous) if previous and q.follow_up else q


def _items(lowered: str) -> tuple[tuple[str, ...], ...]:
    found: list[tuple[int, tuple[str, ...]]] = []
    text = lowered
    names = [(g, codes) for g, codes in GROUPS]
    names += [(alias, (m.code,)) for m in METRICS for alias in m.aliases if alias != "bp"]
    names += [(" bp ", BLOOD_PRESSURE)]
    for alias, codes in sorted(names, key=lambda x: -len(x[0])):
        pattern = re.escape(alias) if alias.startswith(" ") else rf"\b{re.escape(alias)}\b"
        for m in re.finditer(pattern, text):
            found.append((m.start(), codes))
        text = re.sub(pattern, lambda m: " " * len(m.group(0)), text)
    ordered: list[tuple[str, ...]] = []
    for _, codes in sorted(found, key=lambda x: x[0]):
        if codes not in ordered:
            ordered.append(codes)
    return tuple(ordered)


def _medication(lowered: str, medications: tuple[str, ...]) -> str | None:
    for name in medications:
        for word in re.findall(r"[a-z]{5,}", name.lower()):
            if word in lowered and word not in ("oral", "tablet", "release", "extended",
                                                "injection", "solution", "hydrochloride"):
                return word
    for word in ("statin", "metformin", "insulin", "lisinopril", "amlodipine", "metoprolol",
                 "hydrochlorothiazide", "losartan", "levothyroxine"):
        if word in lowered:
            return word
    return None


def _window(lowered: str, today: date) -> Window:
    if m := re.search(r"(?:last|past)\s+(\d+)\s+(year|month|week)", lowered):
        n, unit = int(m.group(1)), m.group(2)
        days = n * {"year": 365, "month": 30, "week": 7}[unit]
        return Window(since=date.fromordinal(today.toordinal() - days))
    if m := re.search(r"(?:last|past)\s+(year|month|week)", lowered):
        days = {"year": 365, "month": 30, "week": 7}[m.group(1)]
        return Window(since=date.fromordinal(today.toordinal() - days))
    if m := re.search(r"since\s+((?:19|20)\d\d)", lowered):
        return Window(since=date(int(m.group(1)), 1, 1))
    if m := re.search(r"\bin\s+((?:19|20)\d\d)\b", lowered):
        year = int(m.group(1))
        return Window(since=date(year, 1, 1), until=date(year, 12, 31))
    return ALL_TIME


def _inherit(q: Question, previous: dict[str, object]) -> Question:
    items = q.items or tuple(tuple(i) for i in previous.get("items") or ())  # type: ignore[attr-defined]
    intents = q.intents or frozenset(previous.get("intents") or ())  # type: ignore[arg-type]
    window = q.window
    if window == ALL_TIME and (previous.get("since") or previous.get("until")):
        since, until = previous.get("since"), previous.get("until")
        window = Window(since=date.fromisoformat(str(since)) if since else None,
                        until=date.fromisoformat(str(until)) if until else None)
    medication = q.medication or (previous.get("medication") if not q.items else None)
    return replace(q, items=items, intents=intents, window=window,
                   medication=medication,  # type: ignore[arg-type]
                   mentions_medication=q.mentions_medication or medication is not None)
