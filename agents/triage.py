"""Red-flag triage: symptoms that need urgent care now, not an analysis of old records.

Matching is deliberately broad (a false alarm costs a sentence; a miss could cost a
life), and it runs before anything else so the notice leads the answer whatever the
rest of it says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Triage:
    urgent: bool
    categories: tuple[str, ...]
    notice: str | None


def triage(question: str) -> Triage:
    hits = [(name, notice) for name, pattern, notice in RED_FLAGS if pattern.search(question)]
    if not hits:
        return Triage(urgent=False, categories=(), notice=None)
    notices = list(dict.fromkeys(notice for _, notice in hits))
    return Triage(urgent=True, categories=tuple(name for name, _ in hits),
                  notice="Urgent: " + " ".join(notices))
