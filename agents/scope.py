"""Questions the app must not answer: diagnosing a new symptom and choosing doses. The
records can say what was measured and prescribed; they cannot examine a person or
weigh a dose against everything a clinician knows, so these get a clear "I can't help
with that; see a clinician" instead of an analysis that would look like an answer.
"""

from __future__ import annotations

import re

CANNOT = ("I can't help with {what}: this app reads your past records and cannot examine you "
          "or judge {which}. Please ask your doctor, nurse or pharmacist, who can. If it feels "
          "urgent, call your local emergency number.")

DOSING = re.compile(
    r"how (much|many|often) .*(should|can) i (take|use|inject|give)"
    r"|how (much|many) .*\bi (should|can|must) (take|use|inject|give)"
    r"|(what|which|right|correct|safe|max\w*) dose|dosage (should|for me)"
    r"|should i (take|stop|start|increase|decrease|double|skip|change|cut|halve|reduce|up) "
    r"|(can|may) i (take|stop|double|skip|mix|combine|drink)|is it safe to (take|stop|mix|combine)"
    r"|is it (ok|okay|alright|all right|fine|safe) (for me )?to (take|stop|start|skip|double|mix"
    r"|combine|drink|come off)"
    r"|(increase|decrease|double|adjust|change) my (dose|dosage|insulin|medication)")
SYMPTOM = re.compile(
    r"\bi (have|'?ve got|'?ve been having|am having|'?m having|feel|'?m feeling|keep getting"
    r"|noticed|get)\b.*\b(pain|ache|aching|rash|lump|cough|dizz\w*|fever|headache|nause\w*"
    r"|vomit\w*|swelling|swollen|tired|fatigue|itch\w*|sore|bleed\w*|numb\w*|tingl\w*"
    r"|spots?|discharge|cramp\w*|palpitation\w*|diarrh\w*|constipat\w*|insomnia)"
    r"|what('s| is) wrong with me|(what|why) (could|might|would) (it|this) be"
    r"|\bmy \w+ (hurts?|aches?|is (sore|swollen|itchy|numb|burning))\b"
    r"|what('s| is| could be| might be| would be) caus\w* (my|this|these|the)\b"
    r"|why (do|am|does|is|have) (i|my)\b.*\b(feel\w*|hurt\w*|ache\w*|tired|dizzy|sick|pain\w*"
    r"|itch\w*|sore|swollen|cough\w*|bleed\w*|nause\w*|headache\w*)"
    r"|diagnos\w* (me|my symptom|this)|what (do|does|could|might) (i|it|this) have"
    r"|do i have (cancer|covid|the flu|an infection) (because|since|with)")


def out_of_scope(lowered: str) -> str | None:
    """The sentence to answer with when the question is out of scope, else None."""
    if DOSING.search(lowered):
        return CANNOT.format(what="choosing or changing a dose", which="what dose is right "
                             "for you")
    if SYMPTOM.search(lowered):
        return CANNOT.format(what="working out what a symptom means", which="what is causing it")
    return None
