"""The time a question asks about: explicit ranges exactly ("from 2016 to 2021", "in
2019", "since March 2020", "before 2018", "from 2015 to now"), relative windows counted
back from today ("over the last 3 years", "this year", "lately", "since last March").

A dozen month names and number words are a smaller, clearer thing than a general
date parser for these phrases, and no phrase here is ambiguous between locales.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from agents.tools.base import ALL_TIME, Window

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
           "twenty": 20, "a": 1, "a couple of": 2, "a few": 3, "several": 3}
DAYS = {"day": 1, "week": 7, "month": 30, "year": 365, "decade": 3652}
_YEAR = r"((?:19|20)\d\d)"
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WHEN = rf"(?:{_MONTH}\s+)?{_YEAR}"
_COUNT = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"


@dataclass(frozen=True)
class Period:
    """One side of a comparison: a window and how the answer names it."""

    window: Window
    label: str  # "2012", "March 2019", "now"
    # "than a year ago": the latest reading on or before this many days before the
    # latest one (so records that end years ago still compare like with like)
    before_latest: int = 0


@dataclass(frozen=True)
class Timeframe:
    window: Window = ALL_TIME
    relative: bool = False  # counted back from today (may be moved to the records' end)
    label: str | None = None  # how the answer names the period
    compare: tuple[Period, Period] | None = None  # "X in 2012 compared with 2020 / now"


def _start(month: str | None, year: str) -> date:
    return date(int(year), MONTHS[month] if month else 1, 1)


def _end(month: str | None, year: str) -> date:
    y = int(year)
    if not month:
        return date(y, 12, 31)
    m = MONTHS[month]
    return date(y, m, calendar.monthrange(y, m)[1])


def _days_back(today: date, days: int) -> date:
    return date.fromordinal(today.toordinal() - days)


_COMPARE = re.compile(rf"{_WHEN}\b.*?\b(?:compared (?:to|with)|versus|vs\.?|against|than|with"
                      rf"|to|and)\s+(?:in\s+|my\s+)?(now|today|currently|{_WHEN})")
_COMPARE_WORDS = re.compile(r"compar|\bvs\b|versus|\bthan\b|\bagainst\b|differ")
_AGO = re.compile(rf"\b(?:compared (?:to|with)|versus|vs\.?|against|than|to|with|from)\s+"
                  rf"(?:what it was\s+|it was\s+|they were\s+|(?:my|the) \w+\s+)?"
                  rf"(?:{_COUNT}\s+(day|week|month|year)s?\s+ago|(last|a) (year|month))\b")
_AROUND = re.compile(rf"\bbefore\s+(?:and|or|vs\.?|versus|compared (?:to|with))\s+after\s+"
                     rf"{_WHEN}")


def _period(month: str | None, year: str) -> Period:
    name = f"{month.capitalize()} {year}" if month else year
    return Period(Window(_start(month, year), _end(month, year)), name)


def _comparison(lowered: str) -> Timeframe | None:
    """Two periods set side by side ("my LDL in 2012 compared with 2020", "my BMI in 2015
    vs now", "my blood pressure before and after 2018"): each side's reading, not one
    window spanning both. Around a date, the date is the pivot: "after 2018" there means
    from its start on, as a clinician reads "before and after March 2020"."""
    if m := _AROUND.search(lowered):
        pivot = _start(m.group(1), m.group(2))
        named = f"{m.group(1).capitalize()} {m.group(2)}" if m.group(1) else m.group(2)
        return Timeframe(compare=(
            Period(Window(until=date.fromordinal(pivot.toordinal() - 1)), f"before {named}"),
            Period(Window(since=pivot), f"from {named} on")))
    if not _COMPARE_WORDS.search(lowered):
        return None
    if m := _AGO.search(lowered):  # "better or worse than a year ago": the latest against
        count, unit = (NUMBERS.get(m.group(1)) or int(m.group(1)), m.group(2)) \
            if m.group(1) else (1, m.group(4))  # the one a year before it
        span = f"{count} {unit}s" if count > 1 else f"a {unit}"
        return Timeframe(compare=(Period(ALL_TIME, f"{span} before", count * DAYS[unit]),
                                  Period(ALL_TIME, "now")))
    m = _COMPARE.search(lowered)
    if m is None:
        return None
    first = _period(m.group(1), m.group(2))
    if m.group(3) in ("now", "today", "currently"):
        second = Period(ALL_TIME, "now")
    else:
        second = _period(m.group(4), m.group(5))
    return Timeframe(compare=(first, second))


def during(label: str | None) -> str:
    """A period's label as a phrase after a noun: " from 2019-03-01 to 2019-03-31",
    " since 2020-03-01", " before 2018", " in the last 3 years", " this year"; "" without
    a period."""
    if not label:
        return ""
    if label.startswith(("from ", "since ", "up to ", "before ", "this ")):
        return f" {label}"
    return f" in {label}"


def _last_month_named(month: str, today: date, *, last: bool) -> date:
    """The first day of the latest `month` that has begun by today ("since March"); with
    `last` ("since last March"), one that has ended, so never the current month."""
    m = MONTHS[month]
    this_year = m < today.month or (m == today.month and not last)
    return date(today.year if this_year else today.year - 1, m, 1)


_DAY = r"((?:19|20)\d\d-[01]\d-[0-3]\d)"  # an ISO 8601 calendar date, as records write them


def _days(lowered: str) -> Timeframe | None:
    """A period given as ISO dates: "on 2024-01-02", "since 2023-05-01", "from 2024-01-01
    to 2024-01-15". None when the question names no valid date."""
    try:
        if m := re.search(rf"(?:from|between)\s+{_DAY}\s+(?:to|and|until|till|through|-)\s+"
                          rf"{_DAY}", lowered):
            since, until = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            return Timeframe(Window(since, until), False, f"from {since} to {until}")
        if m := re.search(rf"\b(since|after|before)\s+{_DAY}", lowered):
            day = date.fromisoformat(m.group(2))
            if m.group(1) == "before":
                until = date.fromordinal(day.toordinal() - 1)
                return Timeframe(Window(until=until), False, f"up to {until}")
            since = day if m.group(1) == "since" else date.fromordinal(day.toordinal() + 1)
            return Timeframe(Window(since=since), False, f"since {since}")
        if m := re.search(rf"\b{_DAY}\b", lowered):
            day = date.fromisoformat(m.group(1))
            return Timeframe(Window(day, day), False, f"on {day}")
    except ValueError:  # 2024-02-31: no such day, so no period
        return None
    return None


def read(lowered: str, today: date) -> Timeframe:
    if days := _days(lowered):
        return days
    if compared := _comparison(lowered):
        return compared
    if m := re.search(rf"(?:from|between|since)\s+{_WHEN}\s+(?:to|and|until|till|through|-)\s+"
                      r"(?:now|today|the present|present|date)\b", lowered):
        since = _start(m.group(1), m.group(2))
        return Timeframe(Window(since=since), False, f"since {since}")
    if m := re.search(rf"\bsince\s+(last\s+)?{_MONTH}(?![a-z])(?!\s*\d)", lowered):
        since = _last_month_named(m.group(2), today, last=bool(m.group(1)))
        return Timeframe(Window(since=since), True, f"since {since}")
    if m := re.search(rf"(?:from|between)\s+{_WHEN}\s+(?:to|and|until|till|through|-)\s+"
                      rf"{_WHEN}", lowered) or re.search(rf"\b{_YEAR}\s*(?:-|to)\s*{_YEAR}\b",
                                                         lowered):
        g = m.groups()
        if len(g) == 2:
            g = (None, g[0], None, g[1])
        since, until = _start(g[0], g[1]), _end(g[2], g[3])
        return Timeframe(Window(since, until), False, f"from {since} to {until}")
    if m := re.search(rf"\bsince\s+{_WHEN}", lowered):
        since = _start(m.group(1), m.group(2))
        return Timeframe(Window(since=since), False, f"since {since}")
    if m := re.search(rf"\b(?:before|prior to)\s+{_WHEN}", lowered):
        until = date.fromordinal(_start(m.group(1), m.group(2)).toordinal() - 1)
        return Timeframe(Window(until=until), False, f"up to {until}")
    if m := re.search(rf"\bafter\s+{_WHEN}", lowered):
        since = date.fromordinal(_end(m.group(1), m.group(2)).toordinal() + 1)
        return Timeframe(Window(since=since), False, f"since {since}")
    if m := re.search(rf"\b(?:in|during|for)\s+{_WHEN}", lowered):
        since, until = _start(m.group(1), m.group(2)), _end(m.group(1), m.group(2))
        return Timeframe(Window(since, until), False, f"from {since} to {until}")
    if m := re.search(rf"\b(?:last|past|previous|recent)\s+{_COUNT}\s+(day|week|month|year|"
                      r"decade)s?\b", lowered):
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBERS[m.group(1)]
        since = _days_back(today, n * DAYS[m.group(2)])
        return Timeframe(Window(since=since), True, f"the last {n} {m.group(2)}"
                         + ("s" if n != 1 else ""))
    if m := re.search(r"\b(?:last|past)\s+(day|week|month|year|decade)\b", lowered):
        since = _days_back(today, DAYS[m.group(1)])
        return Timeframe(Window(since=since), True, f"the last {m.group(1)}")
    if re.search(r"\bthis year\b", lowered):
        return Timeframe(Window(since=date(today.year, 1, 1)), True, "this year")
    if re.search(r"\b(lately|recently|these days)\b", lowered):
        return Timeframe(Window(since=_days_back(today, 90)), True, "the last 3 months")
    if m := re.search(rf"\b{_WHEN}\b", lowered):  # "at the start of 2015", "my 2019 A1c"
        since, until = _start(m.group(1), m.group(2)), _end(m.group(1), m.group(2))
        return Timeframe(Window(since, until), False, f"from {since} to {until}")
    return Timeframe()
