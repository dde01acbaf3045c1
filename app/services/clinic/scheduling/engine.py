"""Availability, computed from rules and bookings, never from pre-made slots.

    open time  = provider's weekly intervals ∩ business hours − closures   (per local day)
    a start s  is free when it sits on the day's wall-time grid, is not in the past,
               [s, s + duration) lies inside open time, and [s - before, s + duration
               + after) overlaps no booked or held appointment's span with its buffers.

Everything here is pure: the caller loads hours, closures and blocked spans and passes
the clock's `now`; the same functions list the free slots and judge a booking, so
what is offered is exactly what can be booked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from app.services.clinic.scheduling.localtime import grid, local_date, wall_spans
from app.services.clinic.scheduling.spans import Span, difference, intersection, merged

# weekday (0 = Monday) -> wall intervals as (start, end) minutes after local midnight
WeeklyHours = Mapping[int, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class Need:
    """What one appointment asks of the calendar."""

    duration: timedelta
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)

    def at(self, start: datetime) -> Span:
        return Span(start, start + self.duration)

    def blocking(self, start: datetime) -> Span:
        """The provider's (and patient's) time it takes, buffers included."""
        return self.at(start).widened(self.before, self.after)


@dataclass(frozen=True)
class Calendar:
    """One provider's inputs around one local day; build with :func:`calendar_for`."""

    tz: ZoneInfo
    interval_minutes: int
    open: tuple[Span, ...]
    blocked: tuple[Span, ...]


class Refusal(Enum):
    OFF_GRID = "off_grid"
    PAST = "past"
    CLOSED = "closed"
    TAKEN = "taken"


def open_time(day: date, tz: ZoneInfo, *, provider: WeeklyHours, business: WeeklyHours,
              closures: Iterable[Span]) -> list[Span]:
    weekday = day.weekday()
    hours = intersection(wall_spans(day, tz, provider.get(weekday, ())),
                         wall_spans(day, tz, business.get(weekday, ())))
    return difference(hours, closures)


def calendar_for(day: date, tz: ZoneInfo, *, interval_minutes: int, provider: WeeklyHours,
                 business: WeeklyHours, closures: Iterable[Span],
                 blocked: Iterable[Span]) -> Calendar:
    """Open time of `day` and the next (an appointment may run past midnight when both
    days are open there) and what is already taken."""
    cut = list(closures)
    stretches = [*open_time(day, tz, provider=provider, business=business, closures=cut),
                 *open_time(day + timedelta(days=1), tz, provider=provider,
                            business=business, closures=cut)]
    return Calendar(tz, interval_minutes, tuple(merged(stretches)), tuple(blocked))


def refusal(calendar: Calendar, start: datetime, need: Need, now: datetime) -> Refusal | None:
    """Why `start` cannot be booked for `need`, or None when it can."""
    if start not in grid(local_date(start, calendar.tz), calendar.tz,
                         calendar.interval_minutes):
        return Refusal.OFF_GRID
    if start < now:
        return Refusal.PAST
    wanted = need.at(start)
    if not any(stretch.contains(wanted) for stretch in calendar.open):
        return Refusal.CLOSED
    taking = need.blocking(start)
    if any(span.overlaps(taking) for span in calendar.blocked):
        return Refusal.TAKEN
    return None


def free_slots(calendar: Calendar, day: date, need: Need, now: datetime) -> list[Span]:
    """Every bookable start of local `day`, in order, as the appointment's own span."""
    return [need.at(start) for start in grid(day, calendar.tz, calendar.interval_minutes)
            if refusal(calendar, start, need, now) is None]
