"""FHIR R4 resources to staged rows (the per-resource mapping; fhir.py reads the files).

Observation: valueQuantity / valueString / valueCodeableConcept / valueInteger /
valueBoolean; effectiveDateTime, effectiveInstant or effectivePeriod, else `issued`
(time_basis "issued", shown as "reported at"), else the DiagnosticReport's effective
or issued time (time_basis "report"), so no reading is dropped for lacking a time; referenceRange
and interpretation kept. Component panels become one row per component, so a blood
pressure panel (55284-4 or 85354-9) yields systolic 8480-6 and diastolic 8462-4 rows.
Resources that are not health records (Claim, ExplanationOfBenefit, Organization ...)
are counted and skipped with one warning per type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.ingest.normalize import (
    category_for_code,
    flag_from_interpretation,
    iso,
    name_for_code,
)
from storage.ingest.writer import Writer

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
BP_PANELS = {"55284-4", "85354-9"}


class WrongType(ValueError):
    """A field holds the wrong JSON type; the caller adds file and position."""


def json_type(value: Any) -> str:
    """What JSON calls the value's type (messages name JSON's types, not Python's)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WrongType(f"{what} should be an object, not {json_type(value)}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise WrongType(f"{what} should be an array, not {json_type(value)}")
    return value


def _str(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WrongType(f"{what} should be a string, not {json_type(value)}")


def _num(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongType(f"{what} should be a number, not {json_type(value)}")
    return float(value)


def coding(concept: Any, what: str = "code") -> tuple[str | None, str | None, str | None]:
    """(system, code, display) of a CodeableConcept, LOINC preferred."""
    concept = _dict(concept, what)
    codings = [_dict(c, what) for c in _list(concept.get("coding"), what)]
    best = next((c for c in codings if c.get("system") == LOINC), codings[0] if codings else {})
    display = _str(concept.get("text"), what) or _str(best.get("display"), what)
    return _str(best.get("system"), what), _str(best.get("code"), what), display


def _first_code(concept: Any) -> str | None:
    return coding(concept)[1]


def _period(res: dict[str, Any], prefix: str) -> tuple[str | None, str | None]:
    for suffix in ("DateTime", "Instant", "Date"):
        if res.get(prefix + suffix) is not None:
            return iso(_str(res[prefix + suffix], prefix)), None
    period = _dict(res.get(prefix + "Period"), prefix)
    return iso(_str(period.get("start"), prefix)), iso(_str(period.get("end"), prefix))


class ResourceMapper:
    """Maps one unit's resources; `patient_key` turns a reference into a writer key."""

    def __init__(self, w: Writer, patient_key: Callable[[Any], str]) -> None:
        self.w = w
        self.patient_key = patient_key
        self.skipped: dict[str, int] = {}
        self.reports: dict[str, str] = {}  # observation id -> the report that lists it
        self.report_times: dict[str, str] = {}  # observation id -> that report's time
        self.handlers: dict[str, Callable[[int, dict[str, Any]], None]] = {
            "Observation": self.observation, "MedicationRequest": self.medication,
            "MedicationStatement": self.medication, "Condition": self.condition,
            "Encounter": self.encounter, "Immunization": self.immunization,
            "AllergyIntolerance": self.allergy,
            "DiagnosticReport": lambda *_: None,  # linked to its results beforehand
        }

    def link_report(self, res: dict[str, Any]) -> None:
        """Remember which observations a DiagnosticReport lists (read before them)."""
        _, code, display = coding(res.get("code"))
        name = display or code or "report"
        when = _period(res, "effective")[0]
        if when is None and res.get("issued") is not None:
            when = iso(_str(res["issued"], "issued"))
        for result in _list(res.get("result"), "result"):
            ref = _dict(result, "result").get("reference")
            if isinstance(ref, str):
                key = ref.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                self.reports[key] = name
                if when is not None:
                    self.report_times[key] = when

    def map(self, pos: int, res: dict[str, Any]) -> None:
        kind = res.get("resourceType")
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            if kind != "Patient":
                self.skipped[str(kind)] = self.skipped.get(str(kind), 0) + 1
            return
        handler(pos, res)

    def _subject(self, res: dict[str, Any]) -> str:
        ref = _dict(res.get("subject") or res.get("patient"), "subject").get("reference")
        return self.patient_key(ref)

    def observation(self, pos: int, res: dict[str, Any]) -> None:
        cats = [coding(c, "category")[1] for c in _list(res.get("category"), "category")]
        system, code, display = coding(res.get("code"))
        category = cats[0] if cats and cats[0] else category_for_code(code)
        category = "vital-signs" if category == "vital-sign" else category
        start, end = _period(res, "effective")
        basis = None  # effective[x]; else issued ("reported at"); else the report's time
        if start is None and res.get("issued") is not None:
            start, basis = iso(_str(res["issued"], "issued")), "issued"
        if start is None and str(res.get("id")) in self.report_times:
            start, basis = self.report_times[str(res.get("id"))], "report"
        interp = [coding(c, "interpretation")[1] for c in _list(res.get("interpretation"), "x")]
        base = {"patient": self._subject(res), "category": category, "effective": start,
                "effective_end": end,
                "flag": flag_from_interpretation(interp[0] if interp else None),
                "record_id": _str(res.get("id"), "id"),
                "report": self.reports.get(str(res.get("id"))), "time_basis": basis}
        components = _list(res.get("component"), "component")
        if components and not _has_value(res):
            if code in BP_PANELS:
                base["category"] = "vital-signs"
            for comp in components:
                comp = _dict(comp, "component")
                c_system, c_code, c_display = coding(comp.get("code"))
                row = {**base, **_value(comp), "record_id": f"{base['record_id']}#{c_code}"}
                self.w.observation(pos, **row, code_system=c_system, code=c_code,
                                   display=c_display or name_for_code(c_code))
            return
        self.w.observation(pos, **base, **_value(res), code_system=system, code=code,
                           display=display or name_for_code(code))

    def medication(self, pos: int, res: dict[str, Any]) -> None:
        concept = res.get("medicationCodeableConcept")
        if concept is None:
            concept = {"text": _dict(res.get("medicationReference"), "medication").get("display")}
        system, code, name = coding(concept, "medication")
        dosage = [_dict(d, "dosage") for d in
                  _list(res.get("dosageInstruction") or res.get("dosage"), "dosage")]
        first = dosage[0] if dosage else {}
        dose = {}
        for rate in _list(first.get("doseAndRate"), "doseAndRate"):
            dose = _dict(_dict(rate, "doseAndRate").get("doseQuantity"), "doseQuantity")
        repeat = _dict(_dict(first.get("timing"), "timing").get("repeat"), "repeat")
        frequency = None
        if repeat.get("frequency") is not None:
            frequency = (f"{repeat['frequency']} per {repeat.get('period', 1)} "
                         f"{repeat.get('periodUnit', '')}").strip()
        start, stop = _period(res, "effective")
        reasons = [coding(r, "reasonCode")[2] for r in _list(res.get("reasonCode"), "reasonCode")]
        reasons += [_dict(r, "reasonReference").get("display")
                    for r in _list(res.get("reasonReference"), "reasonReference")]
        self.w.add("medications", pos, patient=self._subject(res), code_system=system, code=code,
                   name=name or "Unnamed medication", dosage=_str(first.get("text"), "dosage"),
                   dose_value=_num(dose.get("value"), "dose"), dose_unit=dose.get("unit"),
                   frequency=frequency, reason=next((r for r in reasons if r), None),
                   status=_str(res.get("status"), "status"),
                   start=start or iso(_str(res.get("authoredOn"), "authoredOn")), stop=stop,
                   record_id=res.get("id"))

    def condition(self, pos: int, res: dict[str, Any]) -> None:
        system, code, display = coding(res.get("code"))
        onset, _ = _period(res, "onset")
        abatement, _ = _period(res, "abatement")
        self.w.add("conditions", pos, patient=self._subject(res), code_system=system, code=code,
                   display=display or "Unnamed condition",
                   clinical_status=_first_code(res.get("clinicalStatus")), onset=onset,
                   abatement=abatement, record_id=res.get("id"))

    def encounter(self, pos: int, res: dict[str, Any]) -> None:
        types = _list(res.get("type"), "type")
        system, code, display = coding(types[0] if types else None, "type")
        klass = res.get("class")
        klass = klass[0] if isinstance(klass, list) and klass else klass
        period = _dict(res.get("period"), "period")
        reasons = [coding(r, "reasonCode")[2] for r in _list(res.get("reasonCode"), "reasonCode")]
        self.w.add("encounters", pos, patient=self._subject(res), code_system=system, code=code,
                   display=display, encounter_class=_dict(klass, "class").get("code"),
                   start=iso(_str(period.get("start"), "period")),
                   end=iso(_str(period.get("end"), "period")),
                   provider=_dict(res.get("serviceProvider"), "serviceProvider").get("display"),
                   reason=next((r for r in reasons if r), None), record_id=res.get("id"))

    def immunization(self, pos: int, res: dict[str, Any]) -> None:
        system, code, display = coding(res.get("vaccineCode"), "vaccineCode")
        occurred, _ = _period(res, "occurrence")
        self.w.add("immunizations", pos, patient=self._subject(res), code_system=system,
                   code=code, display=display or "Unnamed vaccine", occurred=occurred,
                   status=_str(res.get("status"), "status"), record_id=res.get("id"))

    def allergy(self, pos: int, res: dict[str, Any]) -> None:
        system, code, display = coding(res.get("code"))
        reactions = [_dict(r, "reaction") for r in _list(res.get("reaction"), "reaction")]
        manifest = [coding(m, "manifestation")[2] for r in reactions
                    for m in _list(r.get("manifestation"), "manifestation")]
        cats = _list(res.get("category"), "category")
        self.w.add("allergies", pos, patient=self._subject(res), code_system=system, code=code,
                   display=display or "Unnamed allergy", category=cats[0] if cats else None,
                   criticality=_str(res.get("criticality"), "criticality"),
                   reaction=", ".join(m for m in manifest if m) or None,
                   clinical_status=_first_code(res.get("clinicalStatus")),
                   recorded=iso(_str(res.get("recordedDate") or res.get("onsetDateTime"),
                                     "recordedDate")),
                   record_id=res.get("id"))


def _has_value(res: dict[str, Any]) -> bool:
    return any(k.startswith("value") for k in res)


def _value(res: dict[str, Any]) -> dict[str, Any]:
    """The value fields of an Observation or component, plus its reference range."""
    out: dict[str, Any] = {}
    if "valueQuantity" in res:
        q = _dict(res["valueQuantity"], "valueQuantity")
        out["num"] = _num(q.get("value"), "valueQuantity.value")
        unit = q.get("code") if q.get("system") == UCUM and q.get("code") else q.get("unit")
        out["original_unit"] = _str(unit or q.get("code"), "valueQuantity.unit")
        out["original_value"] = None if q.get("value") is None else str(q["value"])
        out["comparator"] = _str(q.get("comparator"), "valueQuantity.comparator")
    elif "valueCodeableConcept" in res:
        out["value_text"] = coding(res["valueCodeableConcept"], "valueCodeableConcept")[2]
        out["original_value"] = out["value_text"]
    elif "valueString" in res:
        out["value_text"] = out["original_value"] = _str(res["valueString"], "valueString")
    elif "valueInteger" in res or "valueBoolean" in res:
        raw = res.get("valueInteger", res.get("valueBoolean"))
        out["num"] = float(raw) if isinstance(raw, int | float) else _num(raw, "value")
        out["original_value"] = str(raw)
    ranges = _list(res.get("referenceRange"), "referenceRange")
    if ranges:
        first = _dict(ranges[0], "referenceRange")
        out["ref_low"] = _num(_dict(first.get("low"), "low").get("value"), "referenceRange.low")
        out["ref_high"] = _num(_dict(first.get("high"), "high").get("value"), "referenceRange.high")
    return out
