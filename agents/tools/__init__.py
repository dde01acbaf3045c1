"""Analysis tools: parameterized queries over the vault returning typed results plus the
row ids they used (provenance). Numbers in answers come from here, never from a model."""

from agents.tools.analytics import bp_control, correlation, glucose_time_in_range
from agents.tools.base import ALL_TIME, Window
from agents.tools.coverage import (
    allergies,
    conditions,
    coverage,
    patients_of,
    vaccinations,
    visits,
)
from agents.tools.extremes import beyond, extremes, time_in_range
from agents.tools.medications import before_after, medication_timeline
from agents.tools.observations import latest, out_of_range, series, trend
from agents.tools.sleep import SleepNight, sleep_nights, sleep_stage

__all__ = [
    "ALL_TIME",
    "SleepNight",
    "Window",
    "allergies",
    "before_after",
    "beyond",
    "bp_control",
    "conditions",
    "correlation",
    "coverage",
    "extremes",
    "glucose_time_in_range",
    "latest",
    "medication_timeline",
    "out_of_range",
    "patients_of",
    "series",
    "sleep_nights",
    "sleep_stage",
    "time_in_range",
    "trend",
    "vaccinations",
    "visits",
]
