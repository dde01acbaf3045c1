"""Providers and staff: registration with a temporary password, details, updates, lists,
availability inside business hours, bulk registration row by row."""

from __future__ import annotations

from datetime import date

from tests.api.clinic import first_login, make_org, provider_body
from tests.api.conftest import Api


def test_register_read_update_and_list_providers(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        body = provider_body(1, availability={
            "monday": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]},
            education=[{"degree": "MD", "institution": "Stanford", "year": 2010}])
        reply = admin.post(org.url("/providers"), json=body)
        assert reply.status_code == 201, reply.text
        data = reply.json()["data"]
        assert data["user"]["userType"] == "provider"
        assert data["organizationUser"]["primaryRole"] == "attending_physician"
        assert data["credentials"]["mustChangePassword"] is True
        pid = data["provider"]["id"]
        got = admin.get(org.url(f"/providers/{pid}")).json()["data"]
        assert got["availability"]["monday"] == body["availability"]["monday"]
        assert got["licenseStatus"] == "active"
        assert got["education"][0]["institution"] == "Stanford"
        expired = admin.put(org.url(f"/providers/{pid}"), json={"licenseExpiry": "2020-01-31"})
        assert expired.status_code == 200, expired.text
        assert expired.json()["data"]["licenseStatus"] == "expired"
        assert date.fromisoformat(expired.json()["data"]["licenseExpiry"]) < date.today()
        duplicate = admin.post(org.url("/providers"), json={**provider_body(2),
                                                            "email": body["email"]})
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["code"] == "DUPLICATE_ENTRY"
        for n in range(3, 6):
            assert admin.post(org.url("/providers"), json=provider_body(
                n, department="Oncology")).status_code == 201
        page = admin.get(org.url("/providers"), params={"limit": 2, "page": 2}).json()["data"]
        assert page["pagination"] == {"page": 2, "limit": 2, "total": 4, "pages": 2}
        found = admin.get(org.url("/providers"), params={"search": "number 4"}).json()["data"]
        assert [p["name"] for p in found["providers"]] == ["Dr. Number 4"]
        departments = admin.get(org.url("/departments")).json()["data"]["departments"]
        assert {d["name"]: d["providers"] for d in departments} == {"Cardiology": 1,
                                                                    "Oncology": 3}
        missing = admin.get(org.url("/providers/prv_nothing"))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "USER_NOT_FOUND"
    # the provider logs in with the temporary password: everything else is refused first
    with api.client() as anon:
        token = anon.post("/api/v1/auth/login", json={
            "email": body["email"], "password": data["credentials"]["temporaryPassword"],
            "organizationSlug": org.slug}).json()["data"]["token"]
        refused = anon.get(org.url("/providers"), headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    with first_login(api, body["email"], data["credentials"]["temporaryPassword"],
                     org.slug) as provider:
        assert provider.get(org.url("/providers")).status_code == 200
        assert provider.post(org.url("/providers"), json=provider_body(9)).status_code == 403


def test_availability_must_sit_inside_business_hours_without_overlaps(api: Api) -> None:
    org = make_org(api)
    cases = {
        "outside": {"monday": [{"start": "07:00", "end": "09:00"}]},
        "overlap": {"tuesday": [{"start": "09:00", "end": "11:00"},
                                {"start": "10:30", "end": "12:00"}]},
        "closed day": {"sunday": [{"start": "09:00", "end": "10:00"}]},
        "backwards": {"friday": [{"start": "11:00", "end": "10:00"}]},
    }
    with org.admin as admin:
        for name, availability in cases.items():
            reply = admin.post(org.url("/providers"),
                               json=provider_body(availability=availability))
            assert reply.status_code == 400, name
            error = reply.json()["error"]
            assert error["code"] == "VALIDATION_ERROR" and error["details"], name
            assert error["details"][0]["field"].startswith("availability."), name
        listed = admin.get(org.url("/providers")).json()["data"]["pagination"]["total"]
    assert listed == 0  # nothing half-registered


def test_bulk_registration_reports_each_row(api: Api) -> None:
    org = make_org(api)
    good = provider_body(1)
    rows = [good, {**provider_body(2), "email": good["email"]},
            {**provider_body(3), "role": "wizard"}, provider_body(4)]
    with org.admin as admin:
        reply = admin.post(org.url("/bulk/providers"), json={"providers": rows})
        assert reply.status_code == 200, reply.text
        data = reply.json()["data"]
        assert data["summary"] == {"total": 4, "successful": 2, "failed": 2}
        assert [r["status"] for r in data["results"]] == ["success", "failed", "failed",
                                                          "success"]
        assert [(e["index"], e["code"], e["field"]) for e in data["errors"]] == [
            (1, "DUPLICATE_ENTRY", "email"), (2, "VALIDATION_ERROR", "role")]
        total = admin.get(org.url("/providers")).json()["data"]["pagination"]["total"]
    assert total == 2


def test_staff_register_read_update_list(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        reply = admin.post(org.url("/staff"), json={
            "email": "mary@staff.example", "name": "Mary Administrator",
            "role": "practice_manager", "department": "Administration",
            "permissions": ["manage_appointments", "generate_reports"],
            "workSchedule": {"monday": {"start": "08:00", "end": "17:00"}}})
        assert reply.status_code == 201, reply.text
        staff = reply.json()["data"]["staff"]
        assert reply.json()["data"]["credentials"]["mustChangePassword"] is True
        assert staff["workSchedule"] == {"monday": {"start": "08:00", "end": "17:00"}}
        updated = admin.put(org.url(f"/staff/{staff['id']}"), json={"role": "scheduler"})
        assert updated.json()["data"]["role"] == "scheduler"
        assert admin.get(org.url(f"/staff/{staff['id']}")).json()["data"]["department"] == \
            "Administration"
        listed = admin.get(org.url("/staff")).json()["data"]
        assert [s["email"] for s in listed["staff"]] == ["mary@staff.example"]
        bad = admin.post(org.url("/staff"), json={
            "email": "x@staff.example", "name": "X", "permissions": ["fly"]})
        assert bad.status_code == 400
