"""The answer's first sentence when the question is one the findings answer directly:
out of scope, the person's age or death, nothing on record, a coded result, the kidneys, a
condition asked about, an extreme or a count, dangerous values, a medication's baseline,
the list of medications. None when the general templates should answer."""

from __future__ import annotations

import re

from agents.findings import Finding, in_prose
from agents.question import Question
from agents.team.templates import condition_answer
from agents.timeframe import during
from storage.repos.measures import measure


def _first(findings: list[Finding], kind: str) -> Finding | None:
    return next((f for f in findings if f.kind == kind), None)


def not_found(q: Question, nearest: tuple[str, ...]) -> str:
    names = list(dict.fromkeys(in_prose(n) for n in q.missing))
    what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    period = during(q.period)
    text = f"Your records have no {what} results{period}."
    if nearest:
        text += " The closest things they hold are " + ", ".join(nearest) + "."
    return text


def _about_asked(q: Question, critical: Finding) -> bool:
    """Whether dangerous values answer the question: asked of no measure ("any dangerous
    readings?"), or of one that has them. "Is my cholesterol too high?" is answered with
    the cholesterol; a critical blood pressure stays among the concerns."""
    if not q.items or not critical.data.get("count"):
        return True
    asked = {measure(code).key for code in q.codes}
    return bool(asked & set(critical.data.get("measures") or ()))  # type: ignore[call-overload]


def direct_answer(q: Question, findings: list[Finding], nearest: tuple[str, ...] = ()
                  ) -> str | None:
    if q.out_of_scope:
        return q.out_of_scope
    if q.not_kept and not q.items:
        named = list(dict.fromkeys(q.not_kept))
        where = "Your clinic or patient portal has them."
        if any(" on " in n for n in named):  # entries listed, without what they showed
            return (f"Your records list {'; '.join(named)}, but not what it showed: imaging "
                    f"and procedure reports are not imported into this app. {where}")
        return (f"Your records here hold no {' or '.join(named)} reports, but that says "
                f"nothing: imaging and procedure reports are not imported into this app. "
                f"{where}")
    said = [f.text for f in findings if f.kind in ("age", "vital_status")]
    if said and not q.items:  # the person's own facts: age, death
        return " ".join(said)
    for kind in ("vaccinations", "allergies", "visits"):  # record lists asked for by name
        listed = _first(findings, kind)
        if listed is not None:
            return listed.text
    for kind in ("latest_results", "current_abnormal", "bmi_category", "glycemic_category",
                 "cholesterol_ratio"):  # asked by name
        said = _first(findings, kind)
        if said:
            return said.text
    coded = _first(findings, "coded_result")
    if coded:
        conditions = _first(findings, "conditions")  # a diagnosis of the same topic too
        said = f" {conditions.text}" if conditions is not None and conditions.support and \
            conditions.data.get("words") else ""  # the topic's, not every condition
        return f"Your most recent {coded.text}{said}"
    if q.missing and not q.items:  # conditions only answer a topic's question ("kidneys")
        conditions = _first(findings, "conditions") if q.topics else None
        if conditions and conditions.support:
            return f"{not_found(q, ())} {conditions.text}"
        if conditions is not None and "presence" in q.intents:
            return f"Your records list no such condition. {not_found(q, ())}"
        return not_found(q, nearest)
    kidney = _first(findings, "kidney")
    if kidney:
        return kidney.text.replace("Kidneys: your", "Your", 1)
    if "presence" in q.intents and not {"abnormal", "critical"} & q.intents:
        # ("any abnormal blood tests?" asks about results, not a diagnosis)
        conditions = _first(findings, "conditions")
        # no such condition, but the measure asked about is held: its reading answers
        ranged = q.items and {"extreme_low", "extreme_high"} & q.intents  # "ever a high X?"
        if conditions is not None and not q.threshold and not ranged and (
                conditions.support or not q.items):
            return condition_answer(q.text, conditions)
    critical = _first(findings, "critical")
    if critical is not None and _about_asked(q, critical):
        if critical.data.get("count"):
            return critical.text
        return (f"No reading reached a dangerous (critical) level: {critical.text[0].lower()}"
                f"{critical.text[1:]}")
    for kind in ("comparison", "statistic", "extreme"):  # what was asked of the measure
        asked = [f for f in findings if f.kind == kind]
        if asked:
            text = " ".join(dict.fromkeys(f.text for f in asked))
            if "presence" in q.intents and any("threshold" in f.data for f in asked):
                # "did it ever go above 160?", "have I ever had a high glucose?"
                beyond = sum(int(f.data.get("count") or 0) for f in asked)
                conditions = _first(findings, "conditions")
                also = f" {conditions.text}" if conditions and conditions.support else ""
                return f"{'Yes' if beyond else 'No'}: {text[0].lower()}{text[1:]}{also}"
            return text
    baseline = _first(findings, "baseline")
    if baseline and "medication_effect" in q.intents:
        return baseline.text
    meds = _first(findings, "medications")
    if meds and q.medication and re.match(r"\s*(am i|do i|is|have i been|are)\b", q.text.lower()):
        # "Am I still on simvastatin?": yes or no, then the course
        yes = int(meds.data.get("active") or 0) > 0  # type: ignore[call-overload]
        return f"{'Yes' if yes else 'No'}: {meds.text[0].lower()}{meds.text[1:]}"
    if meds and (("medication_list" in q.intents) or (q.medication and not meds.support)):
        return meds.text
    return None
