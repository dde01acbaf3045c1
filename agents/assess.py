"""The CMO's assessment by rules: how complex a question is and which specialists it needs,
decided from what each level and each specialty means.

Complexity (and how many specialists it allows):
- `simple` (1): one fact about one thing: a value (latest, current, on a date), its
  extreme, when it was last measured, or whether something is on record.
- `standard` (up to 3): one topic examined: a measure or a related group over time, how
  a condition or body system is doing, a count beyond a threshold, a list review
  (medications, abnormal results, screenings), or a risk within one domain.
- `complex` (up to 5): relations: a medication's effect on a measure, two measures
  moving together, or three or more body systems at once.
- `comprehensive` (all eight): the whole person.

Specialists: the owner of each body system named (cardiology: heart, vessels, blood
pressure, lipids, vital signs; endocrinology: glucose, HbA1c, thyroid; laboratory
medicine: kidneys, liver, blood count, electrolytes, infection tests and other lab
values; nutrition: weight, BMI; preventive medicine: activity), then the cross-cutting
roles: pharmacy for medications, data analysis for relations and patterns, laboratory
medicine for abnormal or dangerous values and lab reviews, nutrition for diet,
preventive medicine for screening, vaccination and risk, and laboratory medicine for lab
values examined beyond one fact; nothing specific goes to
general practice. The cap keeps the first ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.codes import metric
from agents.question import Question
from agents.team.roster import IDS

COMPLEXITIES = ("simple", "standard", "complex", "comprehensive")
CAPS = {"simple": 1, "standard": 3, "complex": 5, "comprehensive": len(IDS)}

SYSTEM_OWNER = {
    "lipids": "cardiology", "blood_pressure": "cardiology", "vitals": "cardiology",
    "cardiac": "cardiology", "glycemic": "endocrinology", "thyroid": "endocrinology",
    "kidney": "laboratory", "liver": "laboratory", "blood_count": "laboratory",
    "electrolytes": "laboratory", "infection": "laboratory", "other_lab": "laboratory",
    "body": "nutrition", "activity": "preventive_medicine", "symptoms": "general_practice",
    "other": "general_practice", "prevention": "preventive_medicine", "allergy": "pharmacy",
    "vital_status": "general_practice",
}
LAB_SYSTEMS = {"lipids", "glycemic", "kidney", "liver", "blood_count", "electrolytes", "thyroid",
               "infection", "other_lab"}
# Body systems one specialty looks after count once when judging "several systems".
_ORGAN = {"lipids": "heart", "blood_pressure": "heart", "vitals": "heart", "cardiac": "heart"}
_EXAMINING = {"trend", "count", "abnormal", "critical", "evaluate", "medication_list"}


@dataclass(frozen=True)
class Assessment:
    complexity: str
    specialists: tuple[str, ...]
    source: str  # rules | model
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"complexity": self.complexity, "specialists": list(self.specialists),
                "source": self.source, "reasons": list(self.reasons)}


def _systems(q: Question) -> list[str]:
    systems = list(q.systems)
    for item in q.items:
        for code in item[:1]:
            system = metric(code).system
            if system not in systems and system != "other":
                systems.append(system)
    return systems


def complexity_of(q: Question) -> str:
    systems = _systems(q)
    organs = {_ORGAN.get(s, s) for s in systems}
    if "comprehensive" in q.intents and (not q.items or len(organs) >= 3 or not q.topics):
        return "comprehensive"
    if {"correlation", "medication_effect"} & q.intents or len(organs) >= 3:
        return "complex"
    single = len(q.items) <= 1 and len(organs) <= 1 and (q.items or q.topics)
    one_fact = {"lookup", "extreme_low", "extreme_high", "presence"} & q.intents
    if single and one_fact and not (_EXAMINING & q.intents) and not (
            q.mentions_prevention or q.mentions_nutrition):
        return "simple"
    if single and one_fact and q.intents & _EXAMINING <= {"evaluate"} and (
            "presence" in q.intents or {"extreme_low", "extreme_high"} & q.intents):
        return "simple"
    return "standard"


def assess_rules(q: Question) -> Assessment:
    complexity = complexity_of(q)
    if complexity == "comprehensive":
        return Assessment(complexity, IDS, "rules", ("a full assessment needs the whole team",))
    chosen: dict[str, str] = {}

    def add(specialist: str, reason: str) -> None:
        chosen.setdefault(specialist, reason)

    for system in _systems(q):
        add(SYSTEM_OWNER.get(system, "general_practice"), f"{system.replace('_', ' ')} is in "
            "its domain")
    if "medication_effect" in q.intents or q.mentions_medication or (
            "medication_list" in q.intents):
        add("pharmacy", "medications or their effects")
    if "correlation" in q.intents:
        add("data_analysis", "a relation between measures")
    if {"abnormal", "critical"} & q.intents or (q.mentions_labs and not q.items):
        add("laboratory", "lab results or values outside their ranges")
    if q.mentions_nutrition:
        add("nutrition", "diet")
    if q.mentions_prevention:
        add("preventive_medicine", "prevention, screening or risk")
    if complexity != "simple" and any(s in LAB_SYSTEMS for s in _systems(q)):
        add("laboratory", "lab values over time")
    if not chosen:
        add("general_practice", "no specific domain: a general overview")
    picked = list(chosen)[: CAPS[complexity]]
    return Assessment(complexity, tuple(picked), "rules", tuple(chosen[s] for s in picked))


ASSESSMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "complexity": {"type": "string", "enum": list(COMPLEXITIES)},
        "specialists": {"type": "array", "items": {"type": "string", "enum": list(IDS)}},
        "reasoning": {"type": "string"},
    },
    "required": ["complexity", "specialists"],
}


def from_model(value: dict[str, object] | None) -> Assessment | None:
    """The model's assessment when it validates against the allowed values, else None."""
    if not isinstance(value, dict):
        return None
    complexity = value.get("complexity")
    specialists = value.get("specialists")
    if complexity not in COMPLEXITIES or not isinstance(specialists, list) or not specialists:
        return None
    if any(s not in IDS for s in specialists) or len(set(specialists)) != len(specialists):
        return None
    if complexity == "comprehensive":
        return Assessment("comprehensive", IDS, "model")
    if len(specialists) > CAPS[str(complexity)]:
        return None
    reason = value.get("reasoning")
    return Assessment(str(complexity), tuple(str(s) for s in specialists), "model",
                      (str(reason),) if isinstance(reason, str) and reason else ())
