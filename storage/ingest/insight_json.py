"""The insight API's JSON files (lab_results_*, medications_*, vitals_*, clinical_data_*).

Shape, as the original system wrote them: ``header_fields`` {Patient_Name,
Date_Of_Birth, Report_Date, Patient_Age} and one or more of ``Lab_Results[]``
{Test_Date, Provider, Tests[] {Test_Name, Test_Value, Test_Unit, Reference_Range, Flag,
Test_Category}}, ``Medications[]`` {Prescription_Date, Medication_Name, Dosage, Form,
For_Condition, Frequency, Status}, ``Vitals[]`` {Measurement_Date, Vital_Type,
Vital_Value, Vital_Unit}, and ``Conditions``/``Allergies``/``Immunizations`` lists
(``Procedures`` have no table and are skipped with a warning). Test names map to
LOINC through resources/loinc_map.json; "120/80" blood pressure vitals split into
systolic and diastolic rows. Positions look like ``Lab_Results[2].Tests[0]``.
"""

from __future__ import annotations

from typing import Any

from storage.errors import IngestError
from storage.ingest.detect import Unit
from storage.ingest.fhir import load_json
from storage.ingest.normalize import (
    flag_from_interpretation,
    iso,
    loinc_for_name,
    number,
    parse_range,
)
from storage.ingest.pipeline import Limits
from storage.ingest.writer import Writer

LOINC = "http://loinc.org"
KEY = "insight|patient"


def _list(data: dict[str, Any], key: str, label: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise IngestError(label, key, "should be an array")
    return value


def _obj(value: Any, label: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IngestError(label, where, "should be an object")
    return value


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _observation(w: Writer, pos: int, *, name: Any, value: Any, unit: Any, date: Any,
                 category: str, ref: Any = None, flag: Any = None) -> None:
    code = loinc_for_name(_text(name))
    comparator, num = number(_text(value))
    low, high = parse_range(_text(ref))
    w.observation(pos, patient=KEY, category=category, code_system=LOINC if code else "local",
                  code=code[0] if code else None, display=_text(name), num=num,
                  comparator=comparator, value_text=None if num is not None else _text(value),
                  original_value=_text(value), original_unit=_text(unit), ref_low=low,
                  ref_high=high, flag=flag_from_interpretation(_text(flag)),
                  effective=iso(_text(date)))


def _named(item: dict[str, Any], *words: str) -> Any:
    """The first field whose name contains one of `words` (lenient for clinical lists)."""
    for word in words:
        for key, value in item.items():
            if word in key.lower() and value not in (None, ""):
                return value
    return None


def import_file(unit: Unit, w: Writer, limits: Limits) -> None:  # noqa: ARG001
    label = unit.label
    data = _obj(load_json(unit.paths[0]), label, "byte 0")
    w.bytes_done += unit.size
    w.position_label = "item"
    header = _obj(data.get("header_fields") or {}, label, "header_fields")
    if header.get("Patient_Name"):
        w.patient(KEY, name=str(header["Patient_Name"]),
                  birth_date=iso(_text(header.get("Date_Of_Birth"))))
    else:
        w.default_patient(KEY, birth_date=iso(_text(header.get("Date_Of_Birth"))))
    pos = 0
    for i, visit in enumerate(_list(data, "Lab_Results", label)):
        visit = _obj(visit, label, f"Lab_Results[{i}]")
        for j, test in enumerate(_list(visit, "Tests", f"{label} Lab_Results[{i}]")):
            test = _obj(test, label, f"Lab_Results[{i}].Tests[{j}]")
            pos += 1
            _observation(w, pos, name=test.get("Test_Name"), value=test.get("Test_Value"),
                         unit=test.get("Test_Unit"), date=visit.get("Test_Date"),
                         category="laboratory", ref=test.get("Reference_Range"),
                         flag=test.get("Flag"))
    for i, vital in enumerate(_list(data, "Vitals", label)):
        vital = _obj(vital, label, f"Vitals[{i}]")
        pos += 1
        value, kind = _text(vital.get("Vital_Value")) or "", _text(vital.get("Vital_Type")) or ""
        parts = value.split("/")
        if len(parts) == 2 and "pressure" in kind.lower():
            for name, part in zip(("Systolic blood pressure", "Diastolic blood pressure"),
                                  parts, strict=True):
                _observation(w, pos, name=name, value=part.strip(), unit=vital.get("Vital_Unit"),
                             date=vital.get("Measurement_Date"), category="vital-signs")
            continue
        _observation(w, pos, name=kind, value=value, unit=vital.get("Vital_Unit"),
                     date=vital.get("Measurement_Date"), category="vital-signs")
    for i, med in enumerate(_list(data, "Medications", label)):
        med = _obj(med, label, f"Medications[{i}]")
        pos += 1
        dose = _text(med.get("Dosage")) or ""
        _, dose_value = number(dose.split(" ")[0]) if dose else (None, None)
        w.add("medications", pos, patient=KEY, name=_text(med.get("Medication_Name")) or
              "Unnamed medication", dosage=dose or None, dose_value=dose_value,
              dose_unit=" ".join(dose.split(" ")[1:]) or None if dose_value is not None else None,
              form=_text(med.get("Form")), frequency=_text(med.get("Frequency")),
              reason=_text(med.get("For_Condition")), status=_text(med.get("Status")),
              start=iso(_text(med.get("Prescription_Date"))))
    for key, table, date_field in (("Conditions", "conditions", "onset"),
                                   ("Allergies", "allergies", "recorded"),
                                   ("Immunizations", "immunizations", "occurred")):
        for i, item in enumerate(_list(data, key, label)):
            item = _obj(item, label, f"{key}[{i}]")
            pos += 1
            fields: dict[str, Any] = {date_field: iso(_text(_named(item, "date")))}
            if table == "conditions":
                fields["clinical_status"] = _text(_named(item, "status"))
            if table == "allergies":
                fields["reaction"] = _text(_named(item, "reaction"))
                fields["criticality"] = _text(_named(item, "severity"))
            w.add(table, pos, patient=KEY, display=_text(_named(
                item, "name", "allergen", "vaccine", "condition", "diagnosis")) or "Unnamed",
                **fields)
    if _list(data, "Procedures", label):
        w.warn(f"skipped {len(data['Procedures'])} procedure(s): no procedures table yet")
