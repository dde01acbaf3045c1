"""The document's clients name a provider by the registration answer's `user.id` (its
example answer gives that id as "provider-uuid" and the booking body sends the same
string as providerId). Every scheduling route takes it as well as our provider id, and
both mean one calendar: what one books, the other sees taken.

Expected instants are written out from the zone's offset (PST = UTC-8 in January).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from app.services.clinic.scheduling.clock import SystemClock
from tests.api.clinic import provider_body
from tests.api.conftest import Api
from tests.api.scheduling import MONDAY, ManualClock, make_clinic, overlaps, zulu

NINE = zulu(2027, 1, 11, 17, 0)  # 09:00 PST on MONDAY
TEN = zulu(2027, 1, 11, 18, 0)
TUESDAY = "2027-01-12"


@pytest.fixture(scope="module")
def api(start_api: Callable[..., Api]) -> Iterator[Api]:
    server = start_api()
    yield server
    server.close()


@pytest.fixture
def clock(api: Api) -> Iterator[ManualClock]:
    manual = ManualClock(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
    api.ctx.clinic.scheduling.clock = manual
    yield manual
    api.ctx.clinic.scheduling.clock = SystemClock()
    assert overlaps(api) == 0


def test_the_registration_answers_user_id_names_the_provider_everywhere(
        api: Api, clock: ManualClock) -> None:
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
