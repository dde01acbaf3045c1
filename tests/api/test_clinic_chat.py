"""The scheduling assistant on a real server: the three-turn booking with real slots
from the scheduler (nothing booked before "yes"), then a reschedule and a cancel by
chat, each confirmed first; a caregiver books by chat only for a patient an
authorization in force lets them book for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.api.clinic import Org, first_login, make_org, patient_body, provider_body, say
from tests.api.conftest import Api

ZONE = ZoneInfo("America/Los_Angeles")
WEEK = {day: [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _appointments(org: Org, patient_id: str) -> list[dict[str, Any]]:
    reply = org.admin.get(org.url("/appointments"), params={"patientId": patient_id})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"]["appointments"])


def test_book_reschedule_and_cancel_by_chat(own_api: Callable[..., Api]) -> None:
    api = own_api()  # its patients would join the shared vault's people
    org = make_org(api, timezone="America/Los_Angeles")
    registered = org.admin.post(org.url("/providers"), json=provider_body(
        1, name="Dr. John Smith", availability=WEEK))
    assert registered.status_code == 201, registered.text
    providers = org.admin.get(org.url("/providers")).json()["data"]["providers"]
    provider_id = next(p["id"] for p in providers if p["name"] == "Dr. John Smith")
    patient = org.admin.post(org.url("/patients"), json=patient_body(1)).json()["data"]
    patient_id = patient["patient"]["id"]

    first = say(org, "I need an appointment with Dr. Smith next Tuesday afternoon",
                 patientId=patient_id)
    assert first["intent"] == "appointment_booking"
    action = first["availableActions"][0]
    assert action["type"] == "book_appointment" and action["providerId"] == provider_id
    day = date.fromisoformat(action["date"])
    today = datetime.now(ZONE).date()
    assert day.weekday() == 1 and today < day <= today + timedelta(days=7)
    real = org.admin.get(org.url(f"/providers/{provider_id}/availability"),
                         params={"date": day.isoformat()}).json()["data"]
    expected = [s["startTime"] for s in real["availableSlots"] if s["startTime"] >= "12:00"]
    assert action["availableSlots"] == expected and "14:30" in expected
    conversation = first["conversationId"]

    second = say(org, "the 2:30 one", conversation)
    hold = second["availableActions"][0]
    assert hold["type"] == "confirm_booking" and hold["holdId"]
    assert "14:30" in second["response"] and "yes" in second["response"].lower()
    assert _appointments(org, patient_id) == []  # nothing booked before the yes

    third = say(org, "yes", conversation)
    booked = third["availableActions"][0]
    assert booked["type"] == "appointment_booked"
    assert booked["confirmationNumber"] in third["response"]
    [appointment] = _appointments(org, patient_id)
    assert appointment["confirmationNumber"] == booked["confirmationNumber"]
    local = datetime.fromisoformat(appointment["scheduledAt"].replace("Z", "+00:00"))
    assert local.astimezone(ZONE).date() == day
    assert local.astimezone(ZONE).strftime("%H:%M") == "14:30"

    wednesday = day + timedelta(days=1)
    move = say(org, f"I need to reschedule to {wednesday:%B} {wednesday.day} at 10am",
                conversation)
    assert move["intent"] == "reschedule"
    assert move["availableActions"][0]["type"] == "confirm_reschedule"
    still = _appointments(org, patient_id)[0]["scheduledAt"]
    assert still == appointment["scheduledAt"]  # not moved before the yes
    moved = say(org, "yes", conversation)
    assert moved["availableActions"][0]["type"] == "appointment_rescheduled"
    [after] = _appointments(org, patient_id)
    at = datetime.fromisoformat(after["scheduledAt"].replace("Z", "+00:00")).astimezone(ZONE)
    assert (at.date(), at.strftime("%H:%M")) == (wednesday, "10:00")

    cancel = say(org, "Please cancel my appointment", conversation)
    assert cancel["intent"] == "cancel"
    assert cancel["availableActions"][0]["appointmentId"] == after["id"]
    assert _appointments(org, patient_id)[0]["status"] == "scheduled"
    done = say(org, "yes", conversation)
    assert done["availableActions"][0]["type"] == "appointment_cancelled"
    assert _appointments(org, patient_id)[0]["status"] == "cancelled"


def test_chat_answers_clinic_questions_and_needs_a_patient_to_book(api: Api) -> None:
    org = make_org(api, contactInfo={"phone": "+1-555-0199"})
    org.admin.put(org.url("/settings"), json={"faq": [
        {"question": "What are your visiting hours?", "answer": "10:00 to 20:00."}]})
    info = say(org, "What are your visiting hours?")
    assert info["intent"] == "clinic_information" and info["response"] == "10:00 to 20:00."
    ask = say(org, "I need an appointment tomorrow")
    assert ask["availableActions"] == [] and "patient" in ask["response"].lower()


def test_a_caregiver_books_by_chat_only_for_whom_they_may(own_api: Callable[..., Api]) -> None:
    api = own_api()
    org = make_org(api, timezone="America/Los_Angeles")
    assert org.admin.post(org.url("/providers"), json=provider_body(
        1, name="Dr. John Smith", availability=WEEK)).status_code == 201
    cared, sees_only, stranger, lapsed = (
        org.admin.post(org.url("/patients"), json=patient_body(n)).json()["data"]["patient"][
            "id"] for n in range(4))
    today = datetime.now(ZONE).date()
    grant = {"caregiverName": "Jane Doe", "relationshipType": "spouse",
             "authorizationLevel": "full", "canReceiveMedicalInfo": True,
             "canAccessPortal": True, "effectiveDate": str(today - timedelta(days=30))}

    def authorize(patient_id: str, email: str, **terms: Any) -> str | None:
        """The new caregiver account's temporary password (None: the account exists)."""
        made = org.admin.post(org.url(f"/patients/{patient_id}/caregivers"),
                              json={**grant, "caregiverEmail": email, **terms})
        assert made.status_code == 201, made.text
        return (made.json()["data"].get("credentials") or {}).get("temporaryPassword")

    def signed_in(email: str, temporary: str | None) -> Org:
        assert temporary is not None
        with first_login(api, email, temporary, org.slug) as client:
            token = client.headers["Authorization"].removeprefix("Bearer ")
        return Org(org.id, org.slug, org.base, token, email)

    jane = signed_in("jane@care.example", authorize(cared, "jane@care.example",
                                                    canScheduleAppointments=True))
    assert authorize(sees_only, "jane@care.example", canScheduleAppointments=False) is None
    june = signed_in("june@care.example", authorize(
        lapsed, "june@care.example", canScheduleAppointments=True,
        expirationDate=str(today - timedelta(days=1))))
    ask = "I need an appointment with Dr. Smith next Tuesday afternoon"

    first = say(jane, ask, patientId=cared)
    assert first["availableActions"][0]["type"] == "book_appointment"
    with jane.admin as client:  # the same conversation, switched to someone else
        switched = client.post(org.url("/chat"), json={
            "message": "the 2:30 one", "conversationId": first["conversationId"],
            "context": {"patientId": stranger}})
    assert switched.status_code == 403, switched.text
    held = say(jane, "the 2:30 one", first["conversationId"])
    assert held["availableActions"][0]["type"] == "confirm_booking"
    done = say(jane, "yes", first["conversationId"])
    assert done["availableActions"][0]["type"] == "appointment_booked"
    [booked] = _appointments(org, cared)
    assert booked["confirmationNumber"] == done["availableActions"][0]["confirmationNumber"]

    for who, patient_id in ((jane, sees_only), (jane, stranger), (june, lapsed)):
        with who.admin as client:
            refused = client.post(org.url("/chat"), json={"message": ask,
                                                          "context": {"patientId": patient_id}})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
        assert _appointments(org, patient_id) == []


def test_the_documented_request_and_what_the_booking_keeps(
        own_api: Callable[..., Api]) -> None:
    api = own_api()
    org = make_org(api, timezone="America/Los_Angeles")
    assert org.admin.post(org.url("/providers"), json=provider_body(
        1, name="Dr. John Smith", availability=WEEK)).status_code == 201
    provider_id = org.admin.get(org.url("/providers")).json()["data"]["providers"][0]["id"]
    patient_id = org.admin.post(org.url("/patients"), json=patient_body(1)).json()[
        "data"]["patient"]["id"]
    today = datetime.now(ZONE).date()
    preferred = today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # a Wednesday

    # the document's example, word for word
    first = say(org, "I need to schedule an appointment with Dr. Smith", patientId=patient_id,
                 preferredDate=preferred.isoformat(), urgency="routine")
    assert first["intent"] == "appointment_booking" and 0 < first["confidence"] <= 1
    [offer] = first["availableActions"]
    assert set(offer) == {"type", "providerId", "date", "availableSlots"}
    real = org.admin.get(org.url(f"/providers/{provider_id}/availability"),
                         params={"date": preferred.isoformat()}).json()["data"]
    assert offer == {"type": "book_appointment", "providerId": provider_id,
                     "date": preferred.isoformat(),
                     "availableSlots": [s["startTime"] for s in real["availableSlots"]]}

    # a type, a reason and urgency said in the chat end up on the appointment
    thursday = preferred + timedelta(days=1)
    typed = say(org, f"I'd like a follow-up for back pain with Dr. Smith on {thursday:%B} "
                 f"{thursday.day}", patientId=patient_id, urgency="urgent")
    assert typed["entities"]["appointmentType"] == "follow_up"
    short = org.admin.get(org.url(f"/providers/{provider_id}/availability"), params={
        "date": thursday.isoformat(), "appointmentType": "follow_up"}).json()["data"]
    assert typed["availableActions"][0]["availableSlots"] == [
        s["startTime"] for s in short["availableSlots"]]
    say(org, "the 9:00 one", typed["conversationId"])
    say(org, "yes", typed["conversationId"])
    [booked] = _appointments(org, patient_id)
    assert (booked["appointmentType"], booked["duration"], booked["reason"],
            booked["priority"]) == ("follow_up", 15, "back pain", "urgent")

    emergency = say(org, "I need an appointment with Dr. Smith", patientId=patient_id,
                     urgency="emergency")
    assert emergency["response"].startswith("If this is a medical emergency")
    soonest = next(day for day in (today + timedelta(days=n) for n in range(8))
                   if org.admin.get(org.url(f"/providers/{provider_id}/availability"), params={
                       "date": day.isoformat()}).json()["data"]["availableSlots"])
    offered = date.fromisoformat(emergency["availableActions"][0]["date"])  # no day asked
    assert today <= offered <= soonest  # open times only pass, so the chat saw no later day
