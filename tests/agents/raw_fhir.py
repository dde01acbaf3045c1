"""Expected values straight from a raw Synthea FHIR bundle, without any of our code:
observations per LOINC code (blood-pressure panels split into their components) and
medication requests, with times in UTC."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class RawPatient:
    resource_id: str
    observations: dict[str, list[tuple[datetime, str, float]]] = field(default_factory=dict)
    medications: list[tuple[str, datetime]] = field(default_factory=list)

    def series(self, code: str) -> list[tuple[datetime, float]]:
        """By time; values at the same instant by their resource id (as the tools do)."""
        return [(t, v) for t, _, v in sorted(self.observations.get(code, []))]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def load(path: Path) -> RawPatient:
    bundle = json.loads(path.read_text())
    patient: RawPatient | None = None
    obs: dict[str, list[tuple[datetime, str, float]]] = {}
    meds: list[tuple[str, datetime]] = []
    for entry in bundle["entry"]:
        res = entry["resource"]
        kind = res["resourceType"]
        if kind == "Patient":
            patient = RawPatient(res["id"])
        elif kind == "Observation" and "effectiveDateTime" in res:
            when = _when(res["effectiveDateTime"])
            parts = [res, *res.get("component", [])]
            for part in parts:
                quantity = part.get("valueQuantity")
                if quantity and "value" in quantity:
                    code = part["code"]["coding"][0]["code"]
                    obs.setdefault(code, []).append((when, res["id"], float(quantity["value"])))
        elif kind == "MedicationRequest" and "authoredOn" in res:
            concept = res.get("medicationCodeableConcept", {})
            meds.append((concept.get("text") or concept["coding"][0]["display"],
                         _when(res["authoredOn"])))
    assert patient is not None
    patient.observations = obs
    patient.medications = meds
    return patient


def expected_trend(points: list[tuple[datetime, float]]) -> dict[str, object]:
    """The key-finding fields a test can compute by hand."""
    first, last = points[0], points[-1]
    change = round((last[1] - first[1]) / abs(first[1]) * 100, 1) if len(points) > 1 else None
    return {"n": len(points), "first_date": first[0].date().isoformat(),
            "last_date": last[0].date().isoformat(), "first_value": first[1],
            "current_value": last[1], "change_percentage": change}
