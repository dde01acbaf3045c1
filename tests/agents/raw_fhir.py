"""Expected values straight from a raw Synthea FHIR bundle, without any of our code:
observations per LOINC code (blood-pressure panels split into their components) and
medication requests, with times in UTC."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def plausible_limits() -> dict[str, tuple[float, float]]:
    """code -> (low, high) from the clinical tables (resources/, read as plain JSON)."""
    measures = json.loads((RESOURCES / "measures.json").read_text())["measures"]
    ranges = json.loads((RESOURCES / "plausible_ranges.json").read_text())["ranges"]
    return {code: (ranges[key]["low"], ranges[key]["high"])
            for key, m in measures.items() if key in ranges for code in m["codes"]}


@dataclass
class RawPatient:
    resource_id: str
    observations: dict[str, list[tuple[datetime, str, float]]] = field(default_factory=dict)
    medications: list[tuple[str, datetime]] = field(default_factory=list)

    def series(self, code: str, *, plausible: bool = False) -> list[tuple[datetime, float]]:
        """One point per instant, by time; readings at one instant count as their mean
        (as the trend method does with conflicting readings). `plausible`: only values
        inside the code's plausible range."""
        low, high = plausible_limits().get(code, (float("-inf"), float("inf")))
        by_time: dict[datetime, list[float]] = {}
        for t, _, v in self.observations.get(code, []):
            if not plausible or low <= v <= high:
                by_time.setdefault(t, []).append(v)
        return [(t, sum(vs) / len(vs)) for t, vs in sorted(by_time.items())]


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


def theil_sen(points: list[tuple[datetime, float]]) -> tuple[float, float]:
    """(slope per year, fitted start) by the definition: the median pairwise slope, the
    line through the median of value - slope * time (time in years from the first)."""
    xs = [(t - points[0][0]).total_seconds() / (365.25 * 86400) for t, _ in points]
    ys = [v for _, v in points]
    slopes = sorted((ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(len(xs))
                    for j in range(i + 1, len(xs)) if xs[j] != xs[i])
    slope = statistics.median(slopes)
    return slope, statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))


def expected_trend(points: list[tuple[datetime, float]]) -> dict[str, object]:
    """The key-finding fields a test can compute by hand (series under 200 points)."""
    first, last = points[0], points[-1]
    change = None
    if len(points) > 1:
        slope, start = theil_sen(points)
        span = (last[0] - first[0]).total_seconds() / (365.25 * 86400)
        change = round(slope * span / abs(start) * 100, 1) if start else None
    return {"n": len(points), "first_date": first[0].date().isoformat(),
            "last_date": last[0].date().isoformat(), "first_value": first[1],
            "current_value": last[1], "change_percentage": change}
