"""The medical team: the CMO and eight specialists, each with its systems, codes and prompt.

Ids are the ones the insight API's GET /medical-team/specialists returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from agents.codes import METRICS

PROMPTS = Path(__file__).resolve().parents[2] / "resources" / "prompts"


@dataclass(frozen=True)
class Specialist:
    id: str
    name: str
    specialty: str
    systems: tuple[str, ...]
    capabilities: tuple[str, ...]
    typical_queries: tuple[str, ...]
    tools: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in METRICS if m.system in self.systems)

    @property
    def prompt(self) -> str:
        return prompt(self.id)


CMO_NAME = "Dr. Vitality"

ROSTER: tuple[Specialist, ...] = (
    Specialist("cardiology", "Dr. Heart", "Cardiology", ("lipids", "blood_pressure", "vitals"),
               ("Cardiovascular risk assessment", "Blood pressure analysis",
                "Cholesterol management"),
               ("heart health", "blood pressure", "cardiovascular risk", "cholesterol"),
               ("trend", "bp_control", "out_of_range")),
    Specialist("laboratory", "Dr. Lab", "Laboratory Medicine",
               ("lipids", "glycemic", "kidney", "liver", "blood_count", "electrolytes", "thyroid"),
               ("Lab result interpretation", "Reference range review", "Abnormal value detection"),
               ("lab results", "abnormal values", "kidney function", "liver enzymes"),
               ("trend", "out_of_range", "coverage")),
    Specialist("endocrinology", "Dr. Hormone", "Endocrinology", ("glycemic", "thyroid"),
               ("Diabetes management", "HbA1c and glucose analysis", "Thyroid function"),
               ("hba1c", "blood sugar", "diabetes", "thyroid"),
               ("trend", "glucose_time_in_range", "conditions")),
    Specialist("data_analysis", "Dr. Analytics", "Data Analysis", (),
               ("Trend analysis", "Correlation between metrics", "Statistical summaries"),
               ("correlation", "patterns", "relationship between metrics"),
               ("trend", "correlation", "series")),
    Specialist("preventive_medicine", "Dr. Prevention", "Preventive Medicine", ("activity",),
               ("Screening schedules", "Risk factor review", "Healthy habits"),
               ("screening", "prevention", "risk factors", "check-ups"),
               ("coverage", "latest", "conditions")),
    Specialist("pharmacy", "Dr. Pharma", "Pharmacy", (),
               ("Medication timeline", "Medication effects on lab values", "Dose changes"),
               ("medications", "statin effect", "side effects", "dose changes"),
               ("medication_timeline", "before_after")),
    Specialist("nutrition", "Dr. Nutrition", "Nutrition", ("body",),
               ("Weight and BMI trends", "Diet-related lab values", "Metabolic health"),
               ("weight", "bmi", "diet", "nutrition"),
               ("trend", "latest")),
    Specialist("general_practice", "Dr. General", "General Practice", ("symptoms",),
               ("Whole-person overview", "Conditions and history", "Coordination of care"),
               ("general health", "conditions", "overview", "check-up"),
               ("coverage", "conditions", "latest", "out_of_range")),
)

BY_ID: dict[str, Specialist] = {s.id: s for s in ROSTER}
IDS: tuple[str, ...] = tuple(BY_ID)


@cache
def prompt(name: str) -> str:
    """The system prompt in resources/prompts/<name>.md (name: a specialist id or "cmo")."""
    return (PROMPTS / f"{name}.md").read_text(encoding="utf-8")
