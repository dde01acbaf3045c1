"""Scheduling on a real loopback server: grids, buffers, holds, closures, reschedule and
cancel, every status transition, patient overlap, DST, and one slot raced by twenty.

Expected instants are written out from the zone's offset (PST = UTC-8 in January).
Every test ends with an overlap check over the whole appointments table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.services.clinic.scheduling.clock import SystemClock
from tests.api.clinic import first_login, provider_body
from tests.api.conftest import Api
from tests.api.scheduling import ALL_WEEK, MONDAY, ManualClock, make_clinic, overlaps, zulu

NINE = zulu(2027, 1, 11, 17, 0)  # 09:00 PST
NINE_30 = zulu(2027, 1, 11, 17, 30)
TEN = zulu(2027, 1, 11, 18, 0)
TEN_30 = zulu(2027, 1, 11, 18, 30)
ELEVEN = zulu(2027, 1, 11, 19, 0)
ELEVEN_30 = zulu(2027, 1, 11, 19, 30)
MORNING = [NINE, NINE_30, TEN, TEN_30, ELEVEN, ELEVEN_30]
TUESDAY = "2027-01-12"


@pytest.fixture(scope="module")
def api(start_api: Callable[..., Api]) -> Iterator[Api]:
    """A server of this module's own: its clinic patients are persons of the vault, and
    the session server's insight tests expect the owner's records alone there."""
    server = start_api()
    yield server
    server.close()


@pytest.fixture
def clock(api: Api) -> Iterator[ManualClock]:
    """The scheduler's clock, a week before the Monday the tests book."""
    manual = ManualClock(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    api.ctx.clinic.scheduling.clock = manual
    yield manual
    api.ctx.clinic.scheduling.clock = SystemClock()
    assert overlaps(api) == 0


def test_an_empty_day_and_60_minute_slots_on_a_30_minute_grid(api: Api,
                                                               clock: ManualClock) -> None:
    clinic = make_clinic(api)
    day = clinic.slots(0)
    assert [s["startTime"] for s in day["availableSlots"]] == \
        ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert [s["startsAt"] for s in day["availableSlots"]] == MORNING
    assert day["availableSlots"][0] | {"startsAt": None, "endsAt": None} == {
        "startTime": "09:00", "endTime": "09:30", "duration": 30, "type": "consultation",
        "startsAt": None, "endsAt": None}
    assert day["bookedSlots"] == []
    assert clinic.starts(0, duration=60) == MORNING[:5]  # 11:30 + 60 ends after 12:00
    assert clinic.starts(0, "2027-01-12") == []  # no hours on Tuesday
    unknown = clinic.org.admin.get(clinic.url("/providers/prv_missing/availability"),
                                   params={"date": MONDAY})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "USER_NOT_FOUND")


def test_booking_inside_availability_only_and_never_twice(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, providers=2, patients=3)
    first = clinic.book(0, 0, NINE, reason="Annual physical exam",
                        reminders={"email": True, "sms": False, "timeBefore": 1440})
    assert first.status_code == 201, first.text
    booked = first.json()["data"]["appointment"]
    assert (booked["scheduledAt"], booked["status"], booked["duration"]) == \
        (NINE, "scheduled", 30)
    assert booked["confirmationNumber"] == "CONF-2027-001"
    taken = clinic.book(0, 1, NINE)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "DUPLICATE_ENTRY"
    # the same patient with another provider at an overlapping time
    elsewhere = clinic.book(1, 0, NINE, duration=30)
    assert elsewhere.status_code == 409, elsewhere.text
    for bad in (zulu(2027, 1, 11, 17, 10), zulu(2027, 1, 11, 21, 0), "2027-01-11T09:00:00"):
        refused = clinic.book(0, 1, bad)
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.json()["error"]["code"] == "VALIDATION_ERROR"
        assert "scheduledAt" in [d["field"] for d in refused.json()["error"]["details"]]
    second = clinic.book(0, 1, TEN)
    assert second.json()["data"]["appointment"]["confirmationNumber"] == "CONF-2027-002"
    day = clinic.slots(0)
    assert NINE not in [s["startsAt"] for s in day["availableSlots"]]
    assert [(b["startTime"], b["appointmentId"]) for b in day["bookedSlots"]] == [
        ("09:00", booked["id"]), ("10:00", second.json()["data"]["appointment"]["id"])]
    assert clinic.starts(1) == MORNING  # the other provider is untouched


def test_buffers_keep_appointments_apart(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api)
    reply = clinic.org.admin.put(clinic.url("/settings"), json={"scheduling": {
        "bufferAfterMinutes": 30, "appointmentTypes": [
            {"name": "consultation", "durationMinutes": 30},
            {"name": "procedure", "durationMinutes": 60, "bufferBeforeMinutes": 30}]}})
    assert reply.status_code == 200, reply.text
    assert clinic.book(0, 0, TEN).status_code == 201  # blocks 10:00-11:00 with its buffer
    assert clinic.starts(0) == [NINE, ELEVEN, ELEVEN_30]  # 09:30 + 30 after reaches 10:00
    # a procedure needs 30 minutes before it and 60 of its own: 11:00 is too close
    assert clinic.starts(0, appointmentType="procedure") == []
    assert clinic.book(0, 1, NINE_30).status_code == 409


def test_holds_take_the_slot_until_they_expire(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=3)
    admin = clinic.org.admin
    body = {"patientId": clinic.patients[0], "providerId": clinic.providers[0],
            "scheduledAt": TEN, "duration": 30}
    held = admin.post(clinic.url("/appointments/holds"), json=body)
    assert held.status_code == 201, held.text
    hold = held.json()["data"]["hold"]
    assert hold["expiresAt"] == zulu(2027, 1, 4, 12, 5)  # holdMinutes defaults to 5
    assert TEN not in clinic.starts(0)
    assert clinic.book(0, 1, TEN).status_code == 409
    confirmed = admin.post(clinic.url("/appointments"), json={"holdId": hold["id"]})
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["data"]["appointment"]["scheduledAt"] == TEN
    again = admin.post(clinic.url("/appointments"), json={"holdId": hold["id"]})
    assert again.status_code == 409  # a hold confirms once
    late = admin.post(clinic.url("/appointments/holds"), json={**body, "scheduledAt": ELEVEN,
                                                               "patientId": clinic.patients[1]})
    assert late.status_code == 201
    clock.advance(minutes=5, seconds=1)
    assert ELEVEN in clinic.starts(0)  # expired: offered again
    expired = admin.post(clinic.url("/appointments"), json={"holdId":
                                                            late.json()["data"]["hold"]["id"]})
    assert expired.status_code == 409
    assert clinic.book(0, 2, ELEVEN).status_code == 201


def test_closures_for_the_clinic_and_for_one_provider(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, providers=2)
    admin = clinic.org.admin
    holiday = admin.post(clinic.url("/closures"), json={"date": MONDAY, "reason": "Holiday"})
    assert holiday.status_code == 201, holiday.text
    assert holiday.json()["data"]["closure"]["start"] == zulu(2027, 1, 11, 8, 0)
    assert clinic.starts(0) == [] and clinic.starts(1) == []
    assert clinic.book(1, 0, NINE).status_code == 400
    assert admin.delete(clinic.url(f"/closures/{holiday.json()['data']['closure']['id']}")
                        ).status_code == 204
    off = admin.post(clinic.url("/closures"), json={
        "providerId": clinic.providers[0], "start": "2027-01-11T10:00:00-08:00",
        "end": "2027-01-11T11:00:00-08:00", "reason": "Time off"})
    assert off.status_code == 201, off.text
    assert clinic.starts(0) == [NINE, NINE_30, ELEVEN, ELEVEN_30]
    assert clinic.starts(1) == MORNING
    listed = admin.get(clinic.url("/closures"), params={"startDate": MONDAY}).json()["data"]
    assert [c["providerId"] for c in listed["closures"]] == [clinic.providers[0]]


def test_reschedule_and_cancel_free_their_slots(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api)
    admin = clinic.org.admin
    apt = clinic.book(0, 0, NINE).json()["data"]["appointment"]
    moved = admin.put(clinic.url(f"/appointments/{apt['id']}"), json={"scheduledAt": TEN})
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["appointment"]["scheduledAt"] == TEN
    assert clinic.starts(0) == [NINE, NINE_30, TEN_30, ELEVEN, ELEVEN_30]
    assert admin.put(clinic.url(f"/appointments/{apt['id']}"),
                     json={"scheduledAt": zulu(2027, 1, 11, 23, 0)}).status_code == 400
    cancelled = admin.delete(clinic.url(f"/appointments/{apt['id']}"),
                             params={"reason": "Feeling better", "cancelledBy": "patient"})
    assert cancelled.status_code == 200, cancelled.text
    record = admin.get(clinic.url(f"/appointments/{apt['id']}")).json()["data"]["appointment"]
    assert (record["status"], record["cancelledBy"], record["cancelReason"], record["late"]) \
        == ("cancelled", "patient", "Feeling better", False)
    assert clinic.starts(0) == MORNING
    clock.current = datetime(2027, 1, 11, 16, 0, tzinfo=UTC)  # 08:00 PST, two hours before
    soon = clinic.book(0, 1, TEN).json()["data"]["appointment"]
    late = admin.delete(clinic.url(f"/appointments/{soon['id']}")).json()["data"]["appointment"]
    assert (late["late"], late["cancelledBy"]) == (True, "clinic")


def test_a_no_show_gives_the_time_back_and_tells_the_waitlist(api: Api,
                                                              clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=2)
    admin = clinic.org.admin
    waiting = admin.post(clinic.url("/waitlist"), json={
        "patientId": clinic.patients[1], "windowStart": NINE, "windowEnd": ELEVEN})
    assert waiting.status_code == 201, waiting.text
    apt = clinic.book(0, 0, TEN).json()["data"]["appointment"]
    events: list[dict[str, object]] = []
    unsubscribe = api.ctx.bus.subscribe(events.append)
    try:
        missed = admin.put(clinic.url(f"/appointments/{apt['id']}"), json={"status": "no_show"})
    finally:
        unsubscribe()
    assert missed.status_code == 200, missed.text
    assert missed.json()["data"]["appointment"]["status"] == "no_show"
    assert clinic.starts(0) == MORNING  # offered again
    freed = [e["data"] for e in events if e["type"] == "slot_freed"]
    assert freed == [{"providerId": clinic.providers[0], "scheduledAt": TEN, "duration": 30,
                      "appointmentType": "consultation",
                      "waitlistEntryIds": [waiting.json()["data"]["entry"]["id"]]}]
    matched = admin.get(clinic.url("/waitlist"), params={"matches": 1}).json()["data"]
    assert matched["entries"][0]["matchedSlot"]["scheduledAt"] == TEN
    assert clinic.book(0, 1, TEN).status_code == 201


def test_changed_hours_rules_and_closures_apply_at_once(api: Api, clock: ManualClock) -> None:
    """Scheduling keeps the calendar's makings in memory: every change must show in the
    very next answer."""
    clinic = make_clinic(api)
    admin = clinic.org.admin
    assert clinic.starts(0) == MORNING
    reply = admin.put(clinic.url(f"/providers/{clinic.providers[0]}"), json={
        "availability": {"monday": [{"start": "10:00", "end": "11:00"}]}})
    assert reply.status_code == 200, reply.text
    assert clinic.starts(0) == [TEN, TEN_30]
    assert clinic.book(0, 0, NINE).status_code == 400
    reply = admin.put(clinic.url("/settings"), json={"scheduling": {"slotIntervalMinutes": 60}})
    assert reply.status_code == 200, reply.text
    assert clinic.starts(0) == [TEN]
    closed = admin.post(clinic.url("/closures"), json={"date": MONDAY})
    assert clinic.starts(0) == []
    assert clinic.book(0, 0, TEN).status_code == 400
    assert admin.delete(clinic.url(f"/closures/{closed.json()['data']['closure']['id']}")
                        ).status_code == 204
    assert clinic.book(0, 0, TEN).status_code == 201


def test_caregivers_book_only_inside_an_authorization_in_force(api: Api,
                                                               clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=2)
    admin = clinic.org.admin
    # Authorizations are dated by the real calendar in the clinic's time zone, which is
    # not the machine's: between 00:00 and 08:00 UTC Los Angeles is still on yesterday.
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()  # make_clinic's
    grant = {"caregiverName": "Care Giver", "relationshipType": "spouse",
             "authorizationLevel": "full", "canReceiveMedicalInfo": True,
             "canScheduleAppointments": True, "canAccessPortal": True}
    made = {}
    for who, start, end in (("live", -30, 30), ("expired", -400, -1)):
        reply = admin.post(clinic.url(f"/patients/{clinic.patients[0]}/caregivers"), json={
            **grant, "caregiverEmail": f"{who}.{clinic.org.slug}@care.example",
            "effectiveDate": str(today + timedelta(days=start)),
            "expirationDate": str(today + timedelta(days=end))})
        assert reply.status_code == 201, reply.text
        made[who] = first_login(api, f"{who}.{clinic.org.slug}@care.example",
                                reply.json()["data"]["credentials"]["temporaryPassword"],
                                clinic.org.slug)

    def book(who: str, patient: int, at: str) -> httpx.Response:
        return made[who].post(clinic.url("/appointments"), json={
            "patientId": clinic.patients[patient], "providerId": clinic.providers[0],
            "scheduledAt": at})

    try:
        mine = book("live", 0, NINE)
        assert mine.status_code == 201, mine.text
        assert mine.json()["data"]["appointment"]["patientId"] == clinic.patients[0]
        for who, patient in (("live", 1), ("expired", 0)):
            refused = book(who, patient, TEN)
            assert refused.status_code == 403, (who, refused.text)
            assert refused.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
    finally:
        for client in made.values():
            client.close()
    listed = admin.get(clinic.url("/appointments")).json()["data"]["appointments"]
    assert [(a["patientId"], a["scheduledAt"]) for a in listed] == [(clinic.patients[0], NINE)]


ALLOWED = {("scheduled", "confirmed"), ("confirmed", "checked_in"),
           ("checked_in", "completed"), ("scheduled", "cancelled"), ("confirmed", "cancelled"),
           ("scheduled", "no_show"), ("confirmed", "no_show")}
PATH = {"scheduled": [], "confirmed": ["confirmed"], "checked_in": ["confirmed", "checked_in"],
        "completed": ["confirmed", "checked_in", "completed"], "cancelled": ["cancelled"],
        "no_show": ["no_show"]}


def test_every_allowed_and_forbidden_status_transition(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, hours={"monday": [{"start": "00:00", "end": "23:30"}]},
                         businessHours=ALL_WEEK)
    admin = clinic.org.admin
    minute = iter(range(0, 23 * 60, 30))

    def appointment_in(state: str) -> str:
        at = datetime(2027, 1, 11, 8, 0, tzinfo=UTC).timestamp() + next(minute) * 60
        start = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
        reply = clinic.book(0, 0, start)
        assert reply.status_code == 201, reply.text
        apt_id = str(reply.json()["data"]["appointment"]["id"])
        for step in PATH[state]:
            assert put(apt_id, step).status_code == 200
        return apt_id

    def put(apt_id: str, status: str) -> httpx.Response:
        return admin.put(clinic.url(f"/appointments/{apt_id}"), json={"status": status})

    for old in PATH:
        stuck = appointment_in(old)
        for new in PATH:
            if new == old:
                continue
            if (old, new) in ALLOWED:
                reply = put(appointment_in(old), new)
                assert reply.status_code == 200, (old, new, reply.text)
                assert reply.json()["data"]["appointment"]["status"] == new
            else:
                reply = put(stuck, new)
                assert reply.status_code == 409, (old, new, reply.text)
                message = reply.json()["error"]["message"]
                assert old in message and new in message
        got = admin.get(clinic.url(f"/appointments/{stuck}")).json()["data"]["appointment"]
        assert got["status"] == old


def test_listing_filters_and_pages(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, providers=2)
    for provider, patient, at in ((0, 0, NINE), (0, 1, TEN), (1, 1, ELEVEN)):
        assert clinic.book(provider, patient, at).status_code == 201
    admin = clinic.org.admin
    page = admin.get(clinic.url("/appointments"), params={"limit": 2}).json()["data"]
    assert [a["scheduledAt"] for a in page["appointments"]] == [NINE, TEN]
    assert page["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    mine = admin.get(clinic.url("/appointments"), params={
        "patientId": clinic.patients[1], "providerId": clinic.providers[1], "date": MONDAY,
        "status": "scheduled"}).json()["data"]
    assert [a["scheduledAt"] for a in mine["appointments"]] == [ELEVEN]


def test_fall_back_day_books_the_second_one_thirty(api: Api, clock: ManualClock) -> None:
    # America/Los_Angeles 2027-11-07: 01:00-02:00 happens twice (PDT, then PST).
    clinic = make_clinic(api, hours={"sunday": [{"start": "00:00", "end": "03:00"}]},
                         businessHours=ALL_WEEK)
    day = clinic.slots(0, "2027-11-07")["availableSlots"]
    assert [s["startTime"] for s in day] == ["00:00", "00:30", "01:00", "01:30", "01:00",
                                             "01:30", "02:00", "02:30"]
    second = zulu(2027, 11, 7, 9, 30)  # 01:30 PST
    reply = clinic.book(0, 0, "2027-11-07T01:30:00-08:00")
    assert reply.json()["data"]["appointment"]["scheduledAt"] == second
    left = clinic.starts(0, "2027-11-07")
    assert second not in left and zulu(2027, 11, 7, 8, 30) in left  # 01:30 PDT stays free


def test_twenty_concurrent_bookings_of_one_slot(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=20)

    def attempt(patient: int) -> int:
        with httpx.Client(base_url=api.base, timeout=60,
                          headers=dict(clinic.org.admin.headers)) as client:
            return client.post(clinic.url("/appointments"), json={
                "patientId": clinic.patients[patient], "providerId": clinic.providers[0],
                "scheduledAt": TEN}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = sorted(pool.map(attempt, range(20)))
    assert codes == [201] + [409] * 19


def test_concurrent_bookings_of_free_slots_all_succeed_with_their_own_numbers(
        api: Api, clock: ManualClock) -> None:
    """Twelve at once (two providers' six morning slots, twelve patients): requests
    sharing a group commit are checked together and numbered in memory; each gets its
    slot and one of the numbers 1 to 12, and the next booking gets 13."""
    clinic = make_clinic(api, providers=2, patients=13)
    wanted = [(clinic.providers[n % 2], MORNING[n // 2]) for n in range(12)]

    def attempt(patient: int) -> tuple[int, str]:
        provider, start = wanted[patient]
        with httpx.Client(base_url=api.base, timeout=60,
                          headers=dict(clinic.org.admin.headers)) as client:
            reply = client.post(clinic.url("/appointments"), json={
                "patientId": clinic.patients[patient], "providerId": provider,
                "scheduledAt": start})
            return reply.status_code, reply.json()["data"]["appointment"]["confirmationNumber"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(attempt, range(12)))
    assert [code for code, _ in answers] == [201] * 12
    assert sorted(number for _, number in answers) == [f"CONF-2027-{n:03d}"
                                                       for n in range(1, 13)]
    later = clinic.org.admin.post(clinic.url("/appointments"), json={
        "patientId": clinic.patients[12], "providerId": clinic.providers[0],
        "scheduledAt": MORNING[0]})
    assert later.status_code == 409  # the slot was taken in the concurrent group
    again = clinic.org.admin.post(clinic.url("/appointments"), json={
        "patientId": clinic.patients[12], "providerId": clinic.providers[0],
        "scheduledAt": zulu(2027, 1, 18, 17, 0)})
    assert again.json()["data"]["appointment"]["confirmationNumber"] == "CONF-2027-013"


def test_concurrent_moves_and_a_booking_into_one_slot(api: Api, clock: ManualClock) -> None:
    """Five appointments moved at once into the one free morning slot while a sixth
    patient books it: exactly one of the six gets it, the others 409, and the winner's
    old slot is free again."""
    clinic = make_clinic(api, patients=6)
    ids = [clinic.book(0, n, MORNING[n]).json()["data"]["appointment"]["id"]
           for n in range(5)]

    def attempt(n: int) -> int:
        with httpx.Client(base_url=api.base, timeout=60,
                          headers=dict(clinic.org.admin.headers)) as client:
            if n < 5:
                return client.put(clinic.url(f"/appointments/{ids[n]}"),
                                  json={"scheduledAt": MORNING[5]}).status_code
            return client.post(clinic.url("/appointments"), json={
                "patientId": clinic.patients[5], "providerId": clinic.providers[0],
                "scheduledAt": MORNING[5]}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(attempt, range(6)))
    assert sorted(codes) in ([200] + [409] * 5, [201] + [409] * 5), codes
    day = clinic.org.admin.get(clinic.url(f"/providers/{clinic.providers[0]}/availability"),
                               params={"date": "2027-01-11"}).json()["data"]
    free = [s["startsAt"] for s in day["availableSlots"]]
    assert free == ([] if codes[5] == 201 else [MORNING[codes.index(200)]])


def test_concurrent_changes_of_one_appointment_see_each_other(api: Api,
                                                              clock: ManualClock) -> None:
    """Six cancellations of one appointment at once, beside moves of others: requests
    sharing a group commit read their appointments together, and a row one of them
    changed is read again by the next; exactly one cancellation succeeds."""
    clinic = make_clinic(api, patients=3)
    target, *others = [clinic.book(0, n, MORNING[n]).json()["data"]["appointment"]["id"]
                       for n in range(3)]

    def attempt(n: int) -> int:
        with httpx.Client(base_url=api.base, timeout=60,
                          headers=dict(clinic.org.admin.headers)) as client:
            if n < 6:
                return client.delete(clinic.url(f"/appointments/{target}")).status_code
            return client.put(clinic.url(f"/appointments/{others[n - 6]}"),
                              json={"scheduledAt": MORNING[n - 2]}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(attempt, range(8)))
    assert sorted(codes[:6]) == [200] + [409] * 5
    assert codes[6:] == [200, 200]  # to 11:00 and 11:30, both free
    got = clinic.org.admin.get(clinic.url(f"/appointments/{target}")).json()["data"]
    assert got["appointment"]["status"] == "cancelled"


def test_a_freed_slot_matches_the_waitlist_and_tells_the_desk(api: Api,
                                                              clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=3)
    admin = clinic.org.admin
    # freed while nobody waits (remembered as such until the waitlist is written)
    early = clinic.book(0, 0, NINE).json()["data"]["appointment"]
    assert admin.delete(clinic.url(f"/appointments/{early['id']}")).status_code == 200
    other_day = admin.post(clinic.url("/waitlist"), json={
        "patientId": clinic.patients[2], "windowStart": "2027-01-18T00:00:00Z",
        "windowEnd": "2027-01-19T00:00:00Z"})
    wants_monday = admin.post(clinic.url("/waitlist"), json={
        "patientId": clinic.patients[1], "providerId": clinic.providers[0],
        "windowStart": zulu(2027, 1, 11, 16, 0), "windowEnd": zulu(2027, 1, 11, 20, 0)})
    assert other_day.status_code == wants_monday.status_code == 201, wants_monday.text
    events: list[dict[str, object]] = []
    unsubscribe = api.ctx.bus.subscribe(events.append)
    try:
        apt = clinic.book(0, 0, TEN).json()["data"]["appointment"]
        assert admin.delete(clinic.url(f"/appointments/{apt['id']}")).status_code == 200
    finally:
        unsubscribe()
    listed = admin.get(clinic.url("/waitlist"), params={"matches": 1}).json()["data"]
    entries = listed["entries"]
    wanted = wants_monday.json()["data"]["entry"]["id"]
    assert [e["id"] for e in entries] == [wanted, other_day.json()["data"]["entry"]["id"]]
    assert entries[0]["matchedSlot"]["scheduledAt"] == TEN
    assert entries[1]["matchedAt"] is None
    freed = [e for e in events if e["type"] == "slot_freed"]
    assert len(freed) == 1 and freed[0]["data"]["waitlistEntryIds"] == [wanted]  # type: ignore[index]
    assert admin.delete(clinic.url(f"/waitlist/{wanted}")).status_code == 204
    left = admin.get(clinic.url("/waitlist")).json()["data"]["entries"]
    assert [e["id"] for e in left] == [other_day.json()["data"]["entry"]["id"]]


def test_reminders_fall_due_and_go_to_the_outbox(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api)
    admin = clinic.org.admin
    apt = clinic.book(0, 0, TEN, reminders={"email": True, "sms": True, "timeBefore": 60}
                      ).json()["data"]["appointment"]
    assert admin.get(clinic.url("/reminders"), params={"due": 1}).json()["data"][
        "reminders"] == []
    clock.current = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)  # 09:00 PST, an hour before
    due = admin.get(clinic.url("/reminders"), params={"due": 1}).json()["data"]["reminders"]
    assert sorted(r["channel"] for r in due) == ["email", "sms"]
    assert {r["dueAt"] for r in due} == {NINE}
    sent = admin.post(clinic.url("/reminders/send")).json()["data"]["reminders"]
    assert {(r["status"], r["delivery"]) for r in sent} == {("sent", "outbox")}
    outbox = api.ctx.vault.home / "outbox" / clinic.org.id
    files = sorted(p.name for p in outbox.iterdir())
    assert files == sorted(f"{r['id']}.json" for r in sent)
    assert all(apt["id"] in (outbox / name).read_text() for name in files)
    assert admin.get(clinic.url("/reminders"), params={"due": 1}).json()["data"][
        "reminders"] == []


def test_a_cancelled_appointments_reminders_never_fall_due(api: Api, clock: ManualClock) -> None:
    clinic = make_clinic(api, patients=3)
    admin = clinic.org.admin
    asked = {"email": True, "sms": False, "timeBefore": 60}
    kept = clinic.book(0, 0, TEN, reminders=asked).json()["data"]["appointment"]
    by_put = clinic.book(0, 1, ELEVEN, reminders=asked).json()["data"]["appointment"]
    by_delete = clinic.book(0, 2, NINE, reminders=asked).json()["data"]["appointment"]
    assert admin.put(clinic.url(f"/appointments/{by_put['id']}"),
                     json={"status": "cancelled"}).status_code == 200
    assert admin.delete(clinic.url(f"/appointments/{by_delete['id']}")).status_code == 200
    clock.current = datetime(2027, 1, 11, 18, 30, tzinfo=UTC)  # 10:30 PST: all three due
    due = admin.get(clinic.url("/reminders"), params={"due": 1}).json()["data"]["reminders"]
    assert [r["appointmentId"] for r in due] == [kept["id"]]


@pytest.mark.parametrize(("timezone", "day", "weekday", "first_utc", "labels"), [
    # spring forward: 02:00-03:00 does not exist (LA 2027-03-14, Berlin 2027-03-28)
    ("America/Los_Angeles", "2027-03-14", "sunday", zulu(2027, 3, 14, 8, 0),
     ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]),
    ("Europe/Berlin", "2027-03-28", "sunday", zulu(2027, 3, 27, 23, 0),
     ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]),
    # fall back: Berlin's 02:00-03:00 happens twice (2027-10-31)
    ("Europe/Berlin", "2027-10-31", "sunday", zulu(2027, 10, 30, 22, 0),
     ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00",
      "03:30"]),
])
def test_clock_change_days_on_the_server(api: Api, clock: ManualClock, timezone: str,
                                         day: str, weekday: str, first_utc: str,
                                         labels: list[str]) -> None:
    clinic = make_clinic(api, timezone=timezone, businessHours=ALL_WEEK,
                         hours={weekday: [{"start": "00:00", "end": "04:00"}]})
    slots = clinic.slots(0, day)["availableSlots"]
    assert [s["startTime"] for s in slots] == labels
    first = datetime.fromisoformat(first_utc)
    expected = [(first + timedelta(minutes=30 * i)).isoformat().replace("+00:00", "Z")
                for i in range(len(labels))]
    assert [s["startsAt"] for s in slots] == expected  # contiguous real half hours
    last = clinic.book(0, 0, expected[-1])
    assert last.status_code == 201, last.text
    assert last.json()["data"]["appointment"]["scheduledAt"] == expected[-1]


def test_the_registration_answers_user_id_names_the_provider_everywhere(
        api: Api, clock: ManualClock) -> None:
    """The document's clients name a provider by the registration answer's `user.id` (its
    example answer gives that id as "provider-uuid" and the booking body sends the same
    string as providerId). Every scheduling route takes it as well as our provider id, and
    both mean one calendar: what one books, the other sees taken."""
    clinic = make_clinic(api, providers=0, patients=3)
    admin = clinic.org.admin
    weekly = {day: [{"start": "09:00", "end": "12:00"}] for day in ("monday", "tuesday")}
    made = admin.post(clinic.url("/providers"), json=provider_body(0, availability=weekly))
    assert made.status_code == 201, made.text
    user_id = made.json()["data"]["user"]["id"]
    provider_id = made.json()["data"]["provider"]["id"]
    assert user_id != provider_id  # otherwise this test proves nothing

    def starts(key: str, day: str = MONDAY) -> list[str]:
        reply = admin.get(clinic.url(f"/providers/{key}/availability"), params={"date": day})
        assert reply.status_code == 200, reply.text
        return [s["startsAt"] for s in reply.json()["data"]["availableSlots"]]

    assert starts(user_id) == starts(provider_id) and NINE in starts(user_id)

    booked = admin.post(clinic.url("/appointments"), json={
        "patientId": clinic.patients[0], "providerId": user_id, "scheduledAt": NINE})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()["data"]["appointment"]
    assert appointment["providerId"] == provider_id
    # One calendar: the time booked by the user id is taken for the provider id too.
    again = admin.post(clinic.url("/appointments"), json={
        "patientId": clinic.patients[1], "providerId": provider_id, "scheduledAt": NINE})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "DUPLICATE_ENTRY")
    assert NINE not in starts(provider_id) and NINE not in starts(user_id)

    held = admin.post(clinic.url("/appointments/holds"), json={
        "patientId": clinic.patients[1], "providerId": user_id, "scheduledAt": TEN,
        "duration": 30})
    assert held.status_code == 201, held.text
    assert TEN not in starts(provider_id)

    listed = admin.get(clinic.url("/appointments"), params={"providerId": user_id})
    assert [a["id"] for a in listed.json()["data"]["appointments"]] == [appointment["id"]]

    closed = admin.post(clinic.url("/closures"), json={"date": TUESDAY, "providerId": user_id,
                                                       "reason": "Time off"})
    assert closed.status_code == 201, closed.text
    assert starts(provider_id, TUESDAY) == []
    closures = admin.get(clinic.url("/closures"), params={"providerId": user_id})
    assert [c["id"] for c in closures.json()["data"]["closures"]] == \
        [closed.json()["data"]["closure"]["id"]]

    waiting = admin.post(clinic.url("/waitlist"), json={
        "patientId": clinic.patients[2], "providerId": user_id,
        "windowStart": zulu(2027, 1, 11, 16, 0), "windowEnd": zulu(2027, 1, 11, 20, 0)})
    assert waiting.status_code == 201, waiting.text
    entries = admin.get(clinic.url("/waitlist"), params={"providerId": user_id})
    assert [e["id"] for e in entries.json()["data"]["entries"]] == \
        [waiting.json()["data"]["entry"]["id"]]

    for unknown in ("usr_missing", "prv_missing"):
        reply = admin.post(clinic.url("/appointments"), json={
            "patientId": clinic.patients[2], "providerId": unknown, "scheduledAt": NINE})
        assert (reply.status_code, reply.json()["error"]["code"]) == (404, "USER_NOT_FOUND")
