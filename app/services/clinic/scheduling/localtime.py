"""Wall time in the organization's IANA zone, turned into real instants.

Start times sit on a grid of local wall times anchored to local midnight (09:00,
09:30, ...). A wall time can name no instant (the spring-forward gap: no 02:30 on
that day in America/Los_Angeles), one, or two (the fall-back hour: 01:30 PDT and
01:30 PST); :func:`wall_instants` returns exactly those, so the gap is never
offered and the repeated hour is offered once per real instant.

A day is cut into stretches of constant UTC offset (:func:`offset_segments`); inside
one, wall time is UTC plus that offset, so a weekly interval such as 08:00-17:00
maps to real spans exactly, even on a day with 23 or 25 hours. `zoneinfo` has no
public list of transitions, hence the sampling and bisection here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.services.clinic.scheduling.spans import Span, merged

DAY_MINUTES = 24 * 60
_SAMPLE = timedelta(minutes=15)  # shorter than any gap between two transitions


def wall(day: date, minute: int) -> datetime:
    """The naive wall time `minute` minutes after midnight of `day` (1440 = next day)."""
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def wall_instants(moment: datetime, tz: ZoneInfo) -> list[datetime]:
    """The real instants (UTC) whose local wall time is the naive `moment`: 0, 1 or 2."""
    found: list[datetime] = []
    for fold in (0, 1):
        instant = moment.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == moment and instant not in found:
            found.append(instant)
    return sorted(found)


def first_instant_from(moment: datetime, tz: ZoneInfo) -> datetime:
    """The earliest instant whose wall time is `moment` or, inside a gap, the moment
    the gap ends (local midnight itself is skipped in a few zones)."""
    instants = wall_instants(moment, tz)
    if instants:
        return instants[0]
    # In a gap, fold=1 reads the wall time with the offset after the change, which
    # lands before the change; fold=0 lands after it. The change lies between.
    low = moment.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = moment.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return _change_between(low, high, tz)


def _offset(instant: datetime, tz: ZoneInfo) -> timedelta:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


def _change_between(low: datetime, high: datetime, tz: ZoneInfo) -> datetime:
    """The first instant in (low, high] with the offset `high` has (to the second)."""
    target = _offset(high, tz)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if _offset(middle, tz) == target:
            high = middle
        else:
            low = middle
    return high


@lru_cache(maxsize=4096)
def day_span(day: date, tz: ZoneInfo) -> Span:
    """The real time of one local day (23, 24 or 25 hours long)."""
    return Span(first_instant_from(wall(day, 0), tz),
                first_instant_from(wall(day + timedelta(days=1), 0), tz))


@lru_cache(maxsize=4096)
def offset_segments(day: date, tz: ZoneInfo) -> tuple[tuple[Span, timedelta], ...]:
    """The day cut where its UTC offset changes: (span, offset) pairs in order."""
    whole = day_span(day, tz)
    segments: list[tuple[Span, timedelta]] = []
    start, previous = whole.start, whole.start
    while previous < whole.end:
        probe = min(previous + _SAMPLE, whole.end)
        if probe < whole.end and _offset(probe, tz) != _offset(previous, tz):
            change = _change_between(previous, probe, tz)
            segments.append((Span(start, change), _offset(start, tz)))
            start = change
        previous = probe
    segments.append((Span(start, whole.end), _offset(start, tz)))
    return tuple(segments)


def wall_spans(day: date, tz: ZoneInfo, intervals: Iterable[tuple[int, int]]) -> list[Span]:
    """Wall-time intervals of `day` (minutes after midnight, end exclusive, up to 1440)
    as the real spans whose wall time falls inside them."""
    out: list[Span] = []
    for first, last in intervals:
        for segment, offset in offset_segments(day, tz):
            start = (wall(day, first) - offset).replace(tzinfo=UTC)
            end = (wall(day, last) - offset).replace(tzinfo=UTC)
            start, end = max(start, segment.start), min(end, segment.end)
            if start < end:
                out.append(Span(start, end))
    return merged(out)


@lru_cache(maxsize=4096)
def grid(day: date, tz: ZoneInfo, interval_minutes: int) -> tuple[datetime, ...]:
    """Every real instant on the day's grid of wall times, in order, each once."""
    instants: list[datetime] = []
    for minute in range(0, DAY_MINUTES, interval_minutes):
        instants.extend(wall_instants(wall(day, minute), tz))
    return tuple(sorted(instants))


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def hhmm(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def parse_hhmm(text: str) -> int:
    """'08:30' -> 510 minutes after midnight; '24:00' is the end of the day."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time of day as HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(f"{text!r} is not a time of day as HH:MM")
    return value
