"""Red-flag triage: symptoms that need urgent care now, not an analysis of old records.

Matching is deliberately broad (a false alarm costs a sentence; a miss could cost a
life), and it runs before anything else so the notice leads the answer whatever the
rest of it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from agents.findings import fmt

if TYPE_CHECKING:
    from storage.vault import Vault

RECENT_CRITICAL_DAYS = 30
CRITICAL_VALUE = "critical_value"  # the category of an urgency the records raise

EMERGENCY = ("Call your local emergency number (911 in the US, 112 in Europe) or go to the "
             "nearest emergency department now. This app reads past records and cannot help "
             "in an emergency.")
CRISIS = ("If you are thinking about ending your life or harming yourself, please call or "
          "text a crisis line now (988 in the US) or your local emergency number. You do not "
          "have to face this alone.")

# (category, pattern, notice)
RED_FLAGS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (name, re.compile(pattern, re.I), notice)
    for name, pattern, notice in (
        ("chest_pain", r"chest (pain|pressure|tightness|hurts?)|crushing chest|heart attack"
         r"|pain (in|radiating to) my (left )?(arm|jaw)", EMERGENCY),
        ("breathing", r"short(ness)? of breath|can'?t (catch my )?breath|cannot breathe"
         r"|can'?t breathe|difficulty breathing|trouble breathing|struggling to breathe"
         r"|gasping", EMERGENCY),
        ("stroke", r"\bstroke\b|face (is )?droop|facial droop|slurred speech|trouble speaking"
         r"|(numb|weak)(ness)? (on|in) one side|one side of my (body|face)|sudden(ly)? "
         r"(confus|numb|weak|vision loss|severe headache)|worst headache", EMERGENCY),
        ("bleeding", r"(severe|heavy|uncontrol\w*|won'?t stop|profuse)\s+\w*\s*bleed"
         r"|bleeding (heavily|that won'?t stop|a lot)|vomiting blood|coughing (up )?blood"
         r"|blood in (my )?vomit|black,? tarry stool", EMERGENCY),
        ("self_harm", r"suicid|kill myself|end (it all|my life)|want to die|self[- ]harm"
         r"|hurt myself|take my (own )?life|overdos", CRISIS),
        ("collapse", r"faint(ed|ing)|passed out|unconscious|unresponsive|having a seizure"
         r"|seizing now", EMERGENCY),
        ("anaphylaxis", r"anaphyla|throat (is )?(swelling|closing)|severe allergic", EMERGENCY),
        ("glucose_crisis", r"blood sugar (is )?(over|above) ?[4-9]\d\d|glucose (is )?(over|above) "
         r"?[4-9]\d\d|ketoacidosis", EMERGENCY),
    )
)


# A question about what the records hold ("Did I have a stroke?", "Any history of heart
# attack?") names an emergency without having one. It raises no emergency notice unless
# it also speaks of now ("I have chest pain", "my face is drooping now"); thoughts of
# self-harm always get the crisis line.
PAST_RECORD = re.compile(
    r"\b(did i (ever )?(have|get|suffer)|have i (ever )?(had|suffered|been diagnosed)"
    r"|history of|any record of|on (my )?records?|in my (records?|file|chart)"
    r"|was i (ever )?(diagnosed|treated|hospitali[sz]ed)|when did i (have|get)"
    r"|(ever )?been diagnosed with)\b", re.I)
PRESENT = re.compile(
    r"\b(right now|now|currently|at the moment|today|tonight|this (morning|evening|afternoon)"
    r"|i am having|i'?m having|i'?m feeling|i feel|i think i'?m|i'?m in|happening)\b"
    r"|(?<!did )(?<!do )\bi (have|'ve got|am|'m)\b(?! (had|ever|been))"
    r"|\bmy \w+ (is|are|feels?|hurts?)\b", re.I)


@dataclass(frozen=True)
class Triage:
    urgent: bool
    categories: tuple[str, ...]
    notice: str | None

    @property
    def advice(self) -> str | None:
        """An urgent answer's first recommendation: care now for the symptoms the question
        described; with none described (critical values in the records alone), a call to
        the clinician about those values, never "the symptoms you described"."""
        if not self.urgent:
            return None
        if any(c != CRITICAL_VALUE for c in self.categories):
            return "Seek urgent care now for the symptoms you described."
        return "Contact your clinician today about the critical values in your records."


def triage(question: str) -> Triage:
    about_records = PAST_RECORD.search(question) and not PRESENT.search(question)
    hits = [(name, notice) for name, pattern, notice in RED_FLAGS if pattern.search(question)
            and not (about_records and notice == EMERGENCY)]
    if not hits:
        return Triage(urgent=False, categories=(), notice=None)
    notices = list(dict.fromkeys(notice for _, notice in hits))
    return Triage(urgent=True, categories=tuple(name for name, _ in hits),
                  notice="Urgent: " + " ".join(notices))


def critical_triage(vault: Vault, patient_id: str, *, now: datetime | None = None) -> Triage:
    """The urgent notice the records raise themselves: critical values (beyond the limits
    of resources/critical_limits.json, not held for verification) from the last 30 days."""
    since = (now or datetime.now(UTC)) - timedelta(days=RECENT_CRITICAL_DAYS)
    recent = vault.measurements.critical(patient_id=patient_id, since=since)
    if not recent:
        return Triage(urgent=False, categories=(), notice=None)
    listed = "; ".join(f"{vault.measurements.measure(r.code).name} {fmt(r.value, r.unit)} on "
                       f"{r.at[:10]}" for r in recent[:4])
    return Triage(urgent=True, categories=(CRITICAL_VALUE,), notice=(
        f"Urgent: your records show critical values in the last {RECENT_CRITICAL_DAYS} days "
        f"({listed}). If this is how you are now, call your local emergency number or contact "
        "your clinician today."))


def combine(first: Triage, second: Triage) -> Triage:
    """Both triages' findings: urgent if either is, notices in order."""
    if not second.urgent:
        return first
    if not first.urgent:
        return second
    return Triage(urgent=True, categories=first.categories + second.categories,
                  notice=f"{first.notice} {(second.notice or '').removeprefix('Urgent: ')}")
