"""What is asked of the measures a question names, by the kind of request rather than
by example sentences:

- `comprehensive`: the whole person (overall, everything, a summary of my health/records,
  top to bottom, "how am I doing?" with nothing named).
- `correlation`: whether two things move together (related, linked, tied to, affect,
  track with, go up and down with).
- `medication_effect`: what a medication did to a measure (since starting, did X lower Y).
- `trend`: a change over time (history, over the years, getting better, since 2015).
- `extreme_low` / `extreme_high`: the lowest or highest value ever or in a period.
- `count`: how often or how many times (beyond a threshold, or how many results at all).
- `average`: the mean over the period (average, mean, typical).
- `first`: the earliest value in the period (first, earliest, at the start of 2015).
- `critical`: dangerous values (dangerously high, critical, alarming).
- `abnormal`: values outside their ranges.
- `presence`: whether something is on record at all (do I have, did my test come back,
  what conditions do I have, is the person alive).
- `evaluate`: how something is doing (how are my kidneys, is my sugar under control).
- `medication_list`: which medications (what am I taking, list my drugs).
- `lookup`: one value (what is my, latest, current, when did I last).
"""

from __future__ import annotations

import re

_PATTERNS: dict[str, str] = {
    "comprehensive": r"overall|whole (health|picture|body|me)|entire (record|health|history)"
                     r"|everything|all (of )?my (records?|data|health|results|history|information)"
                     r"|(complete|full|total|general|big) (picture|review|assessment|check ?up|"
                     r"summary|overview|health|physical|evaluation|rundown)"
                     r"|health (summary|overview|review|report|picture|check)"
                     r"|summar\w* (of )?my (health|records?|medical|history)|summar\w* everything"
                     r"|head[- ]to[- ]toe|top to bottom|across the board|doctor'?s note"
                     r"|annual review|how healthy am i|\bhow am i doing ?$"
                     r"|my health (in general|overall)|(summary|overview) of my",
    "correlation": r"correlat|relat(ed|ionship|e) (to|between|with)|linked|connect\w* (to|with|"
                   r"between)|associat\w* with|affect\w*|impact\w* (on|of)|go together"
                   r"|track\w* with|move\w* (together|with)|depend\w* on|because of|cause\w*"
                   r"|\blink|\btied (to|in with)|in step with|hand in hand"
                   r"|\b(go|goes|went|rise|rises|fall|falls) (up and down |together )?with",
    "medication_effect": r"(since|after|once|when) (i )?(start|began|begin|went on|got on|switch"
                         r"|have been on|been on|taking|going on)|before and after|effect|working"
                         r"|work\b|doing its job|help\w*|lower\w*|reduc\w*|bring\w* .*down"
                         r"|brought .*down|improv\w*|chang\w*|did \w+ (do|change)"
                         r"|(made|make|makes|making) (a|any|much of a) difference",
    "trend": r"trend|over time|over the (years|months|past|last)|history|histor|chang|improv"
             r"|wors|better|progress|going (up|down)|compare|comparison|side by side|since"
             r"|pattern|how ha(s|ve)|evolv|declin|rising|falling|plot|chart|graph"
             r"|from (19|20)\d\d|(last|past) \w+ (years|months|decade)|decade|lately"
             r"|over the years|through the years|year by year|(gone|go|went|come|came) (up|down)"
             r"|increas|decreas|\brose\b|\brisen\b|\bdropp|\bdrop\b|\bfell\b|\bfallen\b"
             r"|\b(lost|gained|put on|taken off)\b",
    "extreme_low": r"\b(lowest|minimum|min|smallest|least|lightest|the least (i|my)\b)\b",
    "extreme_high": r"\b(highest|maximum|max|peak|largest|worst|top|heaviest)\b"
                    r"|\bthe most (i|my|it)\b|\b(the )?most i('ve| have)? ever\b",
    "count": r"how (often|many|frequently)\b|number of (times|tests|results|readings)|count",
    "average": r"\baverage|\bmean\b|\btypical(ly)?\b|\busual(ly)?\b",
    "first": r"\b(first|earliest|initial)\b|\b(start|beginning) of\b|\bearly (19|20)\d\d",
    "critical": r"danger\w*|critical\w*|alarming|life[- ]threatening|emergency level|too high"
                r"|too low|scary|severe\w*",
    "abnormal": r"abnormal|out of (the )?(normal )?range|flagged|outside (the )?(normal|reference)"
                r"|too high|too low|worrying|concerning|red flags|not normal|off\b|danger\w*"
                r"|critical",
    "presence": r"^ ?(do|did|have|has|am|was|is there|are there) (i|my|any|there)\b.*\b(have|had"
                r"|positive|negative|come back|test|diagnos\w*|record\w*|ever)\b|\bdo i have\b"
                r"|\bam i (diabetic|anemic|obese|hypertensive|allergic)\b|\bcome back\b"
                r"|\bwhen (was|were|did) i (first )?(diagnosed|get|develop)"
                r"|\bhow long (have|has) (i|my)\b.*\b(had|been)\b|\bdiagnosed with\b"
                r"|\b(deceased|alive|dead|died|die|pass(ed)? away)\b"
                r"|^ ?(is there|are there|any)\b|\b(any|a) record of\b|\bon (record|file)\b"
                r"|\b(what|which|list|show|all)( \w+){0,3} (conditions|diagnos[ie]s|problems"
                r"|illnesses|diseases)\b",
    "evaluate": r"how (is|are|'s) my|how('s| is| are) my .* doing|doing|under control|control"
                r"|healthy|okay|ok\b|fine|good|bad|review|status|am i at risk|risk|look\w*",
    "medication_list": r"(what|which|list|show|all)( \w+)? (medications?|medicines?|drugs|pills|"
                       r"meds|prescriptions?)|what am i (taking|on)|(drugs|medications?|meds|"
                       r"pills) (am i|i'?m|i am) (taking|on|prescribed)|prescribed",
    "lookup": r"^ ?(what|what's|whats|tell me|give me|show me|when|which|how much do i weigh"
              r"|how (much|tall|heavy|big|old))|latest|most recent|current|last\b|right now|today"
              r"|\bnow\b|ever",
}
_COMPILED = {k: re.compile(v) for k, v in _PATTERNS.items()}
# "What am I taking for my blood pressure?": the medications for what the question names
PURPOSE = re.compile(r"\b(taking|take|on|prescribed|given|medications?|medicines?|drugs|pills"
                     r"|meds|tablets?|treatment)\s+for\b")


def intents_of(lowered: str, *, has_items: bool, medication: bool) -> frozenset[str]:
    found = {name for name, pattern in _COMPILED.items() if pattern.search(lowered)}
    if not medication:
        found.discard("medication_effect")  # "improved" alone is a trend
    elif "medication_effect" in found and not (has_items or re.search(
            r"work|help|effect|doing its job", lowered)):
        found.discard("medication_effect")
    if "medication_effect" in found:
        found.discard("correlation")  # "since starting X, did Y change" is not a correlation
    if "correlation" in found:
        found.discard("presence")  # "is there a link between ..." asks for the relation
    if PURPOSE.search(lowered) and re.search(r"\b(what|which)\b", lowered):
        found.add("medication_list")  # "what do I take for my cholesterol?"
    elif "medication_list" in found and has_items:
        found.discard("medication_list")
    if "presence" in found and has_items and re.search(r"\bever\b", lowered):
        # "have I ever had a high glucose?", "was my potassium ever low?": the readings
        # beyond the reference range answer, not a diagnosis
        if re.search(r"\b(high|elevated|raised|above (the )?normal)\b", lowered):
            found.add("extreme_high")
        if re.search(r"\b(low|below (the )?normal)\b", lowered):
            found.add("extreme_low")
    return frozenset(found)
