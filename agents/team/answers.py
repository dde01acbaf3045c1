"""Findings that answer the question as asked: a kidney picture with its KDIGO stage,
coded results (Detected, Negative ...) with their dates, extremes and counts beyond a
threshold, dangerous (critical) readings, and a medication's baseline and after.

Every number comes from a tool query or the person's catalogue; each finding's `text`
states it in one sentence the CMO can lead with.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from agents import clinical, tools, vocabulary
from agents.asked_units import stored, written
from agents.codes import BY_CODE, DIASTOLIC, HBA1C, SYSTOLIC, metric, plain_value
from agents.findings import Finding, fmt, in_prose, plural, range_movement
from agents.note import age
from agents.team.job import Job
from agents.team.templates import listing, plain_condition
from agents.timeframe import Period, during
from agents.tools.base import ALL_TIME, Window
from agents.tools.coverage import ConditionList
from storage.ingest.units import load_resource
from storage.repos.measurement_types import Reading, Series


def _primary(job: Job, measure: str, *, windowed: bool = True,
             window: Window | None = None) -> Series | None:
    """The measure's series in its canonical unit (else its largest), from the query
    manager, so readings in units that do not convert are never mixed in."""
    w = window or (job.question.window if windowed else ALL_TIME)
    return job.vault.measurements.primary(
        patient_id=job.patient_id, measure=measure, since=w.since, until=w.until)


def nearest_findings(job: Job, codes: tuple[str, ...]) -> list[Finding]:
    """Asked of a period the records hold nothing of in `codes` ("my blood pressure in
    2019"): each measure's nearest readings before and after it, so the answer says where
    they are."""
    q = job.question
    w = q.window
    if q.relative or (w.since is None and w.until is None):
        return []
    out = []
    for code in dict.fromkeys(codes[:2]):
        near: list[tuple[Reading, Series]] = []
        if w.since:  # the last reading before the period
            s = _primary(job, code, window=Window(until=w.since - timedelta(days=1)))
            near += [(s.usable[-1], s)] if s and s.usable else []
        if w.until:  # the first after it
            s = _primary(job, code, window=Window(since=w.until + timedelta(days=1)))
            near += [(s.usable[0], s)] if s and s.usable else []
        if not near:
            continue
        name = near[0][1].name
        said = " and ".join(f"{fmt(r.value, s.unit)} on {r.day}" for r, s in near)
        out.append(Finding("nearest", f"The nearest {in_prose(name)} readings on record: "
                           f"{said}.", {"code": code, "dates": [r.day for r, _ in near]},
                           tuple(r.id for r, _ in near), code))
    return out


def _day(iso: str) -> str:
    return iso[:10]


# What a kidney answer says of each kidney measure the records do not hold.
KIDNEY_GAPS = {
    "egfr": ("eGFR results", ", so the KDIGO GFR (G) stage cannot be given"),
    "creatinine": ("serum creatinine results", ""),
    "urine_albumin_creatinine": ("urine albumin/creatinine ratio (ACR) results",
                                 ", so the KDIGO albuminuria (A) stage cannot be given"),
}


def _egfr_said(s: Series, last: Reading) -> tuple[str, dict[str, object]]:
    first = s.usable[0]
    since = f", from {fmt(first.value, s.unit)} on {first.day}" if len(s.usable) > 1 else ""
    data: dict[str, object] = {"egfr": last.value, "egfr_date": last.day, "egfr_unit": s.unit,
                               "n": len(s.usable)}
    if not s.canonical:  # a GFR not normalized to body surface cannot be staged
        return (f"your latest {s.name} was {fmt(last.value, s.unit)} on {last.day} "
                f"(not in mL/min/1.73m2, so not staged){since}"), data
    g = clinical.gfr_stage(last.value)
    return (f"your latest eGFR was {fmt(last.value, s.unit)} on {last.day} "
            f"(KDIGO {g.stage}, {g.label}){since}"), data | {"gfr_stage": g.stage}


def _creatinine_said(s: Series, last: Reading) -> tuple[str, dict[str, object]]:
    return (f"creatinine {fmt(last.value, s.unit)} on {last.day}",
            {"creatinine": last.value, "creatinine_date": last.day})


def _acr_said(s: Series, last: Reading) -> tuple[str, dict[str, object]]:
    a = clinical.albuminuria_stage(last.value)
    return (f"urine albumin/creatinine {fmt(last.value, s.unit)} on {last.day} "
            f"(KDIGO {a.stage}, {a.label})",
            {"acr": last.value, "acr_date": last.day, "albuminuria_stage": a.stage})


# The kidney picture's measures, in the order it names them, and how each is said.
KIDNEY_MEASURES = (("egfr", _egfr_said), ("creatinine", _creatinine_said),
                   ("urine_albumin_creatinine", _acr_said))


def kidney_finding(job: Job) -> Finding | None:
    """Latest eGFR with its G category, creatinine, and urine albumin/creatinine with its A
    category; the kidney measures the records do not hold are named, since a G stage
    without an A stage (or the reverse) is half of the KDIGO picture."""
    parts: list[str] = []
    data: dict[str, object] = {}
    rows: list[int] = []
    missing: list[str] = []
    for measure, said in KIDNEY_MEASURES:
        s = _primary(job, measure)
        if s is None or not s.usable:
            missing.append(measure)
            continue
        text, values = said(s, s.usable[-1])
        parts.append(text)
        data |= values
        rows += [r.id for r in s.readings]
    if not parts:
        return None
    text = "Kidneys: " + "; ".join(parts) + "."
    w = job.question.window
    period = " in that period" if w.since or w.until else ""
    for m in missing:
        what, so = KIDNEY_GAPS[m]
        text += f" Your records have no {what}{period}{so}."
    data["missing"] = missing
    concern = None
    stages = [str(data[k]) for k in ("gfr_stage", "albuminuria_stage") if k in data]
    if data.get("gfr_stage") in ("G3a", "G3b", "G4", "G5") or data.get(
            "albuminuria_stage") in ("A2", "A3"):
        concern = (f"Kidney function is reduced (KDIGO {' '.join(stages)}); ask how often it "
                   "should be checked and what protects it.")
    return Finding("kidney", text, data, tuple(rows), "33914-3", concern)


def coded_findings(job: Job) -> list[Finding]:
    """The person's coded results for each coded topic the question names, and for each
    asked test whose results on record are words only ("How stressed are you?": "Not at
    all"), which no trend can read."""
    out = []
    q = job.question
    for tid in q.topics:
        topic = vocabulary.by_id().get(tid)
        if topic is None or not topic.coded:
            continue
        found = sleep_finding(job) if tid == "sleep" else None
        found = found or _coded(job, topic.codes, tid)
        out += [found] if found else []
    said = {f.code for f in out}
    for code in dict.fromkeys(q.codes):
        if code not in said and any(e.code == code and e.n and not e.numeric
                                    for e in job.holdings.entries):
            found = _coded(job, (code,), None)
            out += [found] if found else []
    return out


SLEEP_CODE = "HKCategoryTypeIdentifierSleepAnalysis"
SLEEP_NIGHTS = 7  # the latest nights an average is over


def _duration(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h} h {m} min" if h else f"{m} min"


def sleep_finding(job: Job) -> Finding | None:
    """Time asleep per night from HealthKit's sleep samples (agents/tools/sleep.py): the
    latest night, its stages when one device recorded them, and the average over the
    latest nights; None without samples that have a span."""
    nights = [n for n in tools.sleep_nights(job.vault, patient_id=job.patient_id)
              if n.asleep_minutes or n.in_bed_minutes]
    if not nights:
        return None
    last = nights[0]
    stages = ", ".join(f"{tools.sleep_stage(v)} {_duration(m)}" for v, m in last.stages)
    text = (f"sleep: {_duration(last.asleep_minutes)} asleep in the night ending "
            f"{last.night}" + (f" ({stages})" if stages else "")
            + (f", {_duration(last.in_bed_minutes)} in bed or asleep" if
               last.in_bed_minutes > last.asleep_minutes else "")
            + f", recorded by {listing(list(last.sources))}.")
    recent = [n for n in nights[:SLEEP_NIGHTS] if n.asleep_minutes]
    if len(recent) > 1:
        mean = sum(n.asleep_minutes for n in recent) / len(recent)
        text += (f" Over the {len(recent)} latest nights with sleep recorded "
                 f"({recent[-1].night} to {recent[0].night}) you slept {_duration(mean)} a "
                 "night on average.")
    return Finding("coded_result", text,
                   {"display": "Sleep", "night": str(last.night),
                    "asleep_minutes": round(last.asleep_minutes, 1),
                    "in_bed_minutes": round(last.in_bed_minutes, 1), "topic": "sleep",
                    "nights": [{"night": str(n.night), "asleep_minutes": round(
                        n.asleep_minutes, 1)} for n in nights[:30]]},
                   tuple(i for n in nights[:SLEEP_NIGHTS] for i in n.row_ids), SLEEP_CODE)


def _coded(job: Job, codes: tuple[str, ...], topic: str | None) -> Finding | None:
    results = job.vault.catalogue.coded_results(patient_id=job.patient_id, codes=codes)
    if not results:
        return None
    latest = results[0]
    value = plain_value(latest.code, latest.text)
    more = f" ({len(results)} results on record)" if len(results) > 1 else ""
    asked = re.findall(r"[^.?!]*\?", latest.display)  # a survey's question, as it was put
    if asked:
        text = (f"answer to \"{asked[-1].strip()}\": \"{value.rstrip('.')}\" on "
                f"{latest.date}{more}.")
    else:
        text = f"{latest.display}: {value.rstrip('.')} on {latest.date}{more}."
    return Finding("coded_result", text,
                   {"display": latest.display, "value": latest.text, "date": str(latest.date),
                    "n": len(results), "topic": topic,
                    "results": [{"display": r.display, "value": r.text, "date": str(r.date)}
                                for r in results[:20]]},
                   tuple(r.row_id for r in results), latest.code)


LATEST_WORDS = re.compile(r"\b(last|latest|recent|newest|current)\b")
SAID_FLAGS = ("high", "low", "critical", "abnormal")  # a result's flag, written after it


def latest_results_finding(job: Job) -> Finding | None:
    """"What were my last lab results?", "What were my vital signs at the last visit?":
    each test of the latest day with lab results (or vital signs), its value and flag;
    None unless the question asks for the latest of these in general."""
    q = job.question
    vitals = "vital_signs" in q.topics
    labs = q.labs_only and not q.items and LATEST_WORDS.search(q.text.lower())
    if not (vitals or labs) or {"abnormal", "critical", "trend"} & q.intents:
        return None
    readings = job.vault.measurements.latest_day(
        patient_id=job.patient_id, category="vital-signs" if vitals else "laboratory",
        since=q.window.since, until=q.window.until)
    if not readings:
        return None
    newest: dict[str, Reading] = {}
    for r in readings:  # each test once: its latest reading that day
        newest[r.measure] = r
    said = []
    for r in newest.values():
        flag = f" ({r.flag})" if r.flag in SAID_FLAGS else ""
        said.append(f"{_name(job, r)} {fmt(r.value, r.unit)}{flag}")
    day = readings[-1].day
    what, each = ("vital signs", "measure") if vitals else ("lab results", "test")
    text = (f"Your most recent {what}, from {day} "
            f"({plural(len(said), each)}): {listing(said, len(said))}.")
    return Finding("latest_results", text,
                   {"date": day, "n": len(said), "tests": said},
                   tuple(r.id for r in readings), None)


def current_abnormal_finding(job: Job) -> Finding | None:
    """Which results are out of range now: each test's latest result, of the laboratory
    when labs are asked about, of the measures named when some are; None unless asked
    of the present ("abnormal right now", "red flags in my recent labs")."""
    q = job.question
    if not q.current or not {"abnormal", "critical"} & q.intents:
        return None
    labs = q.labs_only or q.mentions_labs
    latest = job.vault.measurements.latest_each(
        patient_id=job.patient_id, category="laboratory" if labs else None, measures=q.codes,
        since=q.window.since, until=q.window.until)
    if not latest:
        return None
    out = sorted((r for r in latest if r.flag in SAID_FLAGS),
                 key=lambda r: r.flag != "critical")  # the dangerous first, then newest
    what = "tests" if labs or q.codes else "measures"
    names = [_name(job, r) for r in out]
    if not out:
        text = (f"None of the latest results of your {len(latest)} {what} is outside its "
                f"reference range (the newest from {latest[0].day}).")
    else:
        said = [f"{n} {fmt(r.value, r.unit)} ({r.flag}, {r.day})"
                for n, r in zip(names, out, strict=True)]
        text = (f"Of the latest results of your {len(latest)} {what}, {len(out)} "
                f"{'is' if len(out) == 1 else 'are'} outside the reference range: "
                f"{listing(said, 6)}.")
    return Finding("current_abnormal", text,
                   {"n": len(latest), "outside": len(out), "tests": names},
                   tuple(r.id for r in latest), None)


def _name(job: Job, r: Reading) -> str:
    """A result's test as prose names it: the catalogue's name, else the record's (without
    the zero-width spaces some exporters write inside "Mass/volume")."""
    name = metric(r.code).name if r.code in BY_CODE else (
        r.display or job.holdings.display(r.code) or f"test {r.code}")
    return name.replace("\u200b", "")


# How a threshold is said and tested: "above 180" is strict, "at least 180" is not.
BEYOND: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    ">": ("above", operator.gt), ">=": ("at or above", operator.ge),
    "<": ("below", operator.lt), "<=": ("at or below", operator.le)}


def extreme_findings(job: Job, codes: tuple[str, ...]) -> list[Finding]:
    """Lowest/highest with their dates, and the count beyond the named threshold."""
    q = job.question
    want_low, want_high = "extreme_low" in q.intents, "extreme_high" in q.intents
    if not (want_low or want_high or "count" in q.intents or q.threshold):
        return []
    out = []
    m = job.vault.measurements
    w = q.window
    if q.threshold and SYSTOLIC in codes and DIASTOLIC in codes:
        # a blood pressure limit: "over 140" is the systolic's, "over 140/90" either's
        if q.threshold_diastolic is not None:
            out += pressure_count(job)
            codes = tuple(c for c in codes if c not in (SYSTOLIC, DIASTOLIC))
        else:
            codes = tuple(c for c in codes if c != DIASTOLIC)
    for code in dict.fromkeys(codes):
        ex = m.extremes(patient_id=job.patient_id, measure=code, since=w.since, until=w.until)
        if ex is not None and ex.n == 0 and ex.unverified:  # nothing credible to count
            out.append(Finding(
                "extreme", f"{ex.series.name}: no credible reading to look at"
                f"{during(q.period)}; {plural(len(ex.unverified), 'reading')} held for "
                "verification (values no assay gives, or changes too fast to be real) left "
                "out.", {"metric": ex.series.name, "code": code, "n": 0},
                tuple(r.id for r in ex.unverified), code))
            continue
        if ex is None or ex.lowest is None or ex.highest is None:
            continue
        name, unit = ex.series.name, ex.series.unit
        lo, hi = ex.lowest, ex.highest
        parts = []
        if want_low or not (want_high or q.threshold):
            parts.append(f"lowest {written(lo.value, unit, code, q.unit)} on {lo.day}")
        if want_high or not (want_low or q.threshold):
            parts.append(f"highest {written(hi.value, unit, code, q.unit)} on {hi.day}")
        data: dict[str, object] = {"metric": name, "code": code, "unit": unit, "n": ex.n,
                                   "min": lo.value, "min_date": lo.day, "max": hi.value,
                                   "max_date": hi.day}
        rows = [r.id for r in ex.series.readings]
        limit, word, ranged = None, "", False
        if q.threshold:
            op, asked_limit = q.threshold
            limit = stored(asked_limit, unit, code, q.unit)
            word, passes = BEYOND[op]
        elif "presence" in q.intents and want_low != want_high and ex.series.usable:
            # "ever had a high glucose?": beyond the reference range of the latest reading
            last = ex.series.usable[-1]
            limit = last.reference_high if want_high else last.reference_low
            word, passes = BEYOND[">" if want_high else "<"]
            ranged = True
        if limit is not None:
            beyond = sum(passes(r.value, limit) for r in ex.series.usable)
            times = "time" if beyond == 1 else "times"
            said = written(limit, unit, code, q.unit)
            if ranged:
                said = f"the reference range ({'upper' if want_high else 'lower'} limit {said})"
            parts.insert(0, f"{beyond} {times} {word} {said} out of {plural(ex.n, 'reading')}")
            data |= {"threshold": limit, "direction": word, "count": beyond}
        if ex.unverified:
            parts.append(f"{plural(len(ex.unverified), 'reading')} held for verification "
                         "left out")
        text = f"{name}: " + ", ".join(parts) + (f" ({q.period})" if q.period else "") + "."
        out.append(Finding("extreme", text, data, tuple(rows), code))
    return out


def pressure_count(job: Job) -> list[Finding]:
    """How many blood pressures were beyond a limit written whole: above 140/90 when
    either number is (as hypertension is defined), below 130/80 when both are."""
    q = job.question
    assert q.threshold is not None and q.threshold_diastolic is not None
    op, top = q.threshold
    bottom = q.threshold_diastolic
    pairs = job.vault.measurements.same_instants(
        patient_id=job.patient_id, measures=(SYSTOLIC, DIASTOLIC), since=q.window.since,
        until=q.window.until)
    if pairs is None or not pairs.times:
        return []
    word, passes = BEYOND[op]
    either = op.startswith(">")
    beyond = sum((passes(s, top) or passes(d, bottom)) if either else
                 (passes(s, top) and passes(d, bottom))
                 for s, d in zip(*pairs.values, strict=True))
    n = len(pairs.times)
    limit = f"{fmt(top)}/{fmt(bottom)} mmHg"
    text = (f"Blood pressure: {beyond} {'time' if beyond == 1 else 'times'} {word} {limit} "
            f"out of {plural(n, 'reading')}" + (f" ({q.period})" if q.period else "") + ".")
    return [Finding("extreme", text, {"metric": "Blood pressure", "code": SYSTOLIC, "n": n,
                                      "threshold": top, "threshold_diastolic": bottom,
                                      "direction": word, "count": beyond},
                    pairs.ids[0] + pairs.ids[1], SYSTOLIC)]


def statistic_findings(job: Job, codes: tuple[str, ...]) -> list[Finding]:
    """What a question asks of a measure besides its latest value: the average, the first
    value, or how many results (without a threshold: the extremes answer those), in the
    question's period."""
    q = job.question
    want = {"average", "first"} & q.intents
    if "count" in q.intents and not q.threshold:
        want.add("count")
    if not want or q.compare:
        return []
    out = []
    where = f" ({q.period})" if q.period else ""
    for code in dict.fromkeys(codes):
        s = _primary(job, code)
        if s is None or not s.usable or s.kind == "cumulative":
            continue
        usable, unit = s.usable, s.unit
        parts, data = [], {"metric": s.name, "code": code, "unit": unit, "n": len(usable)}
        if "count" in want:
            span = (f", from {usable[0].day} to {usable[-1].day}" if len(usable) > 1
                    else f", on {usable[0].day}")
            parts.append(f"{plural(len(usable), 'result')} on record{where}{span}")
        if "average" in want:
            mean = sum(r.value for r in usable) / len(usable)
            parts.append(f"average {written(mean, unit, code, q.unit)} over "
                         f"{plural(len(usable), 'result')}"
                         f"{where}")
            data["mean"] = mean
        if "first" in want:
            parts.append(f"first {written(usable[0].value, unit, code, q.unit)} on "
                         f"{usable[0].day}{where}")
            data |= {"first": usable[0].value, "first_date": usable[0].day}
        out.append(Finding("statistic", f"{s.name}: " + ", ".join(parts) + ".", data,
                           tuple(r.id for r in usable), code))
    return out


def comparison_findings(job: Job, codes: tuple[str, ...]) -> list[Finding]:
    """Each measure's reading in each of two periods ("in 2012 compared with 2020", "in
    2015 vs now", "than a year ago": the latest against the reading nearest a year before
    it): each side's reading, and the change from the earlier to the later."""
    q = job.question
    if q.compare is None:
        return []
    out = []
    for code in dict.fromkeys(codes):
        read_in: dict[Window, Series | None] = {}  # "than a year ago": both sides all time
        sides: list[tuple[Period, Reading | None, Series | None]] = []
        for period in q.compare:
            if period.window not in read_in:
                read_in[period.window] = _primary(job, code, window=period.window)
            s = read_in[period.window]
            sides.append((period, s.usable[-1] if s is not None and s.usable else None, s))
        series = next((s for _, _, s in sides if s is not None), None)
        if series is None:
            continue
        latest = max((r for _, r, _ in sides if r is not None), key=lambda r: r.epoch,
                     default=None)
        sides = [(p, _before(s, latest, p.before_latest) if p.before_latest else r, s)
                 for p, r, s in sides]
        name, unit = series.name, series.unit
        said = []
        for period, reading, _ in sides:
            where = ("your latest" if period.label == "now" else
                     f"about {period.label} your latest" if period.before_latest else
                     f"the latest{during(period.label)}")
            said.append(f"{fmt(reading.value, unit)} on {reading.day} ({where})" if reading
                        else f"no reading {where}" if period.before_latest
                        else "no usable reading" if period.label == "now"
                        else f"no reading{during(period.label)}")
        change = movement = ""
        data: dict[str, object] = {"metric": name, "code": code, "unit": unit,
                                   "periods": [p.label for p in q.compare]}
        read = [r for _, r, _ in sides if r is not None]
        if len(read) == 2 and read[0].id != read[1].id:
            first, then = sorted(read, key=lambda r: r.epoch)
            if first.value:
                pct = (then.value - first.value) / abs(first.value) * 100
                change = f", a change of {pct:+.1f}% from {first.day} to {then.day}"
                movement = range_movement(first.value, then.value, then.reference_low,
                                          then.reference_high, unit)
                data |= {"first": first.value, "second": then.value,
                         "change_percentage": round(pct, 1)}
        text = f"{name}: {said[0]}, against {said[1]}{change}.{movement}"
        out.append(Finding("comparison", text, data, tuple(r.id for r in read), code))
    return out


def _before(s: Series | None, latest: Reading | None, days: int) -> Reading | None:
    """The earlier reading nearest to `days` before `latest`: a yearly check-up a week
    short of the year is "a year ago", not the one two years back."""
    if s is None or latest is None:
        return None
    then = latest.epoch - days * 86400
    return min((r for r in s.usable if r.epoch < latest.epoch),
               key=lambda r: abs(r.epoch - then), default=None)


@cache
def _vaccine_kinds() -> tuple[dict[str, Any], ...]:
    path = Path(__file__).resolve().parents[2] / "resources" / "vaccine_terms.json"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["kinds"])


def vaccination_finding(job: Job) -> Finding:
    """The vaccinations on record; for a named vaccine ("my last flu shot"), its doses and
    the latest date, or a plain "none on record"."""
    given = tools.vaccinations(job.vault, patient_id=job.patient_id).vaccines
    lowered = f" {job.question.text.lower()} "
    kind = next((k for k in _vaccine_kinds() if any(
        re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", lowered) for w in k["words"])),
        None)
    if kind is not None:
        given = tuple(v for v in given if any(
            r in f"{str(v['display']).lower()} " for r in kind["recorded"]))
    what = f"{kind['name']} vaccination" if kind else "vaccination"
    if not given:
        return Finding("vaccinations", f"Your records show no {what}s.",
                       {"vaccines": [], "kind": kind["name"] if kind else None}, (),
                       evidence=0)
    doses = sum(int(v["doses"]) for v in given)  # type: ignore[call-overload]
    if kind is not None:
        last = max(str(v["last_date"]) for v in given if v["last_date"])
        text = (f"Your last {what} on record was on {last}; "
                f"{plural(doses, 'dose')} in all, the first on "
                f"{min(str(v['first_date']) for v in given if v['first_date'])}.")
    else:
        text = (f"Vaccinations on record ({plural(doses, 'dose')}): " + "; ".join(
            f"{v['display']} ({plural(int(v['doses']), 'dose')}, last {v['last_date']})"  # type: ignore[call-overload]
            for v in given) + ".")
    return Finding("vaccinations", text, {"vaccines": list(given), "doses": doses,
                                          "kind": kind["name"] if kind else None}, (),
                   evidence=doses)


def allergy_finding(job: Job) -> Finding:
    """The allergies and intolerances on record, with reaction and criticality."""
    found = tools.allergies(job.vault, patient_id=job.patient_id).allergies
    if not found:
        return Finding("allergies", "No allergies or intolerances are recorded.",
                       {"allergies": []}, (), evidence=0)
    parts = []
    for a in found:
        extra = [f"reaction: {a['reaction']}"] if a.get("reaction") else []
        extra += [f"{a['criticality']} criticality"] if a.get("criticality") else []
        extra += [f"since {a['recorded']}"] if a.get("recorded") else []
        extra += [] if a["active"] else ["no longer active"]
        parts.append(str(a["display"]) + (f" ({', '.join(extra)})" if extra else ""))
    return Finding("allergies", f"Allergies and intolerances on record ({len(found)}): "
                   + "; ".join(parts) + ".", {"allergies": list(found)}, (),
                   evidence=len(found))


# HL7 v3 ActEncounterCode (FHIR R4 Encounter.class) in words; Synthea CSV writes words
ENCOUNTER_CLASSES = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient",
                     "ACUTE": "inpatient", "NONAC": "inpatient", "OBSENC": "observation",
                     "PRENC": "pre-admission", "SS": "short stay", "VR": "virtual",
                     "HH": "home health", "FLD": "field", "urgentcare": "urgent care"}


def visits_finding(job: Job) -> Finding:
    """The latest visit on record (its type, kind, reason and provider when recorded),
    with how many there are and since when; in the question's period when it has one."""
    q = job.question
    w = q.window
    listed = [v for v in tools.visits(job.vault, patient_id=job.patient_id).visits
              if v["date"] and (w.since is None or str(v["date"]) >= w.since.isoformat())
              and (w.until is None or str(v["date"]) <= w.until.isoformat())]
    period = during(q.period)
    if not listed:
        return Finding("visits", f"Your records list no visits{period}.", {"visits": []}, (),
                       evidence=0)
    last = listed[0]
    what = [plain_condition(last["display"])] if last["display"] else []
    kind = str(last["encounter_class"] or "")
    what += [f"{ENCOUNTER_CLASSES.get(kind, kind.lower())} visit"] if kind else []
    detail = f": {', '.join(what)}" if what else ""
    detail += f", for {plain_condition(last['reason'])}" if last["reason"] else ""
    detail += f", with {last['provider']}" if last["provider"] else ""
    text = f"Your last visit on record{period} was on {last['date']}{detail}."
    if len(listed) > 1:
        text += f" {plural(len(listed), 'visit')} on record{period}, the first on " \
                f"{listed[-1]['date']}."
    return Finding("visits", text, {"visits": listed[:20], "n": len(listed)}, (),
                   evidence=len(listed))


CAUSE_OF_DEATH = ("69453-9",)  # LOINC: Cause of death [US Standard Certificate of Death]


def vital_status_finding(job: Job) -> Finding:
    """Whether the record says the person died (FHIR Patient.deceased[x] as imported), with
    the date and a recorded cause of death, and where the record ends."""
    facts = job.facts
    end = f" The last entry is from {facts.records_end}." if facts and facts.records_end else ""
    causes = job.vault.catalogue.coded_results(patient_id=job.patient_id, codes=CAUSE_OF_DEATH)
    cause = f" The recorded cause of death is {causes[0].text.rstrip('.')}." if causes else ""
    if facts is None or not facts.deceased:
        text = "Your records show no death (no deceased flag or date of death)." + end
    elif facts.died:
        years = age(facts.birth_date, facts.died)
        at = f", at the age of {years}" if years is not None else ""
        text = f"Your records show a death recorded on {facts.died}{at}.{cause}{end}"
    else:
        text = f"Your records say this person has died, without a date of death.{cause}{end}"
    data = {"deceased": bool(facts and facts.deceased),
            "died": str(facts.died) if facts and facts.died else None}
    return Finding("vital_status", text, data, tuple(r.row_id for r in causes),
                   evidence=int(bool(facts and facts.deceased)))


@cache
def _table(name: str) -> dict[str, Any]:
    """A category table of resources/ (BMI, HbA1c): each category from its lower bound."""
    return load_resource(name)


def _category(table: dict[str, Any], value: float) -> str:
    return str([c["name"] for c in table["categories"] if value >= c["from"]][-1])


BMI_WORDS = re.compile(r"\b(overweight|obese|obesity|underweight|category|class|healthy "
                       r"weight|normal weight|too (heavy|thin|fat))\b")


def bmi_category_finding(job: Job) -> Finding | None:
    """"Am I overweight?", "What is my BMI category?": the latest BMI in its adult category
    (resources/bmi_categories.json); None for other questions, without a BMI, or for a
    person under 18 then (BMI-for-age percentiles judge children)."""
    if not BMI_WORDS.search(job.question.text.lower()):
        return None
    s = _primary(job, "39156-5")
    if s is None or not s.usable or s.unit not in ("kg/m2", "kg/m²"):
        return None
    last = s.usable[-1]
    table = _table("bmi_categories.json")
    born = job.facts.birth_date if job.facts else None
    years = age(born, date.fromisoformat(last.day)) if born else None
    if years is not None and years < table["adult_from_age"]:
        return None
    name = _category(table, last.value)
    text = (f"Your most recent BMI, {fmt(last.value, s.unit)} on {last.day}, is in the adult "
            f"category {name}.")
    return Finding("bmi_category", text, {"bmi": last.value, "date": last.day,
                                          "category": name}, (last.id,), "39156-5")


# "am I at risk for diabetes?", "is my A1c normal?": the latest HbA1c in its ADA range
GLYCEMIC_WORDS = re.compile(r"\b(risk\w*|prediabet\w*|pre-diabet\w*|(diabetes|diabetic) range"
                            r"|normal|healthy|good|ok|okay|fine|too high|range)\b")


def glycemic_category_finding(job: Job, conditions: ConditionList) -> Finding | None:
    """"Am I at risk for diabetes?", "Is my A1c normal?": the latest HbA1c in its range
    (resources/glycemic_categories.json, ADA), with the diabetes-related conditions on
    record; None for other questions ("do I have diabetes?" is the conditions' to answer)
    or without an HbA1c in percent."""
    q = job.question
    lowered = q.text.lower()
    if not GLYCEMIC_WORDS.search(lowered) or not (
            HBA1C in q.codes or re.search(r"\b(diabet\w*|sugar)\b", lowered)) or (
            "presence" in q.intents and not re.search(r"\brisk", lowered)):
        return None
    table = _table("glycemic_categories.json")
    s = _primary(job, table["code"])
    if s is None or not s.usable or s.unit != table["unit"]:
        return None
    last = s.usable[-1]
    name = _category(table, last.value)
    text = f"Your most recent HbA1c, {fmt(last.value, s.unit)} on {last.day}, is in {name}."
    recorded = [c for c in conditions.conditions
                if re.search(r"diabet", str(c["display"]).lower()) and c["kind"] == "condition"]
    if recorded:
        text += " Your records list " + listing([
            f"{plain_condition(str(c['display']))} since {c['onset']}"
            + ("" if c["active"] else f" (ended {c['abatement']})") for c in recorded]) + "."
    return Finding("glycemic_category", text, {"hba1c": last.value, "date": last.day,
                                               "category": name}, (last.id,), HBA1C)


@cache
def _ratio_limits() -> dict[str, Any]:
    return load_resource("cholesterol_ratio.json")


def cholesterol_ratio_finding(job: Job) -> Finding | None:
    """"What's my cholesterol ratio?": total over HDL cholesterol of the latest day with
    both, against the limits of resources/cholesterol_ratio.json; None for other questions
    or without both."""
    if not re.search(r"\bratio\b", job.question.text.lower()) or not {
            "2093-3", "2085-9"} & set(job.question.codes):
        return None
    total, hdl = _primary(job, "2093-3"), _primary(job, "2085-9")
    if not (total and hdl and total.usable and hdl.usable and total.unit == hdl.unit):
        return None
    by_day = {r.day: r for r in hdl.usable}
    pair = next(((t, by_day[t.day]) for t in reversed(total.usable) if t.day in by_day
                 and by_day[t.day].value), None)
    if pair is None:
        return None
    t, h = pair
    ratio = t.value / h.value
    limits = _ratio_limits()
    text = (f"Your total-to-HDL cholesterol ratio was {fmt(round(ratio, 1))} on {t.day} "
            f"(total {fmt(t.value, t.unit)}, HDL {fmt(h.value, h.unit)}); under "
            f"{fmt(limits['desirable_below'])} is desirable and under "
            f"{fmt(limits['ideal_below'])} ideal.")
    return Finding("cholesterol_ratio", text, {"ratio": ratio, "date": t.day},
                   (t.id, h.id), "2093-3")


def age_finding(job: Job, today: date) -> Finding:
    """The date of birth on record and the age it gives (at death, for a person who
    died)."""
    facts = job.facts
    born = facts.birth_date if facts else None
    if facts is None or born is None:
        return Finding("age", "Your records give no date of birth.", {"born": None}, (),
                       evidence=0)
    on = facts.died or today
    years = age(born, on)
    when = (f"; the death recorded on {facts.died} was at the age of {years}" if facts.died
            else f", so you are {years} today")
    return Finding("age", f"Your records give your date of birth as {born}{when}.",
                   {"born": str(born), "age": years}, (), evidence=1)


def critical_finding(job: Job) -> Finding:
    """Readings beyond a critical limit, as the query manager flags them."""
    m = job.vault.measurements
    readings = m.critical(patient_id=job.patient_id, since=job.question.window.since)
    if not readings:
        return Finding("critical", "No reading on record reached a critical limit.",
                       {"count": 0}, (), evidence=0)
    by_measure: dict[str, list[Reading]] = {}
    for r in readings:
        by_measure.setdefault(r.measure, []).append(r)
    parts = []
    for key, rows in sorted(by_measure.items(), key=lambda kv: -len(kv[1])):
        measure = m.measure(key)
        hi = max(rows, key=lambda r: r.value)
        lo = min(rows, key=lambda r: r.value)
        worst = hi if measure.critical_above is not None or (
            measure.critical_at_or_above is not None and hi.value >= measure.critical_at_or_above
        ) else lo
        parts.append(f"{plural(len(rows), measure.name + ' reading')} beyond the critical limit "
                     f"({measure.critical_text()} {_label(worst.unit)}), the most extreme "
                     f"{fmt(worst.value, worst.unit)} on {worst.day}")
    text = "Dangerous values: " + "; ".join(parts) + "."
    # named, as the answer may lead with another measure ("Is my cholesterol too high?")
    names = listing([in_prose(m.measure(key).name) for key in sorted(
        by_measure, key=lambda k: -len(by_measure[k]))])
    return Finding("critical", text, {"count": len(readings), "measures": sorted(by_measure)},
                   tuple(r.id for r in readings), None,
                   f"Readings beyond a critical limit are on record ({names}): were they "
                   "followed up?",
                   f"Ask your clinician whether the dangerous {names} readings were followed up.")


def _label(unit: str | None) -> str:
    return fmt(0, unit).removeprefix("0").strip()


def baseline_finding(job: Job, code: str, medication: str, start: str) -> Finding:
    """Last reading on or before the start day against the latest one after it."""
    s = _primary(job, code, windowed=False)
    usable = s.usable if s else ()
    before = [r for r in usable if r.day <= start]
    after = [r for r in usable if r.day > start]
    name, unit = (s.name, s.unit) if s else (metric(code).name, None)
    data: dict[str, object] = {"metric": name, "code": code, "unit": unit,
                               "medication": medication, "medication_start": start,
                               "before_n": len(before), "after_n": len(after)}
    if not before:
        text = (f"There are no {name} readings before you started {medication} on {start}"
                + (f"; since then the latest is {fmt(after[-1].value, unit)} on "
                   f"{after[-1].day}." if after else "."))
        return Finding("baseline", text, data, tuple(r.id for r in after), code)
    base = before[-1]
    data |= {"baseline": base.value, "baseline_date": base.day}
    if not after:
        text = (f"Your last {name} before {medication} (started {start}) was "
                f"{fmt(base.value, unit)} on {base.day}; there are no readings since.")
        return Finding("baseline", text, data, (base.id,), code)
    last = after[-1]
    change = (last.value - base.value) / abs(base.value) * 100 if base.value else None
    data |= {"after": last.value, "after_date": last.day,
             "change_percentage": round(change, 1) if change is not None else None}
    way = "" if change is None else f" ({change:+.1f}%)"
    text = (f"Your {name} was {fmt(base.value, unit)} on {base.day}, the last reading "
            f"before you started {medication} on {start}, and {fmt(last.value, unit)} on "
            f"{last.day}{way}, the latest of {plural(len(after), 'reading')} since.")
    return Finding("baseline", text, data, (base.id, *(r.id for r in after)), code)
