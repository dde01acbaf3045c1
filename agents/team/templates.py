"""Findings for the tools beyond trends: each states its numbers in one templated sentence
(and, where the numbers call for it, a concern and a recommendation)."""

from __future__ import annotations

import os
import re
from datetime import date

from rapidfuzz import fuzz

from agents.findings import Finding, fmt
from agents.holdings import question_terms
from agents.timeframe import during
from agents.tools.analytics import BloodPressureControl, Correlation
from agents.tools.base import ALL_TIME, Window, plain
from agents.tools.coverage import ConditionList, Coverage
from agents.tools.medications import BeforeAfter, MedicationCourse, MedicationTimeline
from agents.tools.observations import OutOfRange
from storage.repos.measurement_types import TimeInRange


def _data(result: object) -> dict[str, object]:
    """A tool's result (or the query manager's, which some tools return as it is) as
    plain data for the finding, without its row ids (the finding holds those)."""
    d: dict[str, object] = plain(result)
    d.pop("row_ids", None)
    return d


def bp_finding(bp: BloodPressureControl) -> Finding:
    if not bp.n:
        return Finding("no_data", "No paired blood pressure readings were found for this period.",
                       _data(bp), (), "8480-6")
    text = (f"Blood pressure: latest {fmt(bp.latest_systolic)}/{fmt(bp.latest_diastolic)} mmHg "
            f"on {bp.latest_date}; average {fmt(bp.mean_systolic)}/{fmt(bp.mean_diastolic)} mmHg "
            f"over {bp.n} readings, {fmt(bp.controlled_percentage)}% below "
            f"{bp.target[0]}/{bp.target[1]}.")
    concern = recommendation = None
    if (bp.controlled_percentage or 0) < 50:
        concern = (f"Only {fmt(bp.controlled_percentage)}% of blood pressure readings were below "
                   f"{bp.target[0]}/{bp.target[1]} mmHg.")
        recommendation = ("Ask your clinician about home blood pressure monitoring and whether "
                          "your treatment plan needs review.")
    return Finding("bp_control", text, _data(bp), bp.row_ids, "8480-6", concern, recommendation)


def abnormal_finding(res: OutOfRange) -> Finding:
    held = [r for r in res.rows if r["quality"] == "verify"]
    held_text = (f" {len(held)} more {'is' if len(held) == 1 else 'are'} held for "
                 "verification (not credible as recorded): "
                 + ", ".join(f"{r['metric']} {fmt(r['value'], r['unit'])} on "  # type: ignore[arg-type]
                             f"{str(r['date'])[:10]}" for r in held[:3]) + "."
                 if held else "")
    if not res.total_abnormal:
        return Finding("abnormal", f"None of {res.total_checked} checked results were outside "
                       f"their reference ranges.{held_text}", _data(res) | {"rows": []}, (),
                       evidence=res.total_checked)
    worst = sorted(res.by_code.items(), key=lambda kv: -int(kv[1]["count"]))[:3]  # type: ignore[call-overload]
    listed = ", ".join(f"{v['metric']} ({v['count']})" for _, v in worst if v["count"])
    text = (f"{res.total_abnormal} of {res.total_checked} results were outside their reference "
            f"ranges, most often {listed}.{held_text}")
    critical = [r for r in res.rows if r["flag"] == "critical"]
    latest = next((r for r in res.rows if r["quality"] != "verify"), None)
    concern = None
    if critical:  # the newest critical value leads: was it followed up?
        c = critical[0]
        concern = (f"A critical {c['metric']} of {fmt(c['value'], c['unit'])} "  # type: ignore[arg-type]
                   f"on {str(c['date'])[:10]}: was this followed up?")
    elif latest:
        value = fmt(latest["value"], latest["unit"])  # type: ignore[arg-type]
        concern = (f"Most recent out-of-range result: {latest['metric']} {value} "
                   f"on {str(latest['date'])[:10]}.")
    return Finding("abnormal", text, _data(res), res.row_ids, None, concern,
                   "Bring the out-of-range results to your next appointment.")


def tir_finding(tir: TimeInRange) -> Finding:
    text = (f"Glucose: {fmt(tir.in_range_percentage)}% of {tir.n} readings within "
            f"{fmt(tir.low)}-{fmt(tir.high)} mg/dL, {fmt(tir.above_percentage)}% above and "
            f"{fmt(tir.below_percentage)}% below (mean {fmt(tir.mean, 'mg/dL')}).")
    concern = (f"{fmt(tir.below_percentage)}% of glucose readings were below {fmt(tir.low)} mg/dL."
               if (tir.below_percentage or 0) >= 4 else None)
    return Finding("time_in_range", text, _data(tir), tir.row_ids, "2339-0", concern)


def condition_findings(res: ConditionList, words: tuple[str, ...] = (), *,
                       topic: bool = False) -> list[Finding]:
    """The recorded conditions (those matching `words`, when given); with `topic`, also a
    finding saying none is recorded, so "do I have X?" gets a plain no."""
    chosen = [c for c in res.conditions if not words or any(
        re.search(rf"(?<![a-z]){re.escape(w)}", str(c["display"]).lower()) for w in words)]
    if not chosen:
        return [Finding("conditions", "No matching condition is recorded.",
                        {"conditions": [], "words": list(words)}, (), evidence=0)] if topic else []
    active = [c for c in chosen if c["active"]]
    ended = [c for c in chosen if not c["active"]]
    parts = []
    if active:
        parts.append(f"active: {listing([_since(c) for c in active])}")
    if ended:
        parts.append(f"ended: {listing([_ended(c) for c in ended])}")
    text = f"Recorded conditions ({len(chosen)}): " + "; ".join(parts) + "."
    return [Finding("conditions", text, {"conditions": list(chosen), "active": len(active),
                                         "words": list(words)}, (), evidence=len(chosen))]


# Words of a "do I have ...?" question that name no condition in particular.
CONDITION_STOP = frozenset("""disease diseases disorder disorders condition conditions problem
problems issue issues history chronic syndrome finding records record show shows diagnosed
diagnosis diagnoses suffer suffering sick illness illnesses health medical list current
currently active ongoing known existing all past previous resolved ended cured healed
inactive former which""".split())
# A question that asks for conditions by their clinical status ("which are resolved?");
# "in the past" is not one: a chronic condition since 1990 was had in the past too
RESOLVED_ASKED = re.compile(r"\b(resolved|ended|cured|healed|inactive|former|no longer"
                            r"|used to have|gone away)\b")
ACTIVE_ASKED = re.compile(r"\b(chronic|current(ly)?|active|ongoing|now|still)\b")


def _same_word(term: str, word: str) -> bool:
    """"polyps"/"polyp", "anemic"/"anemia", "diabetic"/"diabetes": the same word for a
    reader (near spelling, or a shared stem of most of the shorter word)."""
    if fuzz.ratio(term, word) >= 88:
        return True
    stem = len(os.path.commonprefix([term, word]))
    return stem >= 5 and stem >= 0.75 * min(len(term), len(word))


def _names_condition(terms: list[str], display: str) -> bool:
    words = re.findall(r"[a-z0-9]+", display.lower())
    return any(fuzz.partial_ratio(t, display.lower()) >= 90 if " " in t
               else any(_same_word(t, w) for w in words) for t in terms)


def condition_answer(text: str, found: Finding) -> str:
    """"Do I have X?" answered with the recorded conditions that are X: those whose name
    the question uses; a "pre-" condition is said to be not X itself (prediabetes is not
    diabetes); a lay word ("high blood pressure") stands for its topic's conditions. A
    question that names no condition ("what conditions do I have?") gets them all."""
    listed = list(found.data.get("conditions") or [])  # type: ignore[call-overload]
    terms = [t for t in question_terms(" " + text.lower() + " ")
             if t not in CONDITION_STOP and len(t) >= 3 and not any(
                 w in CONDITION_STOP for w in t.split())]
    if not terms and not found.data.get("words"):  # "what conditions do I have?": all
        # by status when asked by it; both asked ("which are active and which resolved?"),
        # all of them, the active first
        active, resolved = ACTIVE_ASKED.search(text.lower()), RESOLVED_ASKED.search(text.lower())
        if active and not resolved:
            listed = [c for c in listed if c["active"]]
        elif resolved and not active:
            listed = [c for c in listed if not c["active"]]
        # social history (work, schooling, stress) apart; entries about the record left out
        social = [c for c in listed if c.get("kind") == "social"]
        listed = [c for c in listed if c.get("kind", "condition") == "condition"]
        said = ("Your records list " + _conditions_text(listed) + "." if listed
                else "Your records list no such conditions.")
        return said + (f" Social history on record: {_conditions_text(social)}." if social
                       else "")
    if not listed:
        return "Your records list no such condition."
    named = [c for c in listed if _names_condition(terms, str(c["display"]))]
    since_when = re.search(r"\b(when|how long|since when)\b", text.lower())
    lead = "Your records show " if since_when else "Yes: your records show "
    if named:
        return lead + _conditions_text(named) + "."
    singles = [t for t in terms if " " not in t]
    precursor = [(t, c) for c in listed for t in singles if any(
        w.startswith("pre") and _same_word(t, w[3:])
        for w in re.findall(r"[a-z]+", str(c["display"]).lower()))]
    if precursor:
        return (f"Your records do not show {precursor[0][0]} itself; they show "
                f"{_conditions_text([c for _, c in precursor])}, which is not the same "
                "diagnosis.")
    if found.data.get("words"):  # the topic's conditions, asked in lay words
        return lead + _conditions_text(listed) + "."
    return (f"Your records list no condition matching \"{' '.join(singles) or text}\".")


def _conditions_text(chosen: list[dict[str, object]]) -> str:
    active = [_since(c) for c in chosen if c["active"]]
    ended = [_ended(c) + " (ended)" for c in chosen if not c["active"]]
    return listing(active + ended)


def plain_condition(display: object) -> str:
    """A condition name without its SNOMED semantic tag ("Hypertension (disorder)")."""
    return re.sub(r"\s*\((disorder|finding|situation|morphologic abnormality|event|procedure"
                  r")\)$", "", str(display))


def _since(c: dict[str, object]) -> str:
    return plain_condition(c["display"]) + (f" since {c['onset']}" if c.get("onset") else "")


def _ended(c: dict[str, object]) -> str:
    """An ended condition and when: one episode's span, or how many there were (the
    first onset to the last end would read as one long illness)."""
    episodes = int(c.get("episodes") or 1)  # type: ignore[call-overload]
    if episodes > 1:
        return (f"{plain_condition(c['display'])} ({episodes} episodes, {c['onset']} to "
                f"{c['abatement']}, the last from {c['last_onset']})")
    span = f" ({c['onset']} to {c['abatement']})" if c.get("onset") and c.get("abatement") else ""
    return plain_condition(c["display"]) + span


def listing(names: list[str], limit: int = 0) -> str:
    """"A, B and C"; with `limit`, "A, B and 3 more" so the count always matches."""
    if limit and len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def correlation_finding(c: Correlation) -> Finding:
    if c.r is None:
        return Finding("correlation", f"There are too few paired {c.metric_a} and "
                       f"{c.metric_b} results ({c.n_pairs}) to judge a correlation.", _data(c),
                       c.row_ids, c.code_a)
    sign = "positive" if c.r > 0 else "negative"
    shape = "no meaningful" if c.strength == "none" else f"a {c.strength} {sign}"
    text = (f"Your {c.metric_a} and {c.metric_b} show {shape} correlation (r = {c.r:.2f}) "
            f"over {c.n_pairs} pairs measured within {c.max_gap_days} days of each other.")
    return Finding("correlation", text, _data(c), c.row_ids, c.code_a)


def timeline_finding(t: MedicationTimeline, focus: str | None, *,
                     stopped: bool = False, window: Window = ALL_TIME,
                     period: str | None = None) -> Finding:
    """Every active medication with its start and, when recorded, its reason; stopped
    ones too when asked (`stopped`) or when the question names one, listed first when
    asked. With a window ("what was I on in 2015"), the courses that ran in it."""
    if not t.courses:
        return Finding("medications", "No medications are recorded.", _data(t), (), evidence=0)
    if window != ALL_TIME and not focus:
        return _courses_in(t, window, period, stopped=stopped)
    if focus:
        courses = [c for c in t.courses if focus in c.name.lower()]
        if not courses:
            return Finding("medications", f"Your records show no medication named {focus}.",
                           {"courses": [], "focus": focus}, (), evidence=0)
    else:  # a drug recorded as not taken answers "what am I taking" too
        courses = [c for c in t.courses if c.active or c.not_taken or stopped]
    active = [c for c in courses if c.active]
    ended = [c for c in courses if not c.active and not c.not_taken]
    refused = [c for c in courses if c.not_taken]
    parts = []
    if active:
        parts.append(f"{len(active)} active: " + "; ".join(_course(c) for c in active))
    elif not focus:
        parts.append("none active")
    if ended:
        said = f"{len(ended)} stopped: " + "; ".join(_course(c) for c in ended)
        parts.insert(0 if stopped else len(parts), said)
    if refused:
        parts.append("recorded as not taken: " + "; ".join(
            c.name + (f" (as of {c.start})" if c.start else "") for c in refused))
    hidden = (sum(not c.active and not c.not_taken for c in t.courses)
              if not (stopped or focus) else 0)
    tail = f" ({hidden} stopped, not listed)" if hidden else ""
    text = "Medications, " + "; ".join(parts) + tail + "."
    rows = tuple(i for c in courses for i in c.row_ids)
    return Finding("medications", text, {"courses": [vars(c) for c in courses],
                                         "active": len(active), "stopped": len(ended)}, rows)


def _courses_in(t: MedicationTimeline, window: Window, period: str | None, *,
                stopped: bool) -> Finding:
    """The courses that ran at some time in the window (started by its end, not stopped
    before its start), or with `stopped` those stopped in it; stopped courses with no stop
    date that started earlier are named apart, since the record cannot say whether they
    still ran; a course with no recorded start is left out, as it cannot be placed."""
    since = window.since.isoformat() if window.since else ""
    until = window.until.isoformat() if window.until else "9999"
    when = during(period)
    if stopped:
        ended = [c for c in t.courses if c.stop and since <= c.stop[:10] <= until]
        undated = [c for c in t.courses if not (c.active or c.not_taken or c.stop)
                   and (c.start or "")[:10] <= until]
        text = (f"Medications stopped{when}, {len(ended)}: "
                + "; ".join(_course(c) for c in ended) + "." if ended
                else f"No medication on record has a stop date{when}.")
        if undated:
            text += (f" {len(undated)} more were stopped on a date the record does not give: "
                     + listing([f"{c.name} (from {c.start or 'an unrecorded date'})"
                                for c in undated], limit=5) + ".")
        shown = ended + undated
        return Finding("medications", text, {"courses": [vars(c) for c in shown],
                                             "active": 0, "stopped": len(shown)},
                       tuple(i for c in shown for i in c.row_ids), evidence=len(shown))
    placed = [c for c in t.courses if not c.not_taken and c.start and c.start[:10] <= until]
    ran = [c for c in placed
           if (c.stop[:10] >= since if c.stop else c.active or c.start[:10] >= since)]
    unsure = [c for c in placed if c not in ran and not c.stop]
    text = (f"Medications{when}, {len(ran)}: " + "; ".join(_course(c) for c in ran) + "."
            if ran else f"No medication on record ran{when}.")
    if unsure:
        text += (f" {len(unsure)} more started earlier and stopped on a date the record does "
                 "not give, so they may still have run: "
                 + "; ".join(f"{c.name} (from {c.start})" for c in unsure) + ".")
    shown = ran + unsure
    return Finding("medications", text, {"courses": [vars(c) for c in shown],
                                         "active": sum(c.active for c in ran),
                                         "stopped": sum(not c.active for c in ran)},
                   tuple(i for c in shown for i in c.row_ids), evidence=len(shown))


def _course(c: MedicationCourse) -> str:
    if c.active:
        when = f"since {c.start}" if c.start else "start not recorded"
    else:
        when = f"{c.start or 'an unrecorded date'} to {c.stop or 'an unrecorded date'}"
    reason = f", for {plain_condition(c.reason)}" if c.reason else ""
    return f"{c.name} ({when}{reason})"


def before_after_finding(ba: BeforeAfter) -> Finding:
    change = f"{ba.change_percentage:+.1f}%" if ba.change_percentage is not None else "n/a"
    text = (f"{ba.metric} before and after {ba.medication} (started {ba.medication_start}): "
            f"mean {fmt(ba.before_mean, ba.unit)} over {ba.before_n} results before, "
            f"{fmt(ba.after_mean, ba.unit)} over {ba.after_n} after ({change}).")
    return Finding("before_after", text, _data(ba), ba.row_ids, ba.code)


# Guideline intervals (years) after which a screening value is considered out of date.
SCREENING = (("2093-3", "lipid panel", 5), ("4548-4", "HbA1c", 3), ("8480-6", "blood pressure", 1),
             ("39156-5", "BMI", 2))


def screening_findings(cov: Coverage, today: date | None = None) -> list[Finding]:
    today = today or date.today()
    found = []
    for code, label, years in SCREENING:
        entry = cov.by_code.get(code)
        if entry is None:
            found.append(Finding("screening", f"No {label} on record.",
                                 {"code": code, "label": label}, (), code,
                                 None, f"Ask whether a {label} check is due.", evidence=0))
            continue
        last = date.fromisoformat(str(entry["last_date"]))
        due = (today - last).days > years * 365
        text = (f"Last {label}: {entry['last_date']} ({entry['n']} on record); "
                + (f"older than the usual {years}-year interval." if due else "up to date."))
        found.append(Finding("screening", text, {"code": code, "label": label, **entry}, (),
                             code, None,
                             f"Your {label} may be due for a recheck." if due else None,
                             evidence=int(entry["n"])))  # type: ignore[call-overload]
    return found


def coverage_finding(cov: Coverage) -> Finding:
    observed = (f"{cov.observations} observations from {cov.first_date} to {cov.last_date} "
                f"({len(cov.by_code)} different measures)" if cov.observations
                else "no lab results or measurements")
    text = (f"Records: {observed}, {cov.medications} medication records and "
            f"{cov.conditions} condition records.")
    return Finding("coverage", text, _data(cov), (), evidence=cov.observations)
