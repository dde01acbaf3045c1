"""The answers evaluation, second set: questions phrased in ways the first set does not use
(units asked for, height, urine albumin, death, explicit date ranges, extremes and counts
in other words, stopped medications, care gaps, things not on record). Written before
the code that answers them; expected facts are read from the raw files here (json,
lxml), with the unit factors written out in the test from their sources.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

from storage.vault import Vault
from tests.agents.conftest import CCDA, Imported
from tests.agents.raw_fhir import plausible_limits
from tests.agents.test_answer_eval import ACR_CODES, Case, _acr_stage, _ccda_value, _raw, num, score
from tests.agents.test_tools_synthea import BUNDLES, patient_id

LB = 0.45359237  # kg per avoirdupois pound (UCUM [lb_av]); a stone is 14 lb
GLUCOSE_MMOL = 18.016  # mg/dL per mmol/L (glucose 180.16 g/mol)
CHOLESTEROL_MMOL = 38.67  # mg/dL per mmol/L (cholesterol 386.65 g/mol)
TEMPERATURE = ("8310-5", "8331-1", "8332-9", "8333-7", "8328-7")  # LOINC body temperature
URINE_ALBUMIN = ("14959-1", "9318-7", "32294-1", "14957-5", "1754-1")


def _facts(path: Path) -> dict:
    """What the first set's reader leaves out: death, birth, active conditions, the
    medications only ever stopped, codes present (also in components)."""
    bundle = json.loads(path.read_text())
    out: dict = {"active_conditions": [], "ended_conditions": [], "status": {}, "codes": set(),
                 "starts": [], "onsets": {}}
    for entry in bundle["entry"]:
        res = entry["resource"]
        kind = res["resourceType"]
        if kind == "Patient":
            out["birth"] = date.fromisoformat(res["birthDate"])
            out["deceased"] = bool(res.get("deceasedDateTime") or res.get("deceasedBoolean"))
        elif kind == "Condition":
            ended = "abatementDateTime" in res
            out["ended_conditions" if ended else "active_conditions"].append(
                res["code"]["coding"][0]["display"].lower())
            if not ended and "onsetDateTime" in res:
                out["onsets"].setdefault(res["code"]["coding"][0]["display"].lower(), []).append(
                    res["onsetDateTime"][:10])
        elif kind == "MedicationRequest":
            concept = res.get("medicationCodeableConcept", {})
            name = concept.get("text") or concept["coding"][0]["display"]
            out["status"].setdefault(name, set()).add(res["status"])
            if "authoredOn" in res:
                out["starts"].append((name, int(res["authoredOn"][:4])))
        elif kind == "Observation":
            for part in [res, *res.get("component", [])]:
                out["codes"].add(part["code"]["coding"][0]["code"])
    return out


def _latest_in(series: list, since: date | None = None, until: date | None = None) -> list:
    return [r for r in series if (since is None or r[0].date() >= since)
            and (until is None or r[0].date() <= until)]


def _day(t: datetime) -> str:
    return t.date().isoformat()


def _pick_year(series: list) -> int:
    """A year the person has readings in: the middle reading's."""
    return series[len(series) // 2][0].year


def unit_cases(pid: str, obs: dict) -> list[Case]:
    cases = []
    if obs.get("29463-7"):
        t, kg, _ = obs["29463-7"][-1]
        lb = kg / LB
        cases += [Case(pid, "What is my weight in pounds?", (num(round(lb, 2)), "lb", _day(t))),
                  Case(pid, "How many pounds do I weigh?", (num(round(lb, 2)), _day(t))),
                  Case(pid, "How heavy am I in stone?", (f"{int(lb // 14)} st", _day(t))),
                  Case(pid, "What is my weight in stone and pounds?", (f"{int(lb // 14)} st",)),
                  Case(pid, "Tell me my weight in kilograms", (num(kg), "kg", _day(t)))]
        limit = int(sorted(r[1] for r in obs["29463-7"])[len(obs["29463-7"]) // 2] / LB)
        above = sum(r[1] / LB > limit for r in obs["29463-7"])
        cases.append(Case(pid, f"How many times was my weight over {limit} pounds?",
                          (f"{above} time", f"above {limit} lb")))
    if obs.get("2339-0"):
        t, v, _ = obs["2339-0"][-1]
        cases.append(Case(pid, "What was my last glucose in mmol/L?",
                          (num(round(v / GLUCOSE_MMOL, 2)), "mmol/L", _day(t))))
        above = sum(r[1] / GLUCOSE_MMOL > 5.5 for r in obs["2339-0"])
        cases.append(Case(pid, "How often has my glucose been above 5.5 mmol/L?",
                          (f"{above} time", "above 5.5 mmol/L")))
    if obs.get("2093-3"):
        t, v, _ = obs["2093-3"][-1]
        cases.append(Case(pid, "Give me my latest total cholesterol in mmol/L",
                          (num(round(v / CHOLESTEROL_MMOL, 2)), "mmol/L", _day(t))))
    if obs.get("8302-2"):
        t, cm, _ = obs["8302-2"][-1]
        cases += [Case(pid, "How tall am I?", (num(cm), _day(t))),
                  Case(pid, "How tall was I at my last visit?", (num(cm), _day(t))),
                  Case(pid, "What's my height in inches?", (num(round(cm / 2.54, 2)), "in")),
                  Case(pid, "How tall am I in feet?", (f"{int(cm / 2.54 // 12)} ft",))]
    temps = sorted((r for c in TEMPERATURE for r in obs.get(c, [])), key=lambda r: r[0])
    cases.append(Case(pid, "What is my temperature in Fahrenheit?",
                      (num(round(temps[-1][1] * 9 / 5 + 32, 2)), "°F", _day(temps[-1][0]))
                      if temps else ("no body temperature",)))
    return cases


def albumin_cases(pid: str, obs: dict) -> list[Case]:
    urine = sorted((r for c in URINE_ALBUMIN for r in obs.get(c, [])), key=lambda r: r[0])
    facts = (num(urine[-1][1]), _day(urine[-1][0])) if urine else ("records have no urine",)
    serum = tuple(str(r[1]) + " g/dL" for r in obs.get("1751-7", [])[-1:])  # not the answer
    cases = [Case(pid, q, facts, serum) for q in (
        "What is my urine albumin?", "Is there albumin in my urine?",
        "What did my last urine microalbumin test show?")]
    ratios = sorted((r for c in ACR_CODES for r in obs.get(c, [])), key=lambda r: r[0])
    if ratios:  # KDIGO 2012 Table 6 (mg/g), written out in the first set's reader
        cases.append(Case(pid, "Is my urine albumin normal?", (_acr_stage(ratios[-1][1]),)))
    return cases


def death_cases(pid: str, raw: dict, facts: dict) -> list[Case]:
    said = (f"death recorded on {raw['died']}",) if raw["died"] else ("no death",)
    born = facts["birth"]
    on = date.fromisoformat(raw["died"]) if raw["died"] else date.today()
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    cases = [Case(pid, "How old am I?", (born.isoformat(), f"age of {years}" if raw["died"]
                                         else f"you are {years}"), ("deserve attention",))]
    if raw["died"]:
        cases.append(Case(pid, "How old was I when I died?", (f"age of {years}",)))
    return cases + [Case(pid, q, said, ("deserve attention",)) for q in (
        "When did I die?", "Is the patient deceased?", "Is this person still alive?",
        "What is the date of death?", "Did I pass away?")]


def range_cases(pid: str, obs: dict) -> list[Case]:
    cases = []
    if weights := obs.get("29463-7"):
        year = _pick_year(weights)
        inside = _latest_in(weights, date(year, 1, 1), date(year, 12, 31))
        top = max(inside, key=lambda r: (r[1], -r[0].timestamp()))
        cases.append(Case(pid, f"What was my highest weight in {year}?", (num(top[1]),
                                                                           _day(top[0]))))
    if bmi := obs.get("39156-5"):
        year = _pick_year(bmi)
        n = len(_latest_in(bmi, date(year, 3, 1)))
        cases.append(Case(pid, f"How many BMI results do I have since March {year}?",
                          (f"{n} result",)))
        since = _latest_in(bmi, date(year, 1, 1))
        if len(since) >= 2:  # from a year to now: the window's first and latest readings,
            first, last = since[0][1], since[-1][1]  # and the change between the two
            cases.append(Case(pid, f"How has my BMI changed between {year} and now?",
                              (num(first), _day(since[0][0]), _day(since[-1][0]),
                               f"{(last - first) / first * 100:+.1f}% since")))
        before, after = _latest_in(bmi, until=date(year - 1, 12, 31)), since
        if before and after:  # the pivot year's start splits the two sides
            cases.append(Case(pid, f"Compare my BMI before and after {year}",
                              (num(before[-1][1]), _day(before[-1][0]), num(after[-1][1]),
                               _day(after[-1][0]))))
        after = _latest_in(weights, date(year, 6, 1)) if weights else []
        if weights and len(weights) >= 2:  # lost or gained: the first and latest weights
            w0, w1 = weights[0][1], weights[-1][1]
            cases.append(Case(pid, "How much weight have I lost?", (
                num(w0), num(w1), f"{(w1 - w0) / w0 * 100:+.1f}% since")))
        if after:
            cases.append(Case(pid, f"Show me my weight since June {year}",
                              (num(after[-1][1]), _day(after[-1][0]))))
    if potassium := obs.get("2823-3") or obs.get("6298-4"):  # MedlinePlus: 3.7-5.2 mEq/L
        low = sum(r[1] < 3.7 for r in potassium)
        cases.append(Case(pid, "Was my potassium ever low?", (
            "yes" if low else "no", f"{low} time", num(min(r[1] for r in potassium)))))
    if hdl := obs.get("2085-9"):  # a year with none: the nearest readings either side
        years = {r[0].year for r in hdl}
        gaps = [y for y in range(min(years), max(years)) if y not in years]
        if gaps:
            before = [r for r in hdl if r[0].year < gaps[0]][-1]
            after = next(r for r in hdl if r[0].year > gaps[0])
            cases.append(Case(pid, f"What was my HDL in {gaps[0]}?", (
                num(before[1]), _day(before[0]), num(after[1]), _day(after[0]))))
        y1, y2 = hdl[0][0].year, _pick_year(hdl)
        inside = _latest_in(hdl, date(y1, 1, 1), date(y2, 12, 31))
        low = min(inside, key=lambda r: (r[1], r[0]))
        cases.append(Case(pid, f"What was my lowest HDL between {y1} and {y2}?",
                          (num(low[1]), _day(low[0]))))
    if glucose := obs.get("2339-0"):
        year = _pick_year(glucose)
        inside = _latest_in(glucose, date(year, 1, 1), date(year, 12, 31))
        mean = sum(r[1] for r in inside) / len(inside)
        cases.append(Case(pid, f"What was my average glucose in {year}?",
                          (num(round(mean, 2)),)))
        high = sum(r[1] > 99 for r in glucose)  # ADA 2024: fasting normal 70-99 mg/dL
        cases.append(Case(pid, "Have I ever had a high glucose?", (
            "yes" if high else "no", f"{high} time", num(max(r[1] for r in glucose)))))
        n = sum(r[1] >= 100 for r in glucose)
        cases.append(Case(pid, "How often was my glucose 100 or higher?", (f"{n} time",)))
        cases.append(Case(pid, f"What was my blood sugar in {year}?",
                          (num(inside[-1][1]), _day(inside[-1][0]))))
    return cases


def extreme_cases(pid: str, obs: dict) -> list[Case]:
    cases = []
    if sys := obs.get("8480-6"):
        n = sum(r[1] > 130 for r in sys)
        cases.append(Case(pid, "How many times has my systolic pressure been over 130?",
                          (f"{n} time", "above 130")))
    if sys:
        n = sum(r[1] > 160 for r in sys)
        cases.append(Case(pid, "Did my systolic pressure ever go above 160?",
                          ("Yes" if n else "No", f"{n} time")))
    if sys:  # "at least": the limit itself counts
        n = sum(r[1] >= 140 for r in sys)
        cases.append(Case(pid, "How many times was my systolic at least 140?",
                          (f"{n} time", "at or above 140")))
    if dia := obs.get("8462-4"):
        n = sum(r[1] > 90 for r in dia)
        cases.append(Case(pid, "How often was my diastolic above 90?", (f"{n} time",)))
    if weights := obs.get("29463-7"):
        top = max(weights, key=lambda r: (r[1], -r[0].timestamp()))
        cases.append(Case(pid, "What's the most I have ever weighed?", (num(top[1]),
                                                                         _day(top[0]))))
    if ldl := obs.get("18262-6"):
        low = min(ldl, key=lambda r: (r[1], r[0]))
        cases.append(Case(pid, "When was my LDL at its lowest?", (num(low[1]), _day(low[0]))))
    if a1c := obs.get("4548-4"):
        low, high = plausible_limits()["4548-4"]  # readings no assay gives are not counted
        credible = [r for r in a1c if low <= r[1] <= high]
        n = sum(r[1] > 6.5 for r in credible)
        cases.append(Case(pid, "How often has my A1c been above 6.5?",
                          (f"{n} time",) if credible else ("held for verification",)))
    if chol := obs.get("2093-3"):
        top = max(chol, key=lambda r: (r[1], -r[0].timestamp()))
        cases.append(Case(pid, "What was the highest my cholesterol has been?",
                          (num(top[1]), _day(top[0]))))
    return cases


def medication_cases(pid: str, facts: dict) -> list[Case]:
    cases = []
    if facts["starts"]:  # a medication started in a year ran in it
        name, year = sorted(facts["starts"], key=lambda x: x[1])[len(facts["starts"]) // 2]
        cases.append(Case(pid, f"What medicines was I on in {year}?", (name,)))
    stopped = sorted(n for n, s in facts["status"].items() if "active" not in s)
    active = sorted(n for n, s in facts["status"].items() if "active" in s)
    cases.append(Case(pid, "Am I currently on any prescriptions?",
                      (f"{len(active)} active", *active) if active else ("none active",)))
    firsts = [n.split()[0].lower() for n in facts["status"]]
    for names, word in ((active, "yes"), (stopped, "no")):  # "am I still on X?"
        unique = [n for n in names if firsts.count(n.split()[0].lower()) == 1
                  and n.split()[0].isalpha() and len(n.split()[0]) > 4]
        if unique:
            cases.append(Case(pid, f"Am I still on {unique[0].split()[0].lower()}?",
                              (f"{word}:", unique[0])))
    # what a medicine is for: ACE inhibitors (-pril), ARBs (-sartan), thiazides, amlodipine
    # and beta blockers (-olol) are blood pressure medicines (WHO INN stems)
    bp = [n for n in active if re.search(r"pril|sartan|thiazide|amlodipine|olol", n.lower())]
    if bp:
        cases.append(Case(pid, "What am I taking for my blood pressure?", tuple(bp),
                          tuple(n for n in active if n not in bp)))
    for name, onsets in facts["onsets"].items():
        if "hypertension" in name:  # how long: since the diagnosis's onset
            cases.append(Case(pid, "How long have I had high blood pressure?",
                              (min(onsets),), ("yes:",)))
    if stopped:
        cases += [Case(pid, q, (stopped[0],)) for q in (
            "Which medications have I stopped?", "What drugs did I come off?")]
        # Synthea gives no stop date: named among those stopped on a date not given
        years = [y for n, y in facts["starts"] if n == stopped[0]]
        if years:
            cases.append(Case(pid, f"What medications did I stop in {min(years)}?",
                              (stopped[0],)))
    return cases


def gap_cases(pid: str, facts: dict) -> list[Case]:
    cases = [Case(pid, "Do I have any vitamin B12 results?", ("records have no vitamin b12",)),
             Case(pid, "Have I ever had my ferritin checked?", ("records have no ferritin",)),
             Case(pid, "What's my magnesium level?", ("records have no magnesium",))]
    cases += [Case(pid, q, ("not imported",), ("deserve attention",)) for q in (
        "What did my brain MRI show?", "Have I had a colonoscopy?")]  # no Procedure import
    if not facts["codes"] & {"882-1", "883-9", "10331-7"}:  # LOINC ABO/Rh
        cases.append(Case(pid, "What's my blood type?", ("records have no blood group",)))
    if "2857-1" not in facts["codes"]:  # LOINC PSA
        cases.append(Case(pid, "Is a prostate test anywhere in my file?", ("records have no psa",)))
    today = date.today()
    age = today.year - facts["birth"].year - ((today.month, today.day)
                                              < (facts["birth"].month, facts["birth"].day))
    conditions = facts["active_conditions"]
    diabetic = any("diabet" in c and "prediabet" not in c for c in conditions)
    statin = any("vastatin" in n.lower() and "active" in s for n, s in facts["status"].items())
    if facts["deceased"]:
        cases.append(Case(pid, "What care might I be missing?", ("death recorded",),
                          ("may be due", "is one due")))
    elif diabetic and 40 <= age <= 75 and not statin:  # ADA 2025 section 10
        cases.append(Case(pid, "What care might I be missing?", ("no statin",)))
        # a list of vaccinations is not asked for the care gaps
        cases.append(Case(pid, "What vaccines have I had?", ("vaccinations on record",),
                          ("statin",)))
    elif any("prediabet" in c for c in conditions):  # prediabetes is not diabetes
        cases.append(Case(pid, "What care might I be missing?", (), ("with diabetes",)))
    return cases


def too_high_cases(pid: str, obs: dict) -> list[Case]:
    """"Is my X too high?" is answered with X, even when another measure has dangerous
    values (a systolic pressure of 180 mmHg or more: AHA's hypertensive crisis)."""
    systolic = obs.get("8480-6") or []
    if not any(r[1] >= 180 for r in systolic):
        return []
    cases = []
    for code, word in (("2093-3", "cholesterol"), ("39156-5", "BMI")):
        if series := obs.get(code):
            latest = max(series, key=lambda r: r[0])
            cases.append(Case(pid, f"Is my {word} too high?", (num(latest[1]),),
                              ("dangerous values",)))
    return cases


def lab_cases(pid: str, obs: dict) -> list[Case]:
    """Results asked for as lab or blood tests: laboratory results only, never vital
    signs, and never read as a condition ("any abnormal blood tests?")."""
    if not obs.get("8480-6") and not obs.get("39156-5"):
        return []  # no vital signs that could be mixed in
    vitals = ("blood pressure", "bmi", "body weight", "no condition matching")
    return [Case(pid, q, ("reference ranges",), vitals) for q in (
        "Which of my lab results are abnormal?", "Any abnormal blood tests?",
        "Were any of my labs out of range?")]


def latest_lab_cases(pid: str, bundle: Path) -> list[Case]:
    """"What were my last lab results?", "What are my vital signs?": the tests of the
    person's latest day with a laboratory result (or a vital sign; the file's own calendar
    day), with their values (components too: a blood pressure's two)."""
    found: dict[str, list[tuple[str, float]]] = {"laboratory": [], "vital-signs": []}
    for entry in json.loads(bundle.read_text())["entry"]:
        res = entry["resource"]
        if res["resourceType"] != "Observation" or "effectiveDateTime" not in res:
            continue
        # FHIR's code is "vital-signs"; some Synthea versions write "vital-sign"
        for kind in {{"vital-sign": "vital-signs"}.get(c["code"], c["code"])
                     for cat in res.get("category", []) for c in cat["coding"]}:
            for part in [res, *res.get("component", [])]:
                if kind in found and "valueQuantity" in part:
                    found[kind].append((res["effectiveDateTime"][:10],
                                        part["valueQuantity"]["value"]))
    cases = []
    for kind, questions in (("laboratory", ("What were my last lab results?",
                                            "Show me my most recent blood work")),
                            ("vital-signs", ("What are my vital signs?",))):
        if found[kind]:
            day = max(d for d, _ in found[kind])
            values = sorted({num(v) for d, v in found[kind] if d == day})[:3]
            cases += [Case(pid, q, (day, *values), ("outside their reference ranges",))
                      for q in questions]
    return cases


def visit_cases(pid: str, bundle: Path) -> list[Case]:
    """"When was my last doctor's visit?": the latest Encounter's day and how many."""
    starts = [e["resource"]["period"]["start"][:10] for e in json.loads(bundle.read_text())[
        "entry"] if e["resource"]["resourceType"] == "Encounter"
        and "start" in e["resource"].get("period", {})]
    if not starts:
        return []
    said = (max(starts), f"{len(starts)} visits" if len(starts) > 1 else "")
    return [Case(pid, q, tuple(f for f in said if f)) for q in (
        "When was my last doctor's visit?", "How many appointments have I had?")]


def judged_cases(pid: str, obs: dict, facts: dict) -> list[Case]:
    """A value asked about as a goal is judged against its range; a thyroid question is
    answered with the thyroid, never with the diabetes conditions endocrinology reviews."""
    cases = []
    if ldl := obs.get("18262-6"):
        latest = max(ldl, key=lambda r: r[0])  # NCEP ATP III: optimal LDL < 100 mg/dL
        side = "above" if latest[1] > 100 else "within"
        cases.append(Case(pid, "Is my LDL at goal?", (num(latest[1]),
                                                      f"{side} the reference range")))
    if any("heart failure" in c for c in facts["active_conditions"]):
        failing = next(c for c in facts["active_conditions"] if "heart failure" in c)
        cases.append(Case(pid, "How is my heart failure?", (re.sub(r" \(\w+\)$", "", failing),)))
    if bmi := obs.get("39156-5"):  # WHO adult BMI categories (TRS 894): 18.5, 25, 30, 35, 40
        latest = max(bmi, key=lambda r: r[0])
        born = facts["birth"]
        if latest[0].year - born.year - ((latest[0].month, latest[0].day)
                                          < (born.month, born.day)) >= 18:
            cuts = [(40, "class 3"), (35, "class 2"), (30, "class 1"), (25, "overweight"),
                    (18.5, "healthy weight"), (0, "underweight")]
            word = next(w for cut, w in cuts if latest[1] >= cut)
            cases.append(Case(pid, "Am I overweight?", (num(latest[1]), word)))
    total, hdl = obs.get("2093-3") or [], {_day(r[0]): r[1] for r in obs.get("2085-9") or []}
    both = [r for r in total if _day(r[0]) in hdl and hdl[_day(r[0])]]
    if both:  # total over HDL of the latest day with both
        last = max(both, key=lambda r: r[0])
        cases.append(Case(pid, "What's my cholesterol ratio?", (
            f"ratio was {last[1] / hdl[_day(last[0])]:.1f}".removesuffix(".0"),
            _day(last[0]))))
    thyroid = {"3016-3", "11580-8", "3024-7", "3051-0", "3053-6"}  # LOINC TSH, free T4, T3
    said = () if facts["codes"] & thyroid else ("records have no tsh",)
    cases.append(Case(pid, "How is my thyroid?", said, ("diabet",)))
    return cases


def condition_cases(pid: str, facts: dict) -> list[Case]:
    """Questions for the list of conditions, naming none: every recorded one (those still
    active when the question says chronic or current), with its name as the file has it."""
    def named(display: str) -> str:  # without SNOMED CT's semantic tag: "anemia (disorder)"
        return re.sub(r" \((disorder|finding|situation|morphologic abnormality)\)$", "", display)

    active = sorted({named(c) for c in facts["active_conditions"]})
    everything = sorted(set(active) | {named(c) for c in facts["ended_conditions"]})
    if not everything:
        return []
    ended_only = tuple(c for c in everything if c not in active
                       and not any(c in a for a in active))
    return [Case(pid, "What health problems have I been diagnosed with?", tuple(everything)),
            Case(pid, "Which diseases are on my record?", tuple(everything)),
            Case(pid, "Do I have any chronic conditions?", tuple(active) or ("no such",),
                 ended_only)]


def synthea_cases(vault: Vault) -> list[Case]:
    cases: list[Case] = []
    for bundle in BUNDLES:
        raw, facts = _raw(bundle), _facts(bundle)
        pid = patient_id(vault, raw["id"])
        obs = raw["obs"]
        cases += unit_cases(pid, obs) + albumin_cases(pid, obs) + death_cases(pid, raw, facts)
        cases += range_cases(pid, obs) + extreme_cases(pid, obs)
        cases += medication_cases(pid, facts) + gap_cases(pid, facts)
        cases += condition_cases(pid, facts) + too_high_cases(pid, obs) + lab_cases(pid, obs)
        cases += judged_cases(pid, obs, facts) + latest_lab_cases(pid, bundle)
        cases += visit_cases(pid, bundle)
    return cases


def other_cases(imported: Imported, testdata: Path) -> list[tuple[Vault, Case]]:
    from lxml import etree

    def pid_of(prefix: str) -> str:
        return imported.patients[prefix][1]

    value, day = _ccda_value(next((testdata / "ccda").glob(f"{CCDA[0]}*.xml")))
    cases = [Case(pid_of(CCDA[0]), "Was I positive for coronavirus?", (value, day)),
             Case(pid_of(CCDA[1]), "Am I on any medicines?", ("no medications are recorded",)),
             Case(pid_of(CCDA[1]), "Is the patient deceased?", ("no death",))]
    tree = etree.parse(str(testdata / "apple_health" / "apple_health_parser_export.xml"))
    rates = [(float(r.get("value")), r.get("startDate")) for r in tree.xpath(
        "//Record[@type='HKQuantityTypeIdentifierHeartRate']")]
    cases.append(Case(pid_of("apple"), "What was my lowest pulse?",
                      (num(min(v for v, _ in rates)),)))
    # a year is the person's calendar year: the export's local times ("2024-01-01 01:01:36
    # +0200" is in 2024, though in UTC it is still 2023)
    for year in sorted({day[:4] for _, day in rates}):
        inside = [v for v, day in rates if day.startswith(year)]
        cases.append(Case(pid_of("apple"), f"What was my highest heart rate in {year}?",
                          (num(max(inside)), f"{year}-")))
    cases.append(Case(pid_of("apple"), "How did I sleep?", (), ("HKCategory", "Identifier")))
    vault_of = {pid: vault for vault, pid in imported.patients.values()}
    return [(vault_of[c.patient], c) for c in cases]


def test_answers_to_new_phrasings(shared_vault: Vault, other_vault: Imported,
                                  testdata: Path) -> None:
    cases = [(shared_vault, c) for c in synthea_cases(shared_vault)]
    cases += other_cases(other_vault, testdata)
    phrasings = {re.sub(r"\d+", "N", c.question) for _, c in cases}
    assert len(phrasings) >= 40
    assert score(f"new phrasings ({len(phrasings)} phrasings)", cases) >= 0.9
