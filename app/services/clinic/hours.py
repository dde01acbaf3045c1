"""Weekly hours: business hours per weekday and intervals inside them, as local wall
times "HH:MM" in the organization's time zone. Scheduling (issue 14) reads the same
shapes: `business_hours[weekday]` and the providers' `(weekday, start, end)` rows.

Wall-clock arithmetic on "HH:MM" strings is all this needs (no dates, no zones), so it
is done here in minutes rather than through a date library.
"""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOURS: dict[str, dict[str, Any]] = {
    **{day: {"open": "08:00", "close": "17:00"} for day in WEEKDAYS[:5]},
    "saturday": {"closed": True}, "sunday": {"closed": True}}
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

FieldErrors = list[dict[str, str]]


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def opening(hours: dict[str, Any], day: str) -> tuple[int, int] | None:
    """(open, close) in minutes after local midnight, or None when closed that day."""
    entry = hours.get(day) or {"closed": True}
    if entry.get("closed") or not entry.get("open") or not entry.get("close"):
        return None
    return minutes(entry["open"]), minutes(entry["close"])


def check_business_hours(hours: dict[str, Any], field: str = "businessHours") -> FieldErrors:
    errors = []
    for day, entry in hours.items():
        if entry and not entry.get("closed"):
            if not entry.get("open") or not entry.get("close"):
                errors.append({"field": f"{field}.{day}",
                               "message": "give open and close, or closed: true"})
            elif minutes(entry["open"]) >= minutes(entry["close"]):
                errors.append({"field": f"{field}.{day}", "message": "opens after it closes"})
    return errors


def check_intervals(intervals: dict[str, list[dict[str, str]]], hours: dict[str, Any] | None,
                    field: str = "availability") -> FieldErrors:
    """Each interval starts before it ends, none overlap on a day, and (when `hours` is
    given) each lies inside that day's business hours."""
    errors = []
    for day, spans in intervals.items():
        window = opening(hours, day) if hours is not None else None
        ordered = sorted(enumerate(spans), key=lambda item: minutes(item[1]["start"]))
        previous_end: int | None = None
        for index, span in ordered:
            start, end = minutes(span["start"]), minutes(span["end"])
            where = f"{field}.{day}.{index}"
            if start >= end:
                errors.append({"field": where, "message": "starts at or after its end"})
                continue
            if hours is not None and window is None:
                errors.append({"field": where, "message": f"the clinic is closed on {day}"})
            elif window is not None and (start < window[0] or end > window[1]):
                errors.append({"field": where, "message": (
                    f"outside business hours {hours[day]['open']}-{hours[day]['close']}")})
            if previous_end is not None and start < previous_end:
                errors.append({"field": where, "message": "overlaps another interval"})
            previous_end = end if previous_end is None else max(previous_end, end)
    return errors


def as_rows(intervals: dict[str, list[dict[str, str]]]) -> list[tuple[int, str, str]]:
    return [(WEEKDAYS.index(day), span["start"], span["end"])
            for day, spans in intervals.items() for span in spans]


def from_rows(rows: list[tuple[int, str, str]]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for weekday, start, end in rows:
        found.setdefault(WEEKDAYS[weekday], []).append({"start": start, "end": end})
    return found
