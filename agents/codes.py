"""The metrics the team knows: LOINC code, display name, words people use, body system.

Questions are matched against `aliases` (longest first, so "ldl cholesterol" is LDL and
not total cholesterol); `system` decides which specialist owns a metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents import vocabulary


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    key: str  # a column name for charts: "total_cholesterol"
    system: str  # lipids | blood_pressure | glycemic | kidney | liver | blood_count |
    #              electrolytes | body | vitals | thyroid | activity | symptoms
    aliases: tuple[str, ...]


METRICS: tuple[Metric, ...] = (
    Metric("2093-3", "Total Cholesterol", "total_cholesterol", "lipids",
           ("total cholesterol", "cholesterol")),
    Metric("18262-6", "LDL Cholesterol", "ldl", "lipids",
           ("ldl cholesterol", "ldl", "low density lipoprotein", "bad cholesterol")),
    Metric("2085-9", "HDL Cholesterol", "hdl", "lipids",
           ("hdl cholesterol", "hdl", "high density lipoprotein", "good cholesterol")),
    Metric("2571-8", "Triglycerides", "triglycerides", "lipids",
           ("triglycerides", "triglyceride", "trigs")),
    Metric("8480-6", "Systolic Blood Pressure", "systolic", "blood_pressure",
           ("systolic", "blood pressure", "bp", "hypertension")),
    Metric("8462-4", "Diastolic Blood Pressure", "diastolic", "blood_pressure",
           ("diastolic", "blood pressure", "bp", "hypertension")),
    Metric("8867-4", "Heart Rate", "heart_rate", "vitals",
           ("heart rate", "pulse", "resting heart rate")),
    Metric("4548-4", "Hemoglobin A1c", "hba1c", "glycemic",
           ("hemoglobin a1c", "hba1c", "a1c", "glycated hemoglobin")),
    Metric("2339-0", "Glucose", "glucose", "glycemic",
           ("blood glucose", "blood sugar", "glucose", "sugar")),
    Metric("38483-4", "Creatinine", "creatinine", "kidney", ("creatinine",)),
    Metric("33914-3", "eGFR", "egfr", "kidney",
           ("egfr", "glomerular filtration", "kidney function", "gfr")),
    Metric("6299-2", "Urea Nitrogen", "bun", "kidney", ("urea nitrogen", "bun", "urea")),
    Metric("14959-1", "Microalbumin/Creatinine Ratio", "microalbumin", "kidney",
           ("microalbumin", "albumin creatinine ratio", "uacr")),
    Metric("2947-0", "Sodium", "sodium", "electrolytes", ("sodium",)),
    Metric("6298-4", "Potassium", "potassium", "electrolytes", ("potassium",)),
    Metric("2069-3", "Chloride", "chloride", "electrolytes", ("chloride",)),
    Metric("20565-8", "Carbon Dioxide", "co2", "electrolytes", ("carbon dioxide", "bicarbonate")),
    Metric("49765-1", "Calcium", "calcium", "electrolytes", ("calcium",)),
    Metric("1742-6", "ALT", "alt", "liver", ("alt", "alanine aminotransferase", "liver enzymes")),
    Metric("1920-8", "AST", "ast", "liver", ("ast", "aspartate aminotransferase")),
    Metric("6768-6", "Alkaline Phosphatase", "alp", "liver", ("alkaline phosphatase", "alp")),
    Metric("1975-2", "Total Bilirubin", "bilirubin", "liver", ("bilirubin",)),
    Metric("1751-7", "Albumin", "albumin", "liver", ("albumin",)),
    Metric("718-7", "Hemoglobin", "hemoglobin", "blood_count", ("hemoglobin", "haemoglobin")),
    Metric("4544-3", "Hematocrit", "hematocrit", "blood_count", ("hematocrit",)),
    Metric("6690-2", "White Blood Cells", "wbc", "blood_count",
           ("white blood cell", "wbc", "leukocytes")),
    Metric("777-3", "Platelets", "platelets", "blood_count", ("platelets", "platelet count")),
    Metric("3016-3", "TSH", "tsh", "thyroid", ("tsh", "thyroid")),
    Metric("29463-7", "Body Weight", "weight", "body", ("body weight", "weight")),
    Metric("39156-5", "BMI", "bmi", "body", ("body mass index", "bmi")),
    Metric("8302-2", "Body Height", "height", "body", ("height",)),
    Metric("59408-5", "Oxygen Saturation", "spo2", "vitals",
           ("oxygen saturation", "spo2", "blood oxygen")),
    Metric("8310-5", "Body Temperature", "temperature", "vitals", ("temperature", "fever")),
    Metric("9279-1", "Respiratory Rate", "respiratory_rate", "vitals", ("respiratory rate",)),
    Metric("55423-8", "Steps", "steps", "activity", ("steps", "step count", "walking")),
    Metric("72514-3", "Pain Severity", "pain", "symptoms", ("pain score", "pain severity")),
)

BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}

SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
GLUCOSE, HBA1C = "2339-0", "4548-4"
LIPIDS = ("2093-3", "18262-6", "2085-9", "2571-8")
BLOOD_PRESSURE = (SYSTOLIC, DIASTOLIC)


def metric(code: str) -> Metric:
    """The catalogue entry; else the lay-word table's measure (its name and body system);
    else a plain one named after the code."""
    if code in BY_CODE:
        return BY_CODE[code]
    hit = vocabulary.measure_of(code)
    key = "m_" + code.replace("-", "_")
    if hit is not None:
        return Metric(code, hit[1].name, key, hit[0].system, ())
    return Metric(code, _plain_name(code), key, "other", ())


def plain_value(code: str, text: str) -> str:
    """A HealthKit category value in words ("HKCategoryValueSleepAnalysisAsleepCore" of
    the sleep analysis type: "Asleep core"); any other text as it is."""
    kind = re.fullmatch(r"HK\w*?TypeIdentifier(\w+)", code)
    value = re.fullmatch(r"HKCategoryValue(\w+)", text)
    if value is None:
        return text
    rest = value.group(1)
    if kind and rest.startswith(kind.group(1)) and rest != kind.group(1):
        rest = rest[len(kind.group(1)):]
    return _words(rest).capitalize()


def _words(camel: str) -> str:
    words = re.findall(r"[A-Z]+\d*(?![a-z])|[A-Z]?[a-z]+\d*|\d+", camel)
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])])


def _plain_name(code: str) -> str:
    """A HealthKit identifier as words ("HKCategoryTypeIdentifierSleepAnalysis": "Sleep
    analysis"), never the identifier in prose; any other code as it is."""
    m = re.fullmatch(r"HK\w*?TypeIdentifier(\w+)", code)
    if m is None:
        return code
    return _words(m.group(1))


def codes_for(system: str) -> tuple[str, ...]:
    return tuple(m.code for m in METRICS if m.system == system)
