"""The CMO's assessment by rules: how complex a question is and which specialists it needs.

Complexity: `simple` (one value: 1 specialist), `standard` (a trend of 1-3 related
metrics: up to 3), `complex` (several systems, medication effects, correlations: up
to 5), `comprehensive` (a full assessment: all eight).
Selection, in priority order (the cap keeps the first ones): the owner of each asked
metric's body system; HbA1c or diabetes always brings endocrinology; lipids and blood
pressure bring cardiology; medications bring pharmacy; correlations bring data
analysis; lab results and abnormal values bring laboratory medicine; diet and weight
bring nutrition; prevention, screening and risk bring preventive medicine; lab trends
add laboratory medicine; nothing specific goes to the general practitioner.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.codes import BLOOD_PRESSURE, GLUCOSE, HBA1C, LIPIDS, metric
from agents.question import Question
from agents.team.roster import IDS

COMPLEXITIES = ("simple", "standard", "complex", "comprehensive")
CAPS = {"simple": 1, "standard": 3, "complex": 5, "comprehensive": len(IDS)}

SYSTEM_OWNER = {
    "lipids": "cardiology", "blood_pressure": "cardiology", "vitals": "cardiology",
    "glycemic": "endocrinology", "thyroid": "endocrinology", "kidney": "laboratory",
    "liver": "laboratory", "blood_count": "laboratory", "electrolytes": "laboratory",
    "body": "nutrition", "activity": "preventive_medicine", "symptoms": "general_practice",
    "other": "general_practice",
}
LAB_SYSTEMS = {"lipids", "glycemic", "kidney", "liver", "blood_count", "electrolytes", "thyroid"}


@dataclass(frozen=True)
class Assessment:
    complexity: str
    specialists: tuple[str, ...]
    source: str  # rules | model
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"complexity": self.complexity, "specialists": list(self.specialists),
                "source": self.source, "reasons": list(self.reasons)}


def complexity_of(q: Question) -> str:
    systems = {metric(item[0]).system for item in q.items}
    if "comprehensive" in q.intents:
        return "comprehensive"
    if {"correlation", "medication_effect"} & q.intents or len(systems) >= 3 or len(q.items) >= 4:
        return "complex"
    if q.mentions_medication and q.items:
        return "complex"
    single = len(q.items) == 1 and (len(q.items[0]) == 1 or q.items[0] == BLOOD_PRESSURE)
    if single and not ({"trend", "abnormal"} & q.intents) and not q.mentions_prevention:
        return "simple"
    return "standard"


def assess_rules(q: Question) -> Assessment:
    complexity = complexity_of(q)
    if complexity == "comprehensive":
        return Assessment(complexity, IDS, "rules", ("a full assessment needs the whole team",))
    chosen: dict[str, str] = {}

    def add(specialist: str, reason: str) -> None:
        chosen.setdefault(specialist, reason)

    for item in q.items:
        add(SYSTEM_OWNER[metric(item[0]).system], f"{metric(item[0]).name} is in its domain")
    codes = set(q.codes)
    if codes & {HBA1C, GLUCOSE} or "diabet" in q.text.lower():
        add("endocrinology", "HbA1c, glucose or diabetes")
    if codes & {*LIPIDS, *BLOOD_PRESSURE}:
        add("cardiology", "lipids or blood pressure")
    if "medication_effect" in q.intents or q.mentions_medication:
        add("pharmacy", "medications or their effects")
    if "correlation" in q.intents:
        add("data_analysis", "a correlation between metrics")
    if "abnormal" in q.intents or q.mentions_labs:
        add("laboratory", "lab results or values outside reference ranges")
    if q.mentions_nutrition:
        add("nutrition", "diet, weight or BMI")
    if q.mentions_prevention:
        add("preventive_medicine", "prevention, screening or risk")
    if complexity != "simple" and any(metric(c).system in LAB_SYSTEMS for c in codes):
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
