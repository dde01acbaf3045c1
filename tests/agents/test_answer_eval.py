"""The answers evaluation: questions over the Synthea bundles, C-CDA examples and an Apple
export, each with expected facts (values, dates, counts, not-found, can't-help) read from
the raw files here with json/lxml, never through the app's code. It prints its score.

Vaults are built once per session (the Synthea template of conftest, one for C-CDA and
Apple); each question runs the whole offline team.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from agents.llm import select_engine
from agents.team.run import answer
from storage.vault import Vault
from tests.agents.conftest import CCDA, Imported
from tests.agents.test_tools_synthea import BUNDLES, patient_id

EGFR_UNIT = "mL/min/{1.73_m2}"
ACR_CODES = ("14959-1", "9318-7", "32294-1")  # LOINC urine albumin/creatinine ratio terms


@dataclass(frozen=True)
class Case:
    patient: str  # the vault's patient id
    question: str
    facts: tuple[str, ...]  # each must appear in the answer's summary (case-insensitive)
    absent: tuple[str, ...] = ()  # none may appear


def num(value: float) -> str:
    """A number as a reader writes it: 175.0 -> "175", 5.621 -> "5.62"; a fact check
    accepts a written number within 0.006 of it (the last digit's rounding)."""
    return f"~{value}"


def _present(fact: str, text: str) -> bool:
    if fact.startswith("~"):
        want = float(fact[1:])
        return any(abs(float(n) - want) <= 0.006 for n in re.findall(r"\d+(?:\.\d+)?", text))
    return fact.lower() in text.lower()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _raw(path: Path) -> dict:
    """Numeric readings per code (with units), conditions, active medications, from JSON."""
    bundle = json.loads(path.read_text())
    out: dict = {"obs": {}, "conditions": [], "active_meds": set(), "id": None,
                 "medication_starts": [], "lab_codes": set()}
    for entry in bundle["entry"]:
        res = entry["resource"]
        kind = res["resourceType"]
        if kind == "Patient":
            out["id"] = res["id"]
            out["died"] = res.get("deceasedDateTime", "")[:10] or None
        elif kind == "Observation" and "effectiveDateTime" in res:
            when = _when(res["effectiveDateTime"])
            if "valueQuantity" in res and "laboratory" in {
                    c.get("code") for cat in res.get("category", []) for c in cat["coding"]}:
                out["lab_codes"].add(res["code"]["coding"][0]["code"])
            for part in [res, *res.get("component", [])]:
                q = part.get("valueQuantity")
                if q and "value" in q:
                    code = part["code"]["coding"][0]["code"]
                    out["obs"].setdefault(code, []).append((when, float(q["value"]),
                                                            q.get("code") or q.get("unit")))
        elif kind == "Condition":
            out["conditions"].append(res["code"]["coding"][0]["display"].lower())
        elif kind == "MedicationRequest":
            concept = res.get("medicationCodeableConcept", {})
            name = concept.get("text") or concept["coding"][0]["display"]
            if res.get("status") == "active":
                out["active_meds"].add(name)
            if "authoredOn" in res:
                out["medication_starts"].append((name, _when(res["authoredOn"])))
    for series in out["obs"].values():
        series.sort(key=lambda r: r[0])
    return out


def _against_range(earlier: float, later: float, high: float,
                   words: tuple[str, str] = ("earlier", "later")) -> str:
    """Where two results stand against an upper limit (HbA1c: ADA's normal, under 5.7 %;
    total cholesterol: NCEP's desirable, under 200 mg/dL; the bundles carry no ranges of
    their own), written out here independently."""
    a, b = max(earlier - high, 0), max(later - high, 0)
    if not a and not b:
        return "both are within the reference range"
    if bool(a) != bool(b):
        return f"the {words[1]} is {'above' if b else 'within'} the reference range"
    return f"the {words[1]} is " + ("closer to it" if b < a else "further from it" if b > a
                                    else "as far from it")


def _gfr_stage(v: float) -> str:  # KDIGO 2012 Table 5, written out here independently
    return ("G1" if v >= 90 else "G2" if v >= 60 else "G3a" if v >= 45 else "G3b" if v >= 30
            else "G4" if v >= 15 else "G5")


def _acr_stage(v: float) -> str:  # KDIGO 2012 Table 6 (mg/g), written out here independently
    return "A1" if v < 30 else "A2" if v <= 300 else "A3"


def synthea_cases(vault: Vault) -> list[Case]:
    cases: list[Case] = []
    for bundle in BUNDLES:
        raw = _raw(bundle)
        pid = patient_id(vault, raw["id"])
        obs = raw["obs"]
        for code, question in (("4548-4", "What is my latest A1c?"),
                               ("29463-7", "How much do I weigh now?"),
                               ("18262-6", "What was my most recent LDL?")):
            if obs.get(code):
                t, v, _ = obs[code][-1]
                cases.append(Case(pid, question, (num(v), t.date().isoformat())))
        if obs.get("8480-6"):
            t, v, _ = max(obs["8480-6"], key=lambda r: (r[1], r[0]))
            first = min(r[0] for r in obs["8480-6"] if r[1] == v)
            cases.append(Case(pid, "What was my highest systolic blood pressure?",
                              (num(v), first.date().isoformat())))
        if obs.get("8480-6") and obs.get("8462-4"):  # one limit is the systolic's; a
            # whole one counts when either number is beyond it (JNC 7, ACC/AHA 2017)
            diastolic = {t: v for t, v, _ in obs["8462-4"]}
            pairs = [(s, diastolic.get(t)) for t, s, _ in obs["8480-6"]]
            over = sum(1 for s, _ in pairs if s > 140)
            either = sum(1 for s, d in pairs if d is not None and (s > 140 or d > 90))
            cases.append(Case(pid, "How many times was my blood pressure over 140?",
                              (f"{over} time", "above 140", f"out of {len(pairs)}"),
                              ("diastolic blood pressure: 0 times",)))
            cases.append(Case(pid, "How often was my blood pressure above 140/90?",
                              (f"{either} time", "above 140/90")))
        if obs.get("2339-0"):
            n = sum(1 for r in obs["2339-0"] if r[1] > 100)
            cases.append(Case(pid, "How many times was my glucose above 100?",
                              (f"{n} time", "above 100", f"out of {len(obs['2339-0'])}")))
            lo = min(obs["2339-0"], key=lambda r: (r[1], r[0]))
            cases.append(Case(pid, "What was my lowest blood sugar?", (num(lo[1]),
                                                                       lo[0].date().isoformat())))
        cases.append(Case(pid, "What is my vitamin D level?", ("records have no vitamin d",)))
        cases.append(Case(pid, "Can you tell me how much insulin I should take?",
                          ("can't help",), ("Your most recent",)))
        egfr = [r for r in obs.get("33914-3", []) if r[2] == EGFR_UNIT]
        if egfr:
            t, v, _ = egfr[-1]
            acr = [r for c in ACR_CODES for r in obs.get(c, [])]
            gap = (_acr_stage(max(acr)[1]) if acr else
                   "no urine albumin/creatinine ratio (ACR) results, so the KDIGO "
                   "albuminuria (A) stage cannot be given")
            cases.append(Case(pid, "How are my kidneys doing?",
                              (num(v), t.date().isoformat(), _gfr_stage(v), gap)))
        if raw["died"]:  # Patient.deceasedDateTime: the summary says so, and gives no "due"
            cases.append(Case(pid, "Give me a summary of my health",
                              (f"death recorded on {raw['died']}",), ("may be due", "due for")))
        hf = any("heart failure" in c for c in raw["conditions"])
        cases.append(Case(pid, "Do I have heart failure?",
                          ("heart failure",) if hf else ("no such condition",)))
        meds = sorted(raw["active_meds"])
        cases.append(Case(pid, "What medications am I taking?",
                          (f"{len(meds)} active", *meds) if meds else ("none active",)))
        if obs.get("8480-6"):
            last = obs["8480-6"][-1][0].date().isoformat()
            cases.append(Case(pid, "How was my blood pressure over the last 3 years?",
                              (f"they end on {last}",) if last < "2023-12-01" else ()))
        if len(obs.get("4548-4", [])) >= 2 and obs["4548-4"][-1][1] >= 3.5:
            # the latest against the one nearest a year before (an A1c under 3.5 % is held
            # for verification, as no certified assay gives it: NGSP)
            *earlier, (t, v, _) = obs["4548-4"]
            e = min(earlier, key=lambda r: abs((r[0] - t).days + 365))
            pct = (v - e[1]) / e[1] * 100
            cases.append(Case(pid, "Is my A1c better or worse than a year ago?",
                              (num(v), t.date().isoformat(), num(e[1]), e[0].date().isoformat(),
                               f"{pct:+.1f}%", _against_range(e[1], v, 5.7))))
        chol = obs.get("2093-3", [])
        if len(chol) >= 3 and len({t for t, _, _ in chol}) == len(chol):
            # first and latest against NCEP's desirable < 200 mg/dL (no ranges in bundles)
            first, last = chol[0][1], chol[-1][1]
            cases.append(Case(pid, "Has my cholesterol gotten better or worse?",
                              (num(last), num(first), _against_range(first, last, 200,
                                                                     ("first", "latest")))))
        a1c = [r for r in obs.get("4548-4", []) if r[1] >= 3.5]
        if a1c:  # ADA Standards of Care, section 2 criteria, written out here independently
            t, v, _ = a1c[-1]
            ada = ("prediabetes range" if 5.7 <= v < 6.5 else "diabetes range" if v >= 6.5
                   else "normal range")
            said = tuple(c for c in ("prediabetes", "diabetes") if c in raw["conditions"])
            cases.append(Case(pid, "Am I at risk for diabetes?",
                              (num(v), t.date().isoformat(), ada, *said[:1])))
        if raw["lab_codes"]:  # "right now": each test's latest result, not every one ever
            cases.append(Case(pid, "Which of my lab results are abnormal right now?",
                              ("latest results of your",),
                              ("results were outside their reference ranges",)))
        if not obs.get("93832-4"):  # a topic the records never hold, asked of last week
            cases.append(Case(pid, "How did I sleep last week?",
                              ("records have no sleep",), ("they end on",)))
        if not obs.get("8867-4"):  # none ever: said so, not "none this year"
            cases.append(Case(pid, "What was my average heart rate this year?",
                              ("no heart rate results in your records",), ("they end on",)))
        statin = sorted(t for n, t in raw["medication_starts"] if "statin" in n.lower())
        if statin and obs.get("18262-6"):
            start = statin[0].date().isoformat()
            before = [r for r in obs["18262-6"] if r[0].date().isoformat() <= start]
            cases.append(Case(pid, "Did my LDL go down after I started my statin?",
                              (num(before[-1][1]), before[-1][0].date().isoformat())
                              if before else ("no ldl cholesterol readings before",)))
        elif not statin:
            cases.append(Case(pid, "Has atorvastatin lowered my cholesterol?",
                              ("no medication named atorvastatin",)))
        if obs.get("39156-5"):
            window = [r for r in obs["39156-5"] if 2016 <= r[0].year <= 2019]
            if window:
                t, v, _ = window[-1]
                cases.append(Case(pid, "What was my BMI from 2016 to 2019?",
                                  (num(v), t.date().isoformat())))
    return cases


def _ccda_value(path: Path) -> tuple[str, str]:
    """The first coded (CD) result value and its observation's date. A regular expression,
    because the example omits its xsi namespace declaration (an XML parser refuses it)."""
    text = path.read_text()
    obs = re.search(r"<observation classCode=\"OBS\" moodCode=\"EVN\">(.*?)</observation>",
                    text[text.index('xsi:type="CD"') - 3000:], re.S)
    assert obs is not None
    body = obs.group(1)
    value = re.search(r'xsi:type="CD"[^>]*displayName="([^"]+)"', body)
    when = re.search(r'<effectiveTime value="(\d{8})', body)
    assert value and when
    day = when.group(1)
    return value.group(1), f"{day[:4]}-{day[4:6]}-{day[6:8]}"


def other_cases(imported: Imported, testdata: Path) -> list[tuple[Vault, Case]]:
    def pid_of(prefix: str) -> str:
        return imported.patients[prefix][1]

    covid = next((testdata / "ccda").glob(f"{CCDA[0]}*.xml"))
    value, day = _ccda_value(covid)
    cases = [Case(pid_of(CCDA[0]), "Did my COVID test come back positive?", (value, day)),
             Case(pid_of(CCDA[1]), "What medications am I taking?",
                  ("no medications are recorded",)),
             Case(pid_of(CCDA[1]), "What is my PSA?", ("records have no psa",))]
    tree = etree.parse(str(testdata / "apple_health" / "apple_health_parser_export.xml"))
    rates = [float(v) for v in tree.xpath(
        "//Record[@type='HKQuantityTypeIdentifierHeartRate']/@value")]
    cases.append(Case(pid_of("apple"), "What was my highest heart rate?", (num(max(rates)),)))
    vault_of = {pid: vault for vault, pid in imported.patients.values()}
    return [(vault_of[c.patient], c) for c in cases]


def run_case(vault: Vault, case: Case, pool: ThreadPoolExecutor) -> tuple[bool, str]:
    result = answer(vault=vault, patient_id=case.patient, text=case.question,
                    engine=select_engine(mode="offline", host="http://127.0.0.1:9", model="x",
                                         timeout=1, offline=True),
                    emit=lambda *_: None, pool=pool, cancel=threading.Event(), timeout=30)
    summary = result.synthesis.summary
    low = summary.lower()
    worded = not re.search(r"\b1 (results|readings|times)\b|\{\w+\}|n/a|insufficient_data"
                           r"|mm\[Hg\]", summary)
    ok = worded and all(_present(f, summary) for f in case.facts) and not any(
        a.lower() in low for a in case.absent)
    return ok, summary


def score(name: str, cases: list[tuple[Vault, Case]]) -> float:
    """Runs every case, prints the score and the misses; the share answered right."""
    failures = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for vault, case in cases:
            ok, summary = run_case(vault, case, pool)
            if not ok:
                failures.append((case.question, case.facts, summary[:300]))
    right = 1 - len(failures) / len(cases)
    print(f"\n{name}: {len(cases) - len(failures)} of {len(cases)} ({right:.1%})")
    for f in failures:
        print("  MISS", f)
    return right


def test_answers_evaluation(shared_vault: Vault, other_vault: Imported, testdata: Path) -> None:
    cases = [(shared_vault, c) for c in synthea_cases(shared_vault)]
    cases += other_cases(other_vault, testdata)
    assert len(cases) >= 80
    assert score("answers evaluation", cases) >= 0.85
