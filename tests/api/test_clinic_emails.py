"""One email, one organization: whoever has an email in one organization of the vault
(a login, a patient, a caregiver, a provider, staff), no one of another organization
may be registered with it, in any case of its letters (409 DUPLICATE_ENTRY)."""

from __future__ import annotations

import uuid

from tests.api.clinic import make_org, patient_body, provider_body
from tests.api.conftest import Api


def _duplicate(reply, field: str) -> None:  # noqa: ANN001
    assert reply.status_code == 409, reply.text
    error = reply.json()["error"]
    assert error["code"] == "DUPLICATE_ENTRY"
    assert [d["field"] for d in error["details"]] == [field]


def test_an_email_of_one_organization_is_refused_in_another(api: Api) -> None:
    a, b = make_org(api), make_org(api)
    tag = uuid.uuid4().hex[:6]
    patient_email = f"Shared.Person.{tag}@Mail.example"  # a patient without a login
    provider_email = f"dr.shared.{tag}@clinic.example"  # a login
    with a.admin as admin_a:
        pat = admin_a.post(a.url("/patients"), json=patient_body(1, email=patient_email))
        assert pat.status_code == 201, pat.text
        assert admin_a.post(a.url("/providers"),
                            json=provider_body(1, email=provider_email)).status_code == 201
        # the same person may be someone else too in the same organization
        other = admin_a.post(a.url("/patients"), json=patient_body(2)).json()["data"]
        carer = admin_a.post(a.url(f"/patients/{other['patient']['id']}/caregivers"), json={
            "caregiverEmail": patient_email.upper(), "caregiverName": "Shared Person",
            "relationshipType": "spouse", "effectiveDate": "2024-01-15"})
        assert carer.status_code == 201, carer.text
    lower, upper = patient_email.lower(), provider_email.upper()
    with b.admin as admin_b:
        _duplicate(admin_b.post(b.url("/providers"), json=provider_body(2, email=lower)),
                   "email")
        _duplicate(admin_b.post(b.url("/staff"), json={"email": upper, "name": "Sam"}),
                   "email")
        _duplicate(admin_b.post(b.url("/patients"), json=patient_body(3, email=lower)),
                   "email")
        _duplicate(admin_b.post(b.url("/patients"),
                                json=patient_body(4, email=upper, portalAccess=True)), "email")
        mine = admin_b.post(b.url("/patients"), json=patient_body(5)).json()["data"]
        pid = mine["patient"]["id"]
        _duplicate(admin_b.post(b.url(f"/patients/{pid}/caregivers"), json={
            "caregiverEmail": lower, "caregiverName": "Shared Person",
            "relationshipType": "spouse", "effectiveDate": "2024-01-15"}), "caregiverEmail")
        _duplicate(admin_b.put(b.url(f"/patients/{pid}"), json={"email": upper}), "email")
        bulk = admin_b.post(b.url("/bulk/providers"), json={"providers": [
            provider_body(6, email=lower), provider_body(7)]}).json()["data"]
        assert bulk["summary"] == {"total": 2, "successful": 1, "failed": 1}
        assert [e["code"] for e in bulk["errors"]] == ["DUPLICATE_ENTRY"]
        assert admin_b.get(b.url("/patients"), params={"search": tag}).json()[
            "data"]["patients"] == []
    slug = f"clinic-{uuid.uuid4().hex[:8]}"
    with api.client("owner") as owner:
        taken = owner.post("/api/v1/organizations", json={
            "name": "Third", "slug": slug, "timezone": "UTC",
            "adminUser": {"email": upper, "name": "Dr Shared"}})
        _duplicate(taken, "adminUser.email")
        # nothing of the refused organization stayed behind: its slug is still free
        again = owner.post("/api/v1/organizations", json={
            "name": "Third", "slug": slug, "timezone": "UTC",
            "adminUser": {"email": f"admin@{slug}.example", "name": "Ada"}})
        assert again.status_code == 201, again.text
