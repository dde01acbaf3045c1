"""The CMO's templated synthesis: an answer in the first sentence, then key findings,
recommendations, concerns, confidence and a short not-medical-advice note.

This is the offline answer and the fallback whenever a model's prose fails the numeric
guard; a model only rewrites `summary` from the same facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from agents.asked_units import written
from agents.clinical import albuminuria_stage
from agents.codes import BLOOD_PRESSURE, metric
from agents.direct import direct_answer, not_found
from agents.findings import (
    DIRECTION_WORDS,
    Finding,
    fmt,
    key_finding,
    plural,
    range_movement,
    reference_note,
)
from agents.note import Note, ranked_concerns
from agents.question import Question
from agents.team.templates import listing
from agents.timeframe import during
from storage.repos.measures import measure, measure_key

# "better or worse", "improving", "getting worse": the trend also says where its first and
# latest values stand against the reference range
BETTER_OR_WORSE = re.compile(r"\b(better|worse|wors\w+|improv\w*|deteriorat\w*)\b", re.I)
# a trend's direction as the blood pressure answer says it
MOVED = {**DIRECTION_WORDS, "increasing": "rising", "decreasing": "falling"}
DISCLAIMER = ("This summary comes from your own records and is not medical advice; talk to "
              "your clinician before changing any treatment.")


@dataclass
class Synthesis:
    summary: str
    answer: str
    key_findings: list[dict[str, Any]]
    recommendations: list[str]
    concerns: list[str]
    confidence: float
    disclaimer: str = DISCLAIMER
    urgent_notice: str | None = None
    engine: str = "offline"
    fallback_reason: str | None = None  # why a model's summary was not used

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "key_findings": self.key_findings,
                "recommendations": self.recommendations, "concerns": self.concerns,
                "confidence": self.confidence, "disclaimer": self.disclaimer,
                "urgent_notice": self.urgent_notice, "engine": self.engine,
                "fallback_reason": self.fallback_reason}


def unique_trends(findings: list[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        if f.kind == "trend" and f.code and f.code not in out:
            out[f.code] = f
    return out


def answer_sentence(q: Question, findings: list[Finding], nearest: tuple[str, ...] = (),
                    note: Note | None = None) -> str:
    direct = direct_answer(q, findings, nearest)
    if direct:
        return direct
    trends = unique_trends(findings)
    by_kind = {f.kind: f for f in reversed(findings)}  # first of each kind wins
    screenings = [f for f in findings if f.kind == "screening"]
    if "comprehensive" in q.intents:
        return (note.opening + " " if note else "") + _overview(
            trends, by_kind.get("coverage"), screenings)
    if screenings and note is not None and note.historical and not q.items:
        return f"{_last_checks(screenings)} {note.ending}"
    if "medication_effect" in q.intents and "before_after" in by_kind:
        d = by_kind["before_after"].data
        pct = d["change_percentage"]
        way = "" if pct is None else f" ({pct:+.1f}%, {'lower' if pct < 0 else 'higher'})"
        return (f"Since {d['medication']} started on {d['medication_start']}, your average "
                f"{d['metric']} went from {fmt(d['before_mean'], d['unit'])} to "
                f"{fmt(d['after_mean'], d['unit'])}{way}.")
    if "correlation" in q.intents and "correlation" in by_kind:
        return by_kind["correlation"].text
    if q.items:
        said = _about_item(q, q.items[0], trends, by_kind.get("bp_control"))
        topical = next((f for f in findings if f.kind == "conditions" and f.support
                        and f.data.get("words")), None)
        if topical and q.items[0][0] not in trends and q.items[0] != BLOOD_PRESSURE:
            # "How is my heart failure?" with no LVEF on record: the diagnosis first
            return f"{topical.text} {said}"
        return said
    if "medications" in by_kind:
        return by_kind["medications"].text
    if "abnormal" in by_kind:
        return by_kind["abnormal"].text
    return _overview(trends, by_kind.get("coverage"), screenings)


def _about_item(q: Question, item: tuple[str, ...], trends: dict[str, Finding],
                bp: Finding | None) -> str:
    scope = during(q.period)
    if item == BLOOD_PRESSURE or (item[0] in BLOOD_PRESSURE and bp is not None):
        if bp is None or not bp.has_data:
            return f"I found no blood pressure readings in your records{scope}."
        d = bp.data
        latest = "latest" if q.period else "most recent"
        share = (f"{'it was' if d['controlled_percentage'] else 'it was not'}" if d["n"] == 1
                 else f"{fmt(d['controlled_percentage'])}% of your {d['n']} readings were")
        said = (f"Your {latest} blood pressure{scope} was {fmt(d['latest_systolic'])}/"
                f"{fmt(d['latest_diastolic'])} mmHg on {d['latest_date']}, and {share} below "
                f"{d['target'][0]}/{d['target'][1]} mmHg.")
        if "trend" in q.intents or BETTER_OR_WORSE.search(q.text):
            said += _bp_directions(trends)
        return said
    f = trends.get(item[0])
    if f is None:
        return f"I found no {metric(item[0]).name} results in your records{scope}."
    d = f.data
    if d.get("last_value") is None:  # nothing usable: say what is held back
        held = d.get("unverified") or ()
        if not held:
            return f.text
        last = max(held, key=lambda r: str(r["date"]))
        return (f"Your latest {d['metric']} on record, {fmt(last['value'], last['unit'])} on "
                f"{str(last['date'])[:10]}, is not a credible value (ask whether it was a lab "
                f"or entry error, or an interfering condition), so there is no usable "
                f"{d['metric']} result{scope}.")
    value = written(d["last_value"], d["unit"], d["code"], q.unit)
    trended = d["direction"] != "insufficient_data" and d["change_percentage"] is not None
    period = f" ({q.period})" if q.period else ""
    if d["n"] >= 2 and trended and ("trend" in q.intents or len(item) > 1):
        # "+4.7% since 76 kg" is the change between the two values named (the fitted
        # change, which weighs every reading, can differ in sign from it)
        first, last = d["first_value"], d["last_value"]
        change = f"{(last - first) / abs(first) * 100:+.1f}% since " if first else "from "
        return (f"Your {d['metric']} has been {d['direction']}{period}: {value} on "
                f"{d['last_date']}, {change}"
                f"{written(first, d['unit'], d['code'], q.unit)} on {d['first_date']} "
                f"({plural(d['n'], 'result')})."
                + (range_movement(first, last, d.get("reference_low"),  # type: ignore[arg-type]
                                  d.get("reference_high"), d.get("unit"),  # type: ignore[arg-type]
                                  ("first", "latest"))
                   if BETTER_OR_WORSE.search(q.text) else ""))
    latest = "latest" if q.period else "most recent"
    return (f"Your {latest} {d['metric']}{scope} was {value} on {d['last_date']}"
            f"{_against_range(q, d)}.")


def _bp_directions(trends: dict[str, Finding]) -> str:
    """" Systolic has been falling (the favourable direction), diastolic stable.": how
    both numbers moved, for "is my blood pressure improving?" ("" without a trend)."""
    parts = []
    for code, name in zip(BLOOD_PRESSURE, ("systolic", "diastolic"), strict=True):
        f = trends.get(code)
        way = MOVED.get(str(f.data.get("direction"))) if f is not None else None
        if f is None or way is None:
            continue
        worse = measure(code).worse
        if worse is not None and f.data["direction"] in ("increasing", "decreasing"):
            bad = (f.data["direction"] == "increasing") == (worse == "higher")
            way += " (the less favourable direction)" if bad else " (the favourable direction)"
        parts.append((name, way))
    if not parts:
        return ""
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return f" Systolic and diastolic have both been {parts[0][1]}."
    (name, way), *rest = parts
    return " " + ", ".join([f"{name.capitalize()} has been {way}",
                            *(f"{n} {w}" for n, w in rest)]) + "."


def _against_range(q: Question, d: dict[str, object]) -> str:
    """", above the reference range (upper limit 150 mg/dL)" when the question asks whether
    a value is high, low, normal, at goal, worth a worry or how it is doing; "" otherwise."""
    if not ({"evaluate", "abnormal", "critical"} & q.intents or re.search(
            r"\b(high|low|normal|elevated|ok|okay|fine|goal|target|range|worr\w*|concern\w*"
            r"|acceptable|good|bad|healthy)\b", q.text.lower())):
        return ""
    value = d.get("last_value")
    if measure_key(str(d.get("code"))) == "urine_albumin_creatinine" and d.get("unit") == "mg/g" \
            and isinstance(value, int | float):  # judged by its KDIGO category
        a = albuminuria_stage(value)
        return f" (KDIGO albuminuria category {a.stage}, {a.label})"
    return reference_note(value, d.get("reference_low"),  # type: ignore[arg-type]
                          d.get("reference_high"), d.get("unit"),  # type: ignore[arg-type]
                          d.get("last_flag"))  # type: ignore[arg-type]


def _last_checks(screenings: list[Finding]) -> str:
    """The routine checks of a record that ended long ago or of a person who died: their
    dates, never whether one is due."""
    said = [f"{f.data['label']} on {f.data['last_date']}" if f.data.get("last_date")
            else f"no {f.data['label']}" for f in screenings]
    return f"The last routine checks on record: {listing(said)}."


def _overview(trends: dict[str, Finding], coverage: Finding | None,
              screenings: list[Finding]) -> str:
    if not trends:
        due = [f for f in screenings if f.recommendation]
        if due:
            return (f"{len(due)} of {len(screenings)} routine checks may be due: "
                    + " ".join(f.text for f in due))
        if screenings:
            return f"Your {len(screenings)} routine checks are up to date."
        return (coverage.text if coverage else "I found no measurements in your records to "
                "answer this.")
    flagged = [f for f in trends.values() if f.concern]
    steady = len(trends) - len(flagged)
    names = listing([str(f.data["metric"]) for f in flagged], limit=5)
    return (f"Across {len(trends)} measures reviewed, {steady} "
            f"{'looks' if steady == 1 else 'look'} steady or favourable and {len(flagged)} "
            f"{'deserves' if len(flagged) == 1 else 'deserve'} attention"
            + (f": {names}." if flagged else "."))


def synthesize(q: Question, findings: list[Finding], *, confidence: float,
               failed: list[str], urgent_notice: str | None, urgent_advice: str | None = None,
               nearest: tuple[str, ...] = (), note: Note | None = None) -> Synthesis:
    answer = answer_sentence(q, findings, nearest, note)
    held = {metric(c).name.lower() for c in q.codes}
    unheld = tuple(m for m in q.missing if m.lower() not in held)
    if unheld and q.items:  # one asked thing is held, another is not: say so
        answer += " " + not_found(replace(q, missing=unheld), ())
    if note and note.window_label:
        answer = f"{note.window_label} {answer}"
    trends = unique_trends(findings)
    asked = [c for item in q.items for c in item]
    # the first trend is the answer's, but a blood pressure answer says neither trend
    start = 0 if q.items and q.items[0] == BLOOD_PRESSURE else 1
    ordered = sorted(trends.values(),
                     key=lambda f: asked.index(f.code) if f.code in asked else len(asked))
    others = [] if q.out_of_scope or ((q.missing or q.not_kept) and not q.items) or (
        ("presence" in q.intents or {"death", "age", "visits"} & set(q.topics))
        and not q.items) else [
        f.text for f in ordered[start:start + 2] if f.text not in answer]
    near = [f.text for f in findings if f.kind == "nearest"]
    if near and answer.startswith(("I found no", "Your records have no")):
        answer += " " + " ".join(dict.fromkeys(near))  # where the readings are instead
    summary = " ".join([answer, *others])
    # a list of vaccinations answers "which vaccines have I had?"; the care gaps (a statin,
    # a kidney medicine) answer only what is due or missing, and stay among the concerns
    listed = {f.text for f in findings if f.kind == "vaccinations"}
    listing_only = answer in listed and not re.search(
        r"\b(due|missing|overdue|need|should|gaps?)\b", q.text.lower())
    if note and note.care_gaps and q.mentions_prevention and not listing_only and \
            "comprehensive" not in q.intents:
        summary += " Questions for your clinician: " + " ".join(note.care_gaps)
    if urgent_notice:
        summary = f"{urgent_notice} {summary}"
    concerns = ranked_concerns(findings)
    concerns += [f"{name} could not finish; this answer leaves that part out." for name in failed]
    recs = list(dict.fromkeys(f.recommendation for f in findings if f.recommendation
                              and not (note and note.historical and "due" in f.recommendation)))
    recs = recs[:5]
    if note:
        concerns += [g for g in note.care_gaps if g not in concerns]
    if not recs:
        recs = ["Keep tracking these values at your regular check-ups."]
    if urgent_advice:
        recs.insert(0, urgent_advice)
    return Synthesis(summary=summary, answer=answer,
                     key_findings=[key_finding(f) for f in ordered if f.has_data],
                     recommendations=recs, concerns=concerns, confidence=confidence,
                     urgent_notice=urgent_notice)
