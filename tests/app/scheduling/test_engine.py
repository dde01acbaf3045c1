"""The pure scheduling engine: grids, durations, buffers, closures, daylight saving.

Expected instants are written out by hand from the zones' known offsets (PST -8,
PDT -7, CET +1, CEST +2), never computed by the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services.clinic.scheduling.engine import (
    Need,
    Refusal,
    calendar_for,
    free_slots,
    refusal,
)
from app.services.clinic.scheduling.localtime import hhmm, wall_spans
from app.services.clinic.scheduling.spans import Span

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2027, 1, 11)  # PST, UTC-8
EARLY = datetime(2020, 1, 1, tzinfo=UTC)  # a `now` before every day tested
WEEKDAYS_8_TO_17 = {d: [(8 * 60, 17 * 60)] for d in range(5)}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def monday_calendar(provider_hours: list[tuple[int, int]], *, blocked: list[Span] = (),
                    closures: list[Span] = (), interval: int = 30):  # type: ignore[assignment]
    return calendar_for(MONDAY, LA, interval_minutes=interval, provider={0: provider_hours},
                        business=WEEKDAYS_8_TO_17, closures=closures, blocked=blocked)


def starts(slots: list[Span]) -> list[datetime]:
    return [slot.start for slot in slots]


def every(first: datetime, count: int, step: int = 30) -> list[datetime]:
    return [first + minutes(step * i) for i in range(count)]


def test_an_empty_day_offers_its_whole_grid() -> None:
    calendar = monday_calendar([(9 * 60, 12 * 60)])
    slots = free_slots(calendar, MONDAY, Need(minutes(30)), EARLY)
    assert starts(slots) == every(utc(2027, 1, 11, 17, 0), 6)  # 09:00 .. 11:30 PST
    assert [hhmm(s.start, LA) for s in slots][:2] == ["09:00", "09:30"]
    assert all(s.end - s.start == minutes(30) for s in slots)


def test_provider_hours_are_cut_to_business_hours_and_other_days_are_empty() -> None:
    calendar = monday_calendar([(6 * 60, 9 * 60)])  # the clinic opens at 08:00
    assert starts(free_slots(calendar, MONDAY, Need(minutes(30)), EARLY)) == \
        every(utc(2027, 1, 11, 16, 0), 2)
    tuesday = MONDAY + timedelta(days=1)
    assert free_slots(calendar, tuesday, Need(minutes(30)), EARLY) == []


def test_a_60_minute_appointment_on_a_30_minute_grid() -> None:
    calendar = monday_calendar([(9 * 60, 12 * 60)])
    slots = free_slots(calendar, MONDAY, Need(minutes(60)), EARLY)
    assert starts(slots) == every(utc(2027, 1, 11, 17, 0), 5)  # 09:00 .. 11:00; 11:30 too late
    assert slots[-1].end == utc(2027, 1, 11, 20, 0)


def test_split_hours_never_offer_a_slot_across_the_lunch_break() -> None:
    calendar = monday_calendar([(9 * 60, 12 * 60), (13 * 60, 14 * 60)])
    got = starts(free_slots(calendar, MONDAY, Need(minutes(60)), EARLY))
    assert utc(2027, 1, 11, 19, 30) not in got  # 11:30-12:30
    assert got[-1] == utc(2027, 1, 11, 21, 0)  # 13:00


def test_buffers_of_booked_and_requested_appointments() -> None:
    # Booked 10:00-10:30 PST with 15 minutes before and after: blocks 09:45-10:45.
    booked = Need(minutes(30), minutes(15), minutes(15)).blocking(utc(2027, 1, 11, 18, 0))
    calendar = monday_calendar([(9 * 60, 12 * 60)], blocked=[booked])
    plain = starts(free_slots(calendar, MONDAY, Need(minutes(30)), EARLY))
    # 09:30-10:00 touches the 09:45 buffer; 10:30 is inside it; 11:00 is free.
    assert plain == [utc(2027, 1, 11, 17, 0), utc(2027, 1, 11, 19, 0), utc(2027, 1, 11, 19, 30)]
    padded = starts(free_slots(calendar, MONDAY, Need(minutes(30), minutes(0), minutes(30)),
                               EARLY))
    assert utc(2027, 1, 11, 17, 0) not in padded  # 09:00-09:30 + 30 after reaches 10:00
    assert padded == [utc(2027, 1, 11, 19, 0), utc(2027, 1, 11, 19, 30)]


def test_closures_remove_open_time() -> None:
    closure = Span(utc(2027, 1, 11, 18, 0), utc(2027, 1, 11, 19, 0))  # 10:00-11:00 PST
    calendar = monday_calendar([(9 * 60, 12 * 60)], closures=[closure])
    assert starts(free_slots(calendar, MONDAY, Need(minutes(60)), EARLY)) == \
        [utc(2027, 1, 11, 17, 0), utc(2027, 1, 11, 19, 0)]
    whole_day = Span(utc(2027, 1, 11, 8, 0), utc(2027, 1, 12, 8, 0))
    closed = monday_calendar([(9 * 60, 12 * 60)], closures=[whole_day])
    assert free_slots(closed, MONDAY, Need(minutes(30)), EARLY) == []


def test_refusals_name_the_reason() -> None:
    booked = Need(minutes(30)).at(utc(2027, 1, 11, 18, 0))
    calendar = monday_calendar([(9 * 60, 12 * 60)], blocked=[booked])
    need = Need(minutes(30))
    assert refusal(calendar, utc(2027, 1, 11, 17, 10), need, EARLY) is Refusal.OFF_GRID
    assert refusal(calendar, utc(2027, 1, 11, 16, 0), need, EARLY) is Refusal.CLOSED
    assert refusal(calendar, utc(2027, 1, 11, 18, 0), need, EARLY) is Refusal.TAKEN
    assert refusal(calendar, utc(2027, 1, 11, 17, 0), need, utc(2027, 1, 11, 17, 1)) \
        is Refusal.PAST
    assert refusal(calendar, utc(2027, 1, 11, 17, 0), need, EARLY) is None


def test_a_past_start_is_not_offered() -> None:
    calendar = monday_calendar([(9 * 60, 12 * 60)])
    now = utc(2027, 1, 11, 18, 5)  # 10:05 PST
    assert starts(free_slots(calendar, MONDAY, Need(minutes(30)), now))[0] == \
        utc(2027, 1, 11, 18, 30)


def sunday_calendar(day: date, tz: ZoneInfo, first: int, last: int):  # type: ignore[no-untyped-def]
    hours = {6: [(first, last)]}
    return calendar_for(day, tz, interval_minutes=30, provider=hours, business=hours,
                        closures=[], blocked=[])


@pytest.mark.parametrize(("tz", "day", "first_utc", "local_labels"), [
    # Los Angeles springs forward 2027-03-14 at 02:00 PST (10:00Z) to 03:00 PDT.
    (LA, date(2027, 3, 14), utc(2027, 3, 14, 8, 0),
     ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30"]),
    # Berlin springs forward 2027-03-28 at 02:00 CET (01:00Z) to 03:00 CEST.
    (BERLIN, date(2027, 3, 28), utc(2027, 3, 27, 23, 0),
     ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30"]),
])
def test_spring_forward_has_no_missing_hour(tz: ZoneInfo, day: date, first_utc: datetime,
                                           local_labels: list[str]) -> None:
    calendar = sunday_calendar(day, tz, 0, 6 * 60)
    slots = free_slots(calendar, day, Need(minutes(30)), EARLY)
    # 00:00-06:00 wall time is only five real hours: ten contiguous half hours.
    assert starts(slots) == every(first_utc, 10)
    assert [hhmm(s.start, tz) for s in slots] == local_labels


@pytest.mark.parametrize(("tz", "day", "first_utc", "local_labels"), [
    # Los Angeles falls back 2027-11-07 at 02:00 PDT (09:00Z) to 01:00 PST: 01:xx twice.
    (LA, date(2027, 11, 7), utc(2027, 11, 7, 7, 0),
     ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30",
      "03:00", "03:30"]),
    # Berlin falls back 2027-10-31 at 03:00 CEST (01:00Z) to 02:00 CET: 02:xx twice.
    (BERLIN, date(2027, 10, 31), utc(2027, 10, 30, 22, 0),
     ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "02:00", "02:30",
      "03:00", "03:30"]),
])
def test_fall_back_offers_the_repeated_hour_once_per_instant(
        tz: ZoneInfo, day: date, first_utc: datetime, local_labels: list[str]) -> None:
    calendar = sunday_calendar(day, tz, 0, 4 * 60)
    slots = free_slots(calendar, day, Need(minutes(30)), EARLY)
    # 00:00-04:00 wall time is five real hours: ten contiguous half hours, none twice.
    assert starts(slots) == every(first_utc, 10)
    assert len(set(starts(slots))) == 10
    assert [hhmm(s.start, tz) for s in slots] == local_labels


def test_a_booking_in_the_repeated_hour_blocks_only_its_own_instant() -> None:
    day = date(2027, 11, 7)
    first_0130 = utc(2027, 11, 7, 8, 30)  # 01:30 PDT
    booked = Need(minutes(30)).at(first_0130)
    hours = {6: [(0, 4 * 60)]}
    calendar = calendar_for(day, LA, interval_minutes=30, provider=hours, business=hours,
                            closures=[], blocked=[booked])
    got = starts(free_slots(calendar, day, Need(minutes(30)), EARLY))
    assert first_0130 not in got
    assert utc(2027, 11, 7, 9, 30) in got  # 01:30 PST, the second one


def test_wall_hours_on_dst_days_are_real_hours() -> None:
    # 01:00-04:00 on the spring-forward day is two real hours, on fall-back four.
    spring = wall_spans(date(2027, 3, 14), LA, [(60, 240)])
    assert spring == [Span(utc(2027, 3, 14, 9, 0), utc(2027, 3, 14, 11, 0))]
    fall = wall_spans(date(2027, 11, 7), LA, [(60, 240)])
    assert fall == [Span(utc(2027, 11, 7, 8, 0), utc(2027, 11, 7, 12, 0))]
    # A wall interval that ends inside the repeated hour covers both of its passes' parts.
    split = wall_spans(date(2027, 11, 7), LA, [(30, 90)])
    assert split == [Span(utc(2027, 11, 7, 7, 30), utc(2027, 11, 7, 8, 30)),
                     Span(utc(2027, 11, 7, 9, 0), utc(2027, 11, 7, 9, 30))]
