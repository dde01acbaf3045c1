"""Findings that answer the question as asked: a kidney picture with its KDIGO stage,
coded results (Detected, Negative ...) with their dates, extremes and counts beyond a
threshold, dangerous (critical) readings, and a medication's baseline and after.

Every number comes from a tool query or the person's catalogue; each finding's `text`
states it in one sentence the CMO can lead with.
"""

from __future__ import annotations

from agents import clinical, tools, vocabulary
from agents.codes import metric
from agents.findings import Finding, fmt, plural
from agents.team.job import Job
from agents.tools.observations import Series


def _series(job: Job, code: str) -> Series:
    return tools.series(job.vault, patient_id=job.patient_id, code=code,
                        window=job.question.window)


def _day(iso: str) -> str:
    return iso[:10]


def kidney_finding(job: Job) -> Finding | None:
    """Latest eGFR with its G category and latest urine albumin/creatinine with its A."""
    topic = vocabulary.by_id()["kidney"]
    egfr_code = job.holdings.resolve(topic.measures[0].codes)
    acr_code = job.holdings.resolve(topic.measures[2].codes)
    parts, data, rows = [], {}, []
    if egfr_code:
        s = _series(job, egfr_code)
        if s.points:
            last = s.points[-1]
            g = clinical.gfr_stage(last.value)
            first = s.points[0]
            parts.append(f"your latest eGFR was {fmt(last.value, s.unit)} on {_day(last.date)} "
                         f"(KDIGO {g.stage}, {g.label})"
                         + (f", from {fmt(first.value, s.unit)} on {_day(first.date)}"
                            if len(s.points) > 1 else ""))
            data |= {"egfr": last.value, "egfr_date": _day(last.date), "gfr_stage": g.stage,
                     "egfr_unit": s.unit, "egfr_first": first.value, "n": len(s.points)}
            rows += [p.id for p in s.points]
    if acr_code:
        s = _series(job, acr_code)
        if s.points:
            last = s.points[-1]
            a = clinical.albuminuria_stage(last.value)
            parts.append(f"urine albumin/creatinine {fmt(last.value, s.unit)} on "
                         f"{_day(last.date)} (KDIGO {a.stage}, {a.label})")
            data |= {"acr": last.value, "acr_date": _day(last.date), "albuminuria_stage": a.stage}
            rows += [p.id for p in s.points]
    if not parts:
        return None
    text = "Kidneys: " + "; ".join(parts) + "."
    concern = None
    if data.get("gfr_stage") in ("G3a", "G3b", "G4", "G5") or data.get(
            "albuminuria_stage") in ("A2", "A3"):
        concern = (f"Kidney function is reduced (KDIGO {data.get('gfr_stage', '')}"
                   f"{' ' + str(data['albuminuria_stage']) if 'albuminuria_stage' in data else ''})"
                   "; ask how often it should be checked and what protects it.")
    return Finding("kidney", text, data, tuple(rows), egfr_code, concern)


def coded_findings(job: Job) -> list[Finding]:
    """The person's coded results for each coded topic the question names."""
    out = []
    for tid in job.question.topics:
        topic = vocabulary.by_id().get(tid)
        if topic is None or not topic.coded:
            continue
        results = job.vault.catalogue.coded_results(patient_id=job.patient_id,
                                                    codes=topic.codes)
        if not results:
            continue
        latest = results[0]
        more = f" ({len(results)} results on record)" if len(results) > 1 else ""
        text = (f"{latest.display}: {latest.text.rstrip('.')} on {latest.date}{more}.")
        out.append(Finding("coded_result", text,
                           {"display": latest.display, "value": latest.text,
                            "date": str(latest.date), "n": len(results), "topic": tid,
                            "results": [{"display": r.display, "value": r.text,
                                         "date": str(r.date)} for r in results[:20]]},
                           tuple(r.row_id for r in results), latest.code))
    return out


def extreme_findings(job: Job, codes: tuple[str, ...]) -> list[Finding]:
    """Lowest/highest with their dates, and the count beyond the named threshold."""
    q = job.question
    want_low, want_high = "extreme_low" in q.intents, "extreme_high" in q.intents
    if not (want_low or want_high or "count" in q.intents or q.threshold):
        return []
    out = []
    for code in codes:
        s = _series(job, code)
        if not s.points:
            continue
        name, unit = metric(code).name, s.unit
        lo = min(s.points, key=lambda p: (p.value, p.date))
        hi = max(s.points, key=lambda p: (p.value, p.date))
        parts = []
        if want_low or not (want_high or q.threshold):
            parts.append(f"lowest {fmt(lo.value, unit)} on {_day(lo.date)}")
        if want_high or not (want_low or q.threshold):
            parts.append(f"highest {fmt(hi.value, unit)} on {_day(hi.date)}")
        data: dict[str, object] = {"metric": name, "code": code, "unit": unit,
                                   "n": len(s.points), "min": lo.value,
                                   "min_date": _day(lo.date), "max": hi.value,
                                   "max_date": _day(hi.date)}
        rows = [p.id for p in s.points]
        if q.threshold:
            op, limit = q.threshold
            beyond = [p for p in s.points if (p.value > limit if op == ">" else p.value < limit)]
            word = "above" if op == ">" else "below"
            times = "time" if len(beyond) == 1 else "times"
            parts.insert(0, f"{len(beyond)} {times} {word} {fmt(limit, unit)} out of "
                         f"{plural(len(s.points), 'reading')}")
            data |= {"threshold": limit, "direction": word, "count": len(beyond)}
            rows = [p.id for p in beyond] or rows
        text = f"{name}: " + ", ".join(parts) + (f" ({q.period})" if q.period else "") + "."
        out.append(Finding("extreme", text, data, tuple(rows), code))
    return out


def critical_finding(job: Job) -> Finding:
    """Readings beyond a critical limit (resources/critical_limits.json), per measure."""
    limits = clinical.critical_limits()
    hits: list[tuple[str, str, float, str, str | None, int]] = []
    checked = 0
    for entry in job.holdings.entries:
        lim = limits.get(entry.code)
        if lim is None or not entry.numeric:
            continue
        s = _series(job, entry.code)
        checked += len(s.points)
        for p in s.points:
            side = lim.breached(p.value)
            if side:
                hits.append((entry.code, side, p.value, _day(p.date), s.unit, p.id))
    if not hits:
        return Finding("critical", f"None of {checked} readings with a critical limit reached "
                       "it.", {"count": 0, "checked": checked}, (), evidence=checked)
    by_code: dict[str, list[tuple[str, str, float, str, str | None, int]]] = {}
    for h in hits:
        by_code.setdefault(h[0], []).append(h)
    parts = []
    for code, rows in sorted(by_code.items(), key=lambda kv: -len(kv[1])):
        worst = max(rows, key=lambda r: r[2]) if rows[0][1] == "high" else min(
            rows, key=lambda r: r[2])
        lim = limits[code]
        bound = lim.high if worst[1] == "high" else lim.low
        word = ("at or above" if lim.high_inclusive else "above") if worst[1] == "high" else (
            "at or below" if lim.low_inclusive else "below")
        times = "reading" if len(rows) == 1 else "readings"
        parts.append(f"{len(rows)} {metric(code).name} {times} {word} the critical limit of "
                     f"{fmt(bound, worst[4])} ({'highest' if worst[1] == 'high' else 'lowest'} "
                     f"{fmt(worst[2], worst[4])} on {worst[3]})")
    text = "Dangerous values: " + "; ".join(parts) + "."
    return Finding("critical", text, {"count": len(hits), "checked": checked,
                                      "codes": sorted(by_code)},
                   tuple(h[5] for h in hits), None,
                   "Readings beyond a critical limit are on record: were they followed up?",
                   "Ask your clinician whether these dangerous readings were followed up.")


def baseline_finding(job: Job, code: str, medication: str, start: str) -> Finding:
    """Last reading on or before the start day against the latest one after it."""
    s = tools.series(job.vault, patient_id=job.patient_id, code=code)
    before = [p for p in s.points if _day(p.date) <= start]
    after = [p for p in s.points if _day(p.date) > start]
    name, unit = metric(code).name, s.unit
    data: dict[str, object] = {"metric": name, "code": code, "unit": unit,
                               "medication": medication, "medication_start": start,
                               "before_n": len(before), "after_n": len(after)}
    if not before:
        text = (f"There are no {name} readings before you started {medication} on {start}"
                + (f"; since then the latest is {fmt(after[-1].value, unit)} on "
                   f"{_day(after[-1].date)}." if after else "."))
        return Finding("baseline", text, data, tuple(p.id for p in after), code)
    base = before[-1]
    data |= {"baseline": base.value, "baseline_date": _day(base.date)}
    if not after:
        text = (f"Your last {name} before {medication} (started {start}) was "
                f"{fmt(base.value, unit)} on {_day(base.date)}; there are no readings since.")
        return Finding("baseline", text, data, (base.id,), code)
    last = after[-1]
    change = (last.value - base.value) / abs(base.value) * 100 if base.value else None
    data |= {"after": last.value, "after_date": _day(last.date),
             "change_percentage": round(change, 1) if change is not None else None}
    way = "" if change is None else f" ({change:+.1f}%)"
    text = (f"Your {name} was {fmt(base.value, unit)} on {_day(base.date)}, the last reading "
            f"before you started {medication} on {start}, and {fmt(last.value, unit)} on "
            f"{_day(last.date)}{way}, the latest of {plural(len(after), 'reading')} since.")
    return Finding("baseline", text, data, (base.id, *(p.id for p in after)), code)
