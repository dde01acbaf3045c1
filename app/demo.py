"""A believable demo patient, made on the spot as a FHIR R4 bundle.

Fifteen years of quarterly-ish labs and vitals for one invented person, with a story
the team can find: cholesterol creeping up, a statin started in the eighth year and
LDL falling after it, HbA1c drifting into the prediabetic range, blood pressure
slightly high. Deterministic (seeded), so screenshots and tests see the same person.
Nothing here is anyone's real record.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_PATIENT_ID = "demo-alex-morgan"
YEARS = 15
STATIN_YEAR = 8

# code, display, unit, start value, yearly drift before the statin, drift after, noise
LABS = [
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 198, 4.0, -9.0, 6),
    ("18262-6", "LDL Cholesterol", "mg/dL", 118, 3.5, -10.0, 5),
    ("2085-9", "HDL Cholesterol", "mg/dL", 47, -0.4, 0.6, 2),
    ("2571-8", "Triglycerides", "mg/dL", 140, 3.0, -6.0, 12),
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 5.3, 0.06, 0.05, 0.1),
    ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 92, 1.2, 0.8, 5),
]
VITALS = [
    ("29463-7", "Body weight", "kg", 82.0, 0.5, -0.4, 0.8),
    ("8867-4", "Heart rate", "/min", 70, 0.3, -0.2, 4),
]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 1), "unit": unit, "system": "http://unitsofmeasure.org",
            "code": unit}


def _coding(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": "http://loinc.org", "code": code, "display": display}],
            "text": display}


def _observation(n: int, code: str, display: str, when: datetime, category: str,
                 **value: Any) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:demo-obs-{n}",
        "resource": {
            "resourceType": "Observation", "id": f"demo-obs-{n}", "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": category}]}],
            "code": _coding(code, display),
            "subject": {"reference": f"urn:uuid:{DEMO_PATIENT_ID}"},
            "effectiveDateTime": when.isoformat(),
            **value,
        },
    }


def demo_bundle(today: date | None = None) -> dict[str, Any]:
    rng = random.Random(20101)
    end = today or date.today()
    start = datetime(end.year - YEARS, end.month, 1, 9, 30, tzinfo=UTC)
    statin_start = start + timedelta(days=365 * STATIN_YEAR)
    entries: list[dict[str, Any]] = [{
        "fullUrl": f"urn:uuid:{DEMO_PATIENT_ID}",
        "resource": {
            "resourceType": "Patient", "id": DEMO_PATIENT_ID,
            "identifier": [{"system": "urn:healthinsight:demo", "value": DEMO_PATIENT_ID}],
            "name": [{"given": ["Alex"], "family": "Morgan"}],
            "gender": "female", "birthDate": f"{end.year - 52}-04-17",
        },
    }]
    n = 0
    visit = start
    while visit.date() <= end:
        years = (visit - start).days / 365.25
        before, after = min(years, STATIN_YEAR), max(0.0, years - STATIN_YEAR)
        for code, display, unit, base, drift, drift_after, noise in LABS + VITALS:
            value = base + drift * before + drift_after * after + rng.gauss(0, noise)
            category = "laboratory" if (code, display) in {(c, d) for c, d, *_ in LABS} \
                else "vital-signs"
            n += 1
            entries.append(_observation(n, code, display, visit, category,
                                        valueQuantity=_quantity(value, unit)))
        n += 1
        systolic = 128 + 0.6 * years + rng.gauss(0, 6)
        diastolic = 82 + 0.3 * years + rng.gauss(0, 4)
        entries.append(_observation(
            n, "85354-9", "Blood pressure panel", visit, "vital-signs",
            component=[
                {"code": _coding("8480-6", "Systolic blood pressure"),
                 "valueQuantity": _quantity(systolic, "mm[Hg]")},
                {"code": _coding("8462-4", "Diastolic blood pressure"),
                 "valueQuantity": _quantity(diastolic, "mm[Hg]")},
            ]))
        visit += timedelta(days=rng.randint(80, 110))
    entries += [
        {"fullUrl": "urn:uuid:demo-med-1", "resource": {
            "resourceType": "MedicationRequest", "id": "demo-med-1", "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "617312",
                "display": "atorvastatin 20 MG Oral Tablet"}],
                "text": "atorvastatin 20 MG Oral Tablet"},
            "subject": {"reference": f"urn:uuid:{DEMO_PATIENT_ID}"},
            "authoredOn": statin_start.isoformat(),
            "dosageInstruction": [{"text": "20 mg once daily"}],
        }},
        {"fullUrl": "urn:uuid:demo-cond-1", "resource": {
            "resourceType": "Condition", "id": "demo-cond-1",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "55822004",
                                 "display": "Hyperlipidemia"}], "text": "Hyperlipidemia"},
            "subject": {"reference": f"urn:uuid:{DEMO_PATIENT_ID}"},
            "onsetDateTime": (statin_start - timedelta(days=30)).isoformat(),
        }},
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write_demo_bundle(folder: Path) -> Path:
    path = folder / "demo_patient_fhir.json"
    path.write_text(json.dumps(demo_bundle()))
    return path
