"""What a question asks, read by rules against the person's own records: which measures
(by the catalogue's aliases, the lay-word table and fuzzy matching of the person's own
test names), what is asked of them (a value, a trend, an extreme, a count, a relation),
which time, in which unit, and whether a medication is involved. The CMO's assessment
and every specialist start from this; a follow-up inherits what it leaves out from the
previous question of its conversation ("and my LDL?" keeps the trend intent and the
window).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

from rapidfuzz import fuzz

from agents import scope, timeframe, vocabulary
from agents.asked_units import AskedUnit, asked_unit
from agents.codes import BLOOD_PRESSURE, METRICS, Metric
from agents.holdings import STOP, Holdings, question_terms
from agents.intents import intents_of
from agents.tools.base import ALL_TIME, Window
from storage.repos.catalogue import CodeEntry

MEDICATION_WORDS = ("medication", "medicine", "drug", "pill", "prescription", "prescribed",
                    "statin", "tablet", "dose", "meds", "taking")
PREVENTION_WORDS = ("prevent", "screening", "screenings", "risk", "vaccin", "immuniz",
                    "check-up", "checkup", "due for", "missing")
LAB_WORDS = (" lab ", " labs ", "lab result", "lab test", "blood work", "bloodwork",
             "blood test", "test results", "readings", "results")
# Words for laboratory results only: "which lab results are abnormal?" leaves out vital
# signs (blood pressure, BMI), which "which results are abnormal?" includes.
GENERAL_RESULTS = re.compile(r"(?<![a-z0-9])(blood ?(tests?|work)|lab(oratory)?s?( results?| tests?"
                             r"| values?| work)?|test results?)(?![a-z0-9])")
LAB_ONLY = (" lab ", " labs ", "lab result", "lab test", "laboratory", "blood work",
            "bloodwork", "blood test")
NUTRITION = re.compile(r"\b(diet\w*|foods?|eat|eating|nutrition\w*|calories?)\b")
GENERIC_DRUGS = ("statin", "metformin", "insulin", "lisinopril", "amlodipine", "metoprolol",
                 "hydrochlorothiazide", "losartan", "levothyroxine", "atorvastatin",
                 "simvastatin", "rosuvastatin", "warfarin", "aspirin")
_DRUG_FILLER = ("oral", "tablet", "release", "extended", "injection", "solution",
                "hydrochloride", "capsule", "delayed", "product", "prefilled")
# "abnormal right now", "my recent labs": each test's latest result, not every one ever
CURRENT = re.compile(r"\b(now|right now|currently|current|at the moment|these days|at present"
                     r"|recent|most recent|latest|lately|still)\b")
# "active" of a record kind is its status ("my active conditions"), not activity: read as
# "current", which the question's other readers take as such.
_ACTIVE_STATUS = re.compile(r"\bactive(?= (conditions?|problems?|diagnos[a-z]*|diseases?"
                            r"|medications?|meds|prescriptions?|drugs?|allerg[a-z]*|issues?"
                            r"|illness(es)?)\b)")
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|also|same for|and what about)\b", re.I)
_THRESHOLD = re.compile(r"\b(at or above|at or over|at or below|at or under|above|over"
                        r"|greater than|higher than|more than|at least|at most|no more than"
                        r"|exceed\w*|below|under|less than|lower than|reach\w*|hit)"
                        r"\s+(?:a |an )?(\d+(?:\.\d+)?)(?:\s*/\s*(\d+(?:\.\d+)?))?"
                        r"(\s+or (?:more|higher|above|over|greater|less|lower|below|under))?")
_THRESHOLD_AFTER = re.compile(r"\b(\d+(?:\.\d+)?)\s+or (more|higher|above|over|greater|less"
                              r"|lower|below|under)\b")
_LOWER = ("below", "under", "less than", "lower than", "at most", "no more than", "at or below",
          "at or under", "less", "lower")
_INCLUSIVE = ("at least", "at most", "no more than", "at or above", "at or over", "at or below",
              "at or under", "reach", "hit")


@dataclass(frozen=True)
class Question:
    text: str
    items: tuple[tuple[str, ...], ...] = ()  # asked measures, one tuple of codes per item
    intents: frozenset[str] = frozenset()
    topics: tuple[str, ...] = ()  # lay-word topics named (resources/lay_terms.json)
    missing: tuple[str, ...] = ()  # measures asked for that the records do not hold
    not_kept: tuple[str, ...] = ()  # kinds of record asked for that are not imported (MRI)
    medication: str | None = None  # a medication named in the question
    mentions_medication: bool = False
    mentions_prevention: bool = False
    mentions_nutrition: bool = False
    mentions_labs: bool = False
    labs_only: bool = False  # laboratory results asked for by name (LAB_ONLY)
    window: Window = ALL_TIME
    relative: bool = False  # the window counts back from today
    period: str | None = None  # how the answer names the window
    threshold: tuple[str, float] | None = None  # (">", ">=", "<" or "<=", value)
    threshold_diastolic: float | None = None  # "above 140/90": the 90
    unit: AskedUnit | None = None  # the unit the answer is asked in ("in pounds")
    compare: tuple[timeframe.Period, timeframe.Period] | None = None  # two periods side by side
    out_of_scope: str | None = None  # why the app cannot answer it
    follow_up: bool = False
    current: bool = False  # asked of the present (CURRENT)
    systems: tuple[str, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for item in self.items for c in item))

    def to_context(self) -> dict[str, object]:
        """What a follow-up needs from this question (stored with the query)."""
        return {"items": [list(i) for i in self.items], "intents": sorted(self.intents),
                "medication": self.medication, "topics": list(self.topics),
                "since": self.window.since.isoformat() if self.window.since else None,
                "until": self.window.until.isoformat() if self.window.until else None}


def parse(text: str, *, medications: tuple[str, ...] = (), today: date | None = None,
          previous: dict[str, object] | None = None, holdings: Holdings | None = None
          ) -> Question:
    lowered = " " + re.sub(r"[^a-z0-9%./'<>-]+", " ", text.lower().replace("’", "'")) + " "
    lowered = _ACTIVE_STATUS.sub("current", lowered)
    items, topics, systems, missing, not_kept = _measures(lowered, holdings)
    medication = _medication(lowered, medications)
    mentions_medication = medication is not None or any(w in lowered for w in MEDICATION_WORDS)
    when = timeframe.read(lowered, today or date.today())
    unit = asked_unit(text.lower())
    intents = intents_of(lowered, has_items=bool(items), medication=mentions_medication)
    if unit is not None and re.search(r"\bhow many (pounds|lbs|kilos|kilograms|stones?|inches"
                                      r"|feet|centimet(er|re)s)\b", lowered):
        intents = intents - {"count"} | {"lookup"}  # "how many pounds do I weigh": a value
    threshold, diastolic = _threshold(lowered)
    q = Question(
        text=text, items=items, topics=topics, missing=missing, not_kept=not_kept,
        medication=medication,
        intents=intents,
        mentions_medication=mentions_medication,
        mentions_prevention=any(w in lowered for w in PREVENTION_WORDS),
        mentions_nutrition=bool(NUTRITION.search(lowered)),
        mentions_labs=any(w in lowered for w in LAB_WORDS),
        labs_only=any(w in lowered for w in LAB_ONLY),
        window=when.window, relative=when.relative, period=when.label, compare=when.compare,
        threshold=threshold, threshold_diastolic=diastolic, unit=unit,
        current=bool(CURRENT.search(lowered)),
        out_of_scope=scope.out_of_scope(lowered),
        follow_up=bool(_FOLLOW_UP.match(text)) or (len(text.split()) <= 4 and previous is not None),
        systems=systems,
    )
    return _inherit(q, previous) if previous and q.follow_up else q


# Catalogue aliases that only name a body system: the lay-word topic answers those.
_SYSTEM_WORDS = ("bp", "blood pressure", "hypertension", "thyroid", "kidney function",
                 "liver enzymes", "walking")


@cache
def _phrases() -> tuple[tuple[str, Metric | vocabulary.Topic], ...]:
    """Every phrase that names a measure or a topic, longest first (a catalogue alias
    before a topic word of the same length), so the most specific reading wins: "urine
    albumin" is the kidney test, not the serum albumin its last word names."""
    named: list[tuple[str, Metric | vocabulary.Topic]] = [
        (alias, m) for m in METRICS for alias in m.aliases if alias not in _SYSTEM_WORDS]
    named += [(w, t) for t in vocabulary.topics() for w in t.words]
    return tuple(sorted(named, key=lambda x: (-len(x[0]), isinstance(x[1], vocabulary.Topic))))


def _measures(lowered: str, holdings: Holdings | None
              ) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...], tuple[str, ...],
                         tuple[str, ...], tuple[str, ...]]:
    """Asked items in question order: catalogue aliases (one measure each) and lay-word
    topics (all their measures), matched together longest first; then, for words neither
    knows, the person's own test names. Returns (items, topics, systems, missing, not
    kept: kinds of record asked about that the importers do not keep)."""
    found: list[tuple[int, tuple[str, ...], str]] = []
    text = lowered
    topics: dict[str, int] = {}  # topic -> where it is first named
    missing: list[str] = []
    not_kept: list[str] = []
    for phrase, what in _phrases():
        # a plural names the same thing ("blood counts", "platelet counts")
        pattern = rf"(?<![a-z0-9]){re.escape(phrase)}s?(?![a-z0-9])"
        for m in re.finditer(pattern, text):
            if isinstance(what, Metric):
                if holdings is not None and _in_urine(lowered, m.start(), m.end()):
                    urine = holdings.in_urine(phrase)
                    if urine is None:
                        missing.append(f"urine {phrase}")
                        continue
                    found.append((m.start(), (urine,), what.system))
                    continue
                found.append((m.start(), (what.code,), what.system))
                continue
            topics[what.id] = min(topics.get(what.id, m.start()), m.start())
            if not what.kept:  # said as not imported, with any entry an importer kept
                short = dict(what.modalities).get(phrase)
                held = holdings.named_as(short) if holdings and short else ()
                not_kept.append(_kept_note(phrase, held))
                continue
            codes = _topic_codes(what, holdings)
            if holdings is not None and not codes:
                missing.extend(x.name for x in (what.measures[:1] if what.coded
                                                else what.measures))
            found.append((m.start(), codes, what.system))
        text = re.sub(pattern, lambda m: " " * len(m.group(0)), text)
    if holdings is not None and not found and not missing and not not_kept:
        # words for results in general are no test's name ("blood" of "blood tests"
        # matched "Hemoglobin A1c in Blood")
        text = GENERAL_RESULTS.sub(" ", text)
        for code in holdings.match(question_terms(text)):
            found.append((len(lowered), (code,), "other"))
        if not found:
            missing.extend(_unknown_tests(text))
    if holdings is not None:
        found = [(s, tuple(holdings.resolve(_aliases(c)) or c for c in codes), sy)
                 for s, codes, sy in found]
    ordered: list[tuple[str, ...]] = []
    systems: list[str] = []
    for _, codes, system in sorted(found, key=lambda x: x[0]):
        if codes and codes not in ordered:
            ordered.append(codes)
        if system not in systems:
            systems.append(system)
    if BLOOD_PRESSURE[0] in {c for i in ordered for c in i} and re.search(
            r"\b(bp|blood pressure|hypertension)\b", lowered):
        ordered = [BLOOD_PRESSURE if i in ((BLOOD_PRESSURE[0],), (BLOOD_PRESSURE[1],)) else i
                   for i in ordered]
    if "visits" in topics and any(ordered):  # "my pulse at my last visit": a time, not
        del topics["visits"]  # the visits asked for
        if not any(vocabulary.by_id()[t].system == "vital_status" for t in topics):
            systems = [sy for sy in systems if sy != "vital_status"]
    return (tuple(dict.fromkeys(ordered)), tuple(sorted(topics, key=topics.__getitem__)),
            tuple(systems), tuple(missing), tuple(not_kept))


def _kept_note(phrase: str, held: tuple[CodeEntry, ...]) -> str:
    """How the answer names a kind of record that is not imported: "MRI", or the entries
    of it the records list ("XR Chest 2 Views on 2015-02-25")."""
    if held:
        return ", ".join(f"{e.displays[0]} on {e.last}" for e in held[:3])
    return phrase.upper() if phrase.isalpha() and len(phrase) <= 3 else phrase


def _topic_codes(topic: vocabulary.Topic, holdings: Holdings | None) -> tuple[str, ...]:
    """Each of the topic's measures as the code the person holds (without holdings, the
    usual code of each)."""
    if holdings is None:
        return tuple(m.codes[0] for m in topic.measures)
    return tuple(c for m in topic.measures if (c := holdings.resolve(m.codes)))


def _in_urine(lowered: str, start: int, end: int) -> bool:
    """Whether the test named at [start, end) is asked of urine ("urine glucose", "glucose
    in my urine"): the specimen decides which test is meant, as it does in LOINC."""
    return bool(re.search(r"\b(urine|urinary)\s*$", lowered[:start])
                or re.match(r"\s*(in|of) (my |the )?urine\b", lowered[end:]))


_ASKED_TEST = re.compile(r"\bmy ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?) (?:level|levels|result"
                         r"|results|test|tests|value|values|reading|readings|count|numbers?)\b"
                         r"|\b(?:had|have|get|got) my ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?) "
                         r"(?:checked|tested|measured|done|drawn)\b")
_NOT_A_TEST = STOP | {"lab", "labs", "blood", "health", "overall", "urine", "test", "tests",
                      "medical", "own", "recent", "home", "annual", "routine"}


def _unknown_tests(text: str) -> list[str]:
    """A test the question names ("my magnesium level", "had my ferritin checked") that
    neither the tables nor the person's own test names know: the answer says the records
    hold no such results instead of answering another question."""
    out = []
    for m in _ASKED_TEST.finditer(text):
        words = [w for w in (m.group(1) or m.group(2)).split() if w not in _NOT_A_TEST]
        if words:
            out.append(" ".join(words))
    return out


def _aliases(code: str) -> tuple[str, ...]:
    hit = vocabulary.measure_of(code)
    return hit[1].codes if hit else (code,)


def _medication(lowered: str, medications: tuple[str, ...]) -> str | None:
    """A medication of the person's named in the question (spelling slips forgiven, as in
    Synthea's own "Simvistatin"), else a common drug or class name."""
    asked = re.findall(r"[a-z]{6,}", lowered)
    for name in medications:
        for word in re.findall(r"[a-z]{5,}", name.lower()):
            if word in _DRUG_FILLER:
                continue
            if re.search(rf"\b{word}\b", lowered) or any(
                    fuzz.ratio(word, a) >= 85 for a in asked if len(word) >= 6):
                return word
    for word in GENERIC_DRUGS:
        if re.search(rf"\b{word}\b", lowered):
            return word
    return None


def _threshold(lowered: str) -> tuple[tuple[str, float] | None, float | None]:
    """(">", 180) for "above 180"; ">=" for "at least 180", "180 or higher", "reached
    180" (the limit itself counts); "<" and "<=" likewise. Second: the diastolic limit
    of a blood pressure written whole ("above 140/90")."""
    if m := _THRESHOLD.search(lowered):
        word, tail = m.group(1), m.group(4)
        lower = word in _LOWER or bool(tail and tail.split()[-1] in _LOWER)
        inclusive = word.startswith(_INCLUSIVE) or bool(tail)
        return ((("<" if lower else ">") + ("=" if inclusive else ""), float(m.group(2))),
                float(m.group(3)) if m.group(3) else None)
    if m := _THRESHOLD_AFTER.search(lowered):
        return ("<=" if m.group(2) in _LOWER else ">=", float(m.group(1))), None
    return None, None


def _inherit(q: Question, previous: dict[str, object]) -> Question:
    items = q.items or tuple(tuple(i) for i in previous.get("items") or ())  # type: ignore[attr-defined]
    intents = q.intents or frozenset(previous.get("intents") or ())  # type: ignore[arg-type]
    if q.intents <= {"lookup"} and previous.get("intents"):
        intents = frozenset(previous.get("intents") or ())  # type: ignore[arg-type]
    window = q.window
    if window == ALL_TIME and (previous.get("since") or previous.get("until")):
        since, until = previous.get("since"), previous.get("until")
        window = Window(since=date.fromisoformat(str(since)) if since else None,
                        until=date.fromisoformat(str(until)) if until else None)
    medication = q.medication or (previous.get("medication") if not q.items else None)
    return replace(q, items=items, intents=intents, window=window,
                   topics=q.topics or tuple(previous.get("topics") or ()),  # type: ignore[arg-type]
                   medication=medication,  # type: ignore[arg-type]
                   mentions_medication=q.mentions_medication or medication is not None)
