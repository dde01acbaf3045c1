"""Patients: medical record numbers (also under 20 concurrent registrations), details,
updates, lists, caregivers whose authorization expires, a patient's own view."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.api.clinic import first_login, make_org, patient_body
from tests.api.conftest import Api


def test_register_read_update_list_patients(api: Api) -> None:
    org = make_org(api, slug="general-hospital-p")
    year = datetime.now(ZoneInfo("America/Los_Angeles")).year  # the clinic's year
    with org.admin as admin:
        body = patient_body(1, insuranceInfo={"provider": "Blue Cross", "policyNumber": "B-1"},
                            medicalHistory={"allergies": ["Penicillin"]})
        reply = admin.post(org.url("/patients"), json=body)
        assert reply.status_code == 201, reply.text
        patient = reply.json()["data"]["patient"]
        assert patient["medicalRecordNumber"] == f"GHP-{year}-000001"
        assert reply.json()["data"]["organizationUser"]["primaryRole"] == "patient"
        got = admin.get(org.url(f"/patients/{patient['id']}")).json()["data"]
        assert got["insuranceInfo"] == {"provider": "Blue Cross", "policyNumber": "B-1"}
        assert got["medicalHistory"]["allergies"] == ["Penicillin"]
        changed = admin.put(org.url(f"/patients/{patient['id']}"), json={"phone": "+1-555-1"})
        assert changed.json()["data"]["phone"] == "+1-555-1"
        assert changed.json()["data"]["insuranceInfo"]["provider"] == "Blue Cross"
        second = admin.post(org.url("/patients"), json=patient_body(2)).json()["data"]
        assert second["patient"]["medicalRecordNumber"] == f"GHP-{year}-000002"
        dup = admin.post(org.url("/patients"), json={**patient_body(3), "email": body["email"]})
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "DUPLICATE_ENTRY"
        bad = admin.post(org.url("/patients"), json={"name": "No Birthday"})
        assert bad.status_code == 400
        assert bad.json()["error"]["details"] == [{"field": "dateOfBirth",
                                                   "message": "Field required"}]
        listed = admin.get(org.url("/patients"), params={"search": "number 2"}).json()["data"]
        assert [p["name"] for p in listed["patients"]] == ["Pat Number 2"]
        # the organization is onboarded once hours, a provider and a patient exist
        assert admin.get(org.url()).json()["data"]["onboardingStatus"] == "pending"
        admin.post(org.url("/providers"), json={"email": "doc@p.example", "name": "Doc"})
        assert admin.get(org.url()).json()["data"]["onboardingStatus"] == "completed"
        stats = admin.get(org.url("/stats")).json()["data"]
        assert (stats["totalPatients"], stats["totalProviders"]) == (2, 1)
        assert stats["totalUsers"] == 3  # owner, admin, the provider (no patient logins)
        trail = admin.get(org.url("/audit"), params={"action": "patient.read"}).json()["data"]
        assert [e["resourceId"] for e in trail["events"]] == [patient["id"]]


def test_twenty_concurrent_registrations_get_twenty_sequential_numbers(api: Api) -> None:
    org = make_org(api)
    token = org.admin.headers["Authorization"]

    def register(n: int) -> httpx.Response:
        with httpx.Client(base_url=api.base, headers={"Authorization": token},
                          timeout=120) as client:
            return client.post(org.url("/patients"), json=patient_body(n))

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(register, range(20)))
    assert [r.status_code for r in replies] == [201] * 20
    numbers = [r.json()["data"]["patient"]["medicalRecordNumber"] for r in replies]
    assert all(re.fullmatch(r"[A-Z0-9]+-\d{4}-\d{6}", n) for n in numbers)
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 21))


def test_caregiver_sees_the_patient_only_while_authorized(api: Api) -> None:
    org = make_org(api)  # authorizations are dated in the clinic's zone, not the machine's
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    with org.admin as admin:
        pid = admin.post(org.url("/patients"), json=patient_body(1)).json()["data"]["patient"]["id"]
        other = admin.post(org.url("/patients"), json=patient_body(2)).json()["data"]["patient"]
        grant = {"caregiverName": "Jane Doe", "relationshipType": "spouse",
                 "authorizationLevel": "full", "canReceiveMedicalInfo": True,
                 "canScheduleAppointments": True, "canAccessPortal": True}
        live = admin.post(org.url(f"/patients/{pid}/caregivers"), json={
            **grant, "caregiverEmail": "jane@care.example",
            "effectiveDate": str(today - timedelta(days=30)),
            "expirationDate": str(today + timedelta(days=30))})
        assert live.status_code == 201, live.text
        gone = admin.post(org.url(f"/patients/{pid}/caregivers"), json={
            **grant, "caregiverEmail": "june@care.example",
            "effectiveDate": str(today - timedelta(days=400)),
            "expirationDate": str(today - timedelta(days=1))})
        assert gone.status_code == 201
        listed = admin.get(org.url(f"/patients/{pid}/caregivers")).json()["data"]["caregivers"]
        assert {c["caregiverEmail"]: c["isActive"] for c in listed} == {
            "jane@care.example": True, "june@care.example": False}
        backwards = admin.post(org.url(f"/patients/{pid}/caregivers"), json={
            **grant, "caregiverEmail": "x@care.example", "effectiveDate": str(today),
            "expirationDate": str(today - timedelta(days=1))})
        assert backwards.status_code == 400
    jane = first_login(api, "jane@care.example",
                       live.json()["data"]["credentials"]["temporaryPassword"], org.slug)
    june = first_login(api, "june@care.example",
                       gone.json()["data"]["credentials"]["temporaryPassword"], org.slug)
    with jane, june:
        assert jane.get(org.url(f"/patients/{pid}")).status_code == 200
        assert jane.get(org.url(f"/patients/{other['id']}")).status_code == 403
        assert [p["id"] for p in jane.get(org.url("/patients")).json()["data"]["patients"]] == [pid]
        expired = june.get(org.url(f"/patients/{pid}"))
        assert expired.status_code == 403
        assert expired.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
        assert june.get(org.url("/patients")).json()["data"]["patients"] == []
    with org.admin as admin:
        denials = admin.get(org.url("/security/events"),
                            params={"type": "permission_denied"}).json()["data"]["events"]
    assert len(denials) == 2


def test_an_authorization_is_given_by_the_patient_or_who_decides_for_them(api: Api) -> None:
    """`authorizedBy`: the patient, or a caregiver whose authorization in force lets them
    make medical decisions; another patient, or a caregiver who may not decide (or no
    longer may), is a 400 naming the field, and nothing is added."""
    org = make_org(api)
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    with org.admin as admin:
        pid = admin.post(org.url("/patients"), json=patient_body(1)).json()["data"]["patient"]["id"]
        other = admin.post(org.url("/patients"), json=patient_body(2)).json()["data"]["patient"]

        def add(email: str, authorized_by: str, **extra: object) -> httpx.Response:
            return admin.post(org.url(f"/patients/{pid}/caregivers"), json={
                "caregiverName": "Care Giver", "relationshipType": "child",
                "caregiverEmail": email, "authorizedBy": authorized_by,
                "effectiveDate": str(today - timedelta(days=30)), **extra})

        by_patient = add("decider@care.example", pid, canMakeMedicalDecisions=True)
        assert by_patient.status_code == 201, by_patient.text
        decider = by_patient.json()["data"]["caregiver"]["id"]
        helper = add("helper@care.example", decider).json()["data"]["caregiver"]["id"]
        lapsed = add("lapsed@care.example", pid, canMakeMedicalDecisions=True,
                     effectiveDate=str(today - timedelta(days=60)),
                     expirationDate=str(today - timedelta(days=1))).json()["data"]["caregiver"]
        refused = [add(f"no{n}@care.example", who) for n, who in
                   enumerate((other["id"], helper, lapsed["id"], "someone-else"))]
        assert [r.status_code for r in refused] == [400] * 4
        assert {d["field"] for r in refused for d in r.json()["error"]["details"]} == \
            {"authorizedBy"}
        listed = admin.get(org.url(f"/patients/{pid}/caregivers")).json()["data"]["caregivers"]
    assert {c["caregiverEmail"]: c["authorizedBy"] for c in listed} == {
        "decider@care.example": pid, "helper@care.example": decider,
        "lapsed@care.example": pid}


def test_a_patient_with_portal_access_sees_only_their_own_record(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        mine = admin.post(org.url("/patients"), json=patient_body(1, portalAccess=True)).json()
        theirs = admin.post(org.url("/patients"), json=patient_body(2)).json()["data"]
    creds = mine["data"]["credentials"]
    assert creds["mustChangePassword"] is True
    with first_login(api, mine["data"]["patient"]["email"], creds["temporaryPassword"],
                     org.slug) as patient:
        assert patient.get(org.url(f"/patients/{mine['data']['patient']['id']}")).status_code \
            == 200
        assert patient.get(org.url(f"/patients/{theirs['patient']['id']}")).status_code == 403
        assert patient.post(org.url("/patients"), json=patient_body(3)).status_code == 403
