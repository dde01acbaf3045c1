"""Each specialist's analysis: which tools it runs for a question, turned into findings.

Every number in a finding comes from a tool query. A specialist looks first at the
metrics the question names within its domain, else at its domain's core metrics.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date

from agents import tools, vocabulary
from agents.assess import LAB_SYSTEMS
from agents.codes import BLOOD_PRESSURE, GLUCOSE, HBA1C, LIPIDS, metric
from agents.findings import Finding, trend_finding
from agents.intents import PURPOSE
from agents.question import Question
from agents.team import answers
from agents.team import templates as more
from agents.team.job import Job
from agents.tools.medications import MedicationTimeline

# Word starts of the conditions endocrinology reviews (prediabetes too: asked "do I have
# diabetes?" the answer names it, as not the same diagnosis).
ENDOCRINE_CONDITIONS = ("diabet", "prediabet", "glyc", "hyperglyc", "hypoglyc", "thyroid",
                        "hypothyroid", "hyperthyroid")
# Which metric a medication is usually judged by (a statin by LDL, metformin by HbA1c ...).
MEDICATION_TARGETS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("statin",), ("18262-6", "2093-3")),
    (("metformin", "insulin", "glipizide", "sitagliptin", "liraglutide"), (HBA1C, GLUCOSE)),
    (("pril", "sartan", "amlodipine", "thiazide", "olol"), BLOOD_PRESSURE),
    (("levothyroxine",), ("3016-3",)),
)


def asked(job: Job, systems: Collection[str]) -> tuple[str, ...]:
    return tuple(c for c in job.question.codes if metric(c).system in systems)


def trends(job: Job, codes: tuple[str, ...], *, keep_empty: bool = True) -> list[Finding]:
    out, empty = [], []
    for i, code in enumerate(codes):
        job.step(f"Analyzing {metric(code).name} trend", i / max(len(codes), 1))
        f = trend_finding(tools.trend(job.vault, patient_id=job.patient_id, code=code,
                                      window=job.question.window))
        if f.has_data or keep_empty:
            out.append(f)
        if not f.has_data:
            empty.append(code)
    return (out + answers.extreme_findings(job, codes) + answers.statistic_findings(job, codes)
            + answers.comparison_findings(job, codes)
            + answers.nearest_findings(job, tuple(empty)))


def topic_conditions(job: Job, systems: tuple[str, ...]) -> list[Finding]:
    """The recorded conditions of the question's topics within `systems`."""
    words = tuple(w for tid in job.question.topics
                  if (t := vocabulary.by_id().get(tid)) and t.system in systems
                  for w in t.conditions)
    if not words:
        return []
    return more.condition_findings(tools.conditions(job.vault, patient_id=job.patient_id),
                                   words, topic=True)


def cardiology(job: Job) -> list[Finding]:
    codes = asked(job, ("lipids", "blood_pressure", "vitals")) or (*LIPIDS, *BLOOD_PRESSURE)
    explicit = bool(asked(job, ("lipids", "blood_pressure", "vitals")))
    found = topic_conditions(job, ("cardiac", "lipids", "blood_pressure"))
    said = [answers.latest_results_finding(job),  # "what are my vital signs?"
            answers.cholesterol_ratio_finding(job)]
    found += [f for f in said if f]
    found += trends(job, codes, keep_empty=explicit)
    if any(c in BLOOD_PRESSURE for c in codes):
        job.step("Checking blood pressure control", 0.8)
        found.append(more.bp_finding(tools.bp_control(
            job.vault, patient_id=job.patient_id, window=job.question.window)))
    return found


def laboratory(job: Job) -> list[Finding]:
    codes = asked(job, LAB_SYSTEMS)
    found = answers.coded_findings(job)
    if "kidney" in job.question.topics:
        job.step("Staging kidney function (KDIGO)", 0.2)
        kidney = answers.kidney_finding(job)
        found += [kidney] if kidney else []
    found += topic_conditions(job, ("kidney", "liver", "infection", "other_lab", "blood_count"))
    found += trends(job, tuple(c for c in codes if not vocabulary.measure_of(c)
                               or not vocabulary.measure_of(c)[0].coded))  # type: ignore[index]
    if "critical" in job.question.intents:
        job.step("Looking for dangerous values", 0.6)
        found.append(answers.critical_finding(job))
    said = [answers.latest_results_finding(job), answers.current_abnormal_finding(job)]
    found += [f for f in said if f]
    job.step("Reviewing results outside reference ranges", 0.7)
    found.append(more.abnormal_finding(tools.out_of_range(
        job.vault, patient_id=job.patient_id, codes=codes, window=job.question.window,
        labs_only=job.question.labs_only)))
    return found


def endocrinology(job: Job) -> list[Finding]:
    codes = asked(job, ("glycemic", "thyroid")) or (HBA1C, GLUCOSE)
    recorded = tools.conditions(job.vault, patient_id=job.patient_id)
    category = answers.glycemic_category_finding(job, recorded)  # "am I at risk for ...?"
    found = [category] if category else []
    found += trends(job, codes, keep_empty=bool(asked(job, ("glycemic", "thyroid"))))
    if GLUCOSE in codes:
        job.step("Computing glucose time in range", 0.7)
        tir = tools.glucose_time_in_range(job.vault, patient_id=job.patient_id,
                                          window=job.question.window)
        if tir.n:
            found.append(more.tir_finding(tir))
    job.step("Reviewing diabetes-related conditions", 0.9)
    # a thyroid question reviews the thyroid's conditions, not the diabetes ones
    return found + (topic_conditions(job, ("glycemic", "thyroid")) or more.condition_findings(
        recorded, ENDOCRINE_CONDITIONS, topic="presence" in job.question.intents))


def data_analysis(job: Job) -> list[Finding]:
    items = job.question.items
    firsts = [item[0] for item in items]
    found = trends(job, tuple(firsts[:3]))
    pairs = list(zip(firsts, firsts[1:], strict=False))
    if not pairs and firsts:
        pairs = [(firsts[0], "29463-7")] if firsts[0] != "29463-7" else [(firsts[0], "8480-6")]
    for i, (a, b) in enumerate(pairs[:3]):
        job.step(f"Correlating {metric(a).name} with {metric(b).name}", 0.5 + i * 0.15)
        found.append(more.correlation_finding(tools.correlation(
            job.vault, patient_id=job.patient_id, code_a=a, code_b=b,
            window=job.question.window)))
    return found


def preventive_medicine(job: Job) -> list[Finding]:
    job.step("Checking screening coverage", 0.3)
    cov = tools.coverage(job.vault, patient_id=job.patient_id)
    found = more.screening_findings(cov)
    topics = job.question.topics
    if "vaccines" in topics or re.search(r"vaccin|immuni[sz]", job.question.text.lower()):
        job.step("Listing vaccinations", 0.5)
        found.insert(0, answers.vaccination_finding(job))
    found += answers.coded_findings(job)  # smoking status and other coded history
    found += topic_conditions(job, ("prevention",))
    found.extend(trends(job, asked(job, ("activity", "body")), keep_empty=True))
    return found


def pharmacy(job: Job) -> list[Finding]:
    job.step("Building the medication timeline", 0.2)
    q = job.question
    timeline = tools.medication_timeline(job.vault, patient_id=job.patient_id)
    stopped = bool(re.search(r"stopp|\bstop\b|used to|past|previous|former|ever|history|all"
                             r"|no longer"
                             r"|c[oa]me off|discontinu|quit|ended|gave up|went off",
                             q.text.lower()))
    purposed = None if q.medication else _for_purpose(q, timeline)
    found = [purposed or more.timeline_finding(timeline, q.medication, stopped=stopped,
                                               window=q.window, period=q.period)]
    if "allergies" in q.topics:
        job.step("Listing allergies", 0.3)
        found.insert(0, answers.allergy_finding(job))
    if q.medication:
        course = timeline.find(q.medication)
        courses = [course] if course else []
    else:
        courses = [c for c in timeline.courses if c.active][:3] if q.items or (
            "medication_effect" in q.intents) else []
    for course in courses:
        targets = q.codes or _targets(course.name)
        for code in targets[:2]:
            job.step(f"Comparing {metric(code).name} before and after {course.name}", 0.6)
            if course.start:
                found.append(answers.baseline_finding(job, code, course.name, course.start))
            ba = tools.before_after(job.vault, patient_id=job.patient_id, code=code,
                                    medication=q.medication or course.name)
            if ba.before_n or ba.after_n:
                found.append(more.before_after_finding(ba))
    return found


def _for_purpose(q: Question, timeline: MedicationTimeline) -> Finding | None:
    """"What am I taking for my blood pressure?": the active courses whose recorded reason
    is one of the asked topic's conditions, or whose drug is one usually judged by the
    asked measure (MEDICATION_TARGETS); None unless the question asks what a medicine is
    for."""
    if not (PURPOSE.search(q.text.lower()) and (q.topics or q.items)):
        return None
    words = tuple(w for tid in q.topics if (t := vocabulary.by_id().get(tid))
                  for w in t.conditions)
    stems = tuple(s for names, codes in MEDICATION_TARGETS if set(codes) & set(q.codes)
                  for s in names)
    chosen = tuple(c for c in timeline.courses if c.active and (
        (c.reason and any(w in c.reason.lower() for w in words))
        or any(s in c.name.lower() for s in stems)))
    if not chosen:
        return Finding("medications", "None of your active medications on record is "
                       "recorded for that, or is a kind usually given for it.",
                       {"courses": [], "active": 0, "stopped": 0}, (), evidence=0)
    return more.timeline_finding(replace(timeline, courses=chosen), None)


def _targets(name: str) -> tuple[str, ...]:
    lowered = name.lower()
    for words, codes in MEDICATION_TARGETS:
        if any(w in lowered for w in words):
            return codes
    return ()


def nutrition(job: Job) -> list[Finding]:
    codes = asked(job, ("body",)) or ("29463-7", "39156-5")
    category = answers.bmi_category_finding(job)  # "am I overweight?"
    found = ([category] if category else []) + trends(job, codes,
                                                      keep_empty=bool(asked(job, ("body",))))
    found.extend(trends(job, tuple(c for c in asked(job, ("lipids", "glycemic"))
                                   if c in ("2571-8", HBA1C, GLUCOSE)), keep_empty=False))
    return found


def general_practice(job: Job) -> list[Finding]:
    job.step("Reviewing your records overview", 0.2)
    cov = tools.coverage(job.vault, patient_id=job.patient_id)
    found = [more.coverage_finding(cov)]
    if "death" in job.question.topics:
        found.insert(0, answers.vital_status_finding(job))
    if "age" in job.question.topics:
        found.insert(0, answers.age_finding(job, date.today()))
    # visits asked for themselves, not "my height at my last visit" (the height answers)
    if "visits" in job.question.topics and not job.question.items:
        job.step("Listing visits", 0.3)
        found.insert(0, answers.visits_finding(job))
    found.extend(more.condition_findings(tools.conditions(job.vault, patient_id=job.patient_id)))
    found += answers.coded_findings(job)  # answers in words: a survey's, a coded result's
    other = tuple(c for c in job.question.codes if metric(c).system in ("symptoms", "other"))
    found.extend(trends(job, other or tuple(
        c for c in ("8480-6", "39156-5", HBA1C) if c in cov.by_code), keep_empty=bool(other)))
    return found


ANALYSES: dict[str, Callable[[Job], list[Finding]]] = {
    "cardiology": cardiology, "laboratory": laboratory, "endocrinology": endocrinology,
    "data_analysis": data_analysis, "preventive_medicine": preventive_medicine,
    "pharmacy": pharmacy, "nutrition": nutrition, "general_practice": general_practice,
}
