"""The analytics period: day, week (Monday to Sunday), month, year or custom, in the
organization's local calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from app.services.assist.facts import Period
from app.services.errors import ValidationFailed

PERIODS = ("day", "week", "month", "year", "custom")
MAX_DAYS = 366 * 2


def period_of(name: str, today: date, start: date | None, end: date | None) -> Period:
    if start is not None or end is not None or name == "custom":
        if start is None or end is None:
            raise ValidationFailed("a custom period needs startDate and endDate", [
                {"field": "startDate" if start is None else "endDate", "message": "required"}])
        if end < start or (end - start).days >= MAX_DAYS:
            raise ValidationFailed("endDate must be on or after startDate and within two years",
                                   [{"field": "endDate", "message": "out of range"}])
        return Period("custom", start, end)  # the dates decide, whatever `period` said
    if name == "day":
        return Period(name, today, today)
    if name == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(name, monday, monday + timedelta(days=6))
    if name == "month":
        last = calendar.monthrange(today.year, today.month)[1]
        return Period(name, today.replace(day=1), today.replace(day=last))
    if name == "year":
        return Period(name, date(today.year, 1, 1), date(today.year, 12, 31))
    raise ValidationFailed(f"unknown period {name}", [{"field": "period",
                                                       "message": f"one of {PERIODS}"}])
