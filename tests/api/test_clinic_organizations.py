"""Organizations: creation by the vault owner, details, settings, roles, departments."""

from __future__ import annotations

from tests.api.clinic import NEW_PASSWORD, make_org
from tests.api.conftest import Api


def test_create_and_read_an_organization(api: Api) -> None:
    with api.client("owner") as owner:
        reply = owner.post("/api/v1/organizations", json={
            "name": "General Hospital", "slug": "general-hospital-x",
            "timezone": "America/Los_Angeles", "type": "hospital",
            "adminUser": {"email": "admin@gh-x.example", "name": "Hospital Administrator"}})
        assert reply.status_code == 201, reply.text
        data = reply.json()["data"]
        assert data["organization"]["onboardingStatus"] == "pending"
        assert data["organization"]["slug"] == "general-hospital-x"
        assert len(data["adminUser"]["temporaryPassword"]) >= 12
        org_id = data["organization"]["id"]
        detail = owner.get(f"/api/v1/organizations/{org_id}").json()["data"]
        # the default hours: Monday to Friday 08:00-17:00
        assert detail["businessHours"]["monday"] == {"open": "08:00", "close": "17:00",
                                                     "closed": False} or \
            detail["businessHours"]["monday"] == {"open": "08:00", "close": "17:00"}
        assert detail["businessHours"]["sunday"]["closed"] is True
        assert detail["settings"]["mrnPrefix"] == "GHX"
        again = owner.post("/api/v1/organizations", json={
            "name": "Again", "slug": "general-hospital-x", "timezone": "UTC"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "DUPLICATE_ENTRY"
        bad = owner.post("/api/v1/organizations", json={
            "name": "Bad", "slug": "bad-zone", "timezone": "Mars/Olympus"})
        assert bad.status_code == 400
        assert bad.json()["error"]["details"] == [{"field": "timezone",
                                                   "message": "not an IANA time zone name"}]
    with api.client("other") as other:  # not the platform admin
        refused = other.post("/api/v1/organizations", json={
            "name": "Mine", "slug": "mine", "timezone": "UTC"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"


def test_settings_roles_and_departments(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        put = admin.put(org.url("/settings"), json={
            "mrnPrefix": "ZZ", "scheduling": {"slotIntervalMinutes": 15},
            "faq": [{"question": "What are your visiting hours?", "answer": "9 to 5"}]})
        assert put.status_code == 200, put.text
        settings = put.json()["data"]["settings"]
        assert settings["mrnPrefix"] == "ZZ"
        assert settings["scheduling"]["slotIntervalMinutes"] == 15
        assert settings["faq"][0]["category"] == "general_info"
        bad = admin.put(org.url("/settings"), json={"scheduling": {"slotIntervalMinutes": 0}})
        assert bad.status_code == 400
        assert bad.json()["error"]["details"][0]["field"] == "scheduling.slotIntervalMinutes"
        closed_late = admin.put(org.url("/settings"), json={
            "businessHours": {"monday": {"open": "18:00", "close": "09:00"}}})
        assert closed_late.status_code == 400
        roles = admin.get(org.url("/roles")).json()["data"]["roles"]
        by_name = {r["name"]: set(r["permissions"]) for r in roles}
        assert "manage_organization" in by_name["admin"]
        assert by_name["patient"] >= {"view_appointments"}
        assert admin.get(org.url("/departments")).json()["data"] == {"departments": []}


def test_authentication_and_organization_context(api: Api) -> None:
    org, other = make_org(api), make_org(api)
    with api.client() as anon:
        missing = anon.get(org.url())
        forged = anon.get(org.url(), headers={"Authorization": "Bearer not.a.token"})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "INVALID_CREDENTIALS"
    for body in (missing.json(), forged.json()):
        assert body["error"]["timestamp"] and body["error"]["requestId"].startswith("req_")
    with org.admin as admin:
        foreign = admin.get(org.url(), headers={"X-Organization-Context": other.id})
        assert foreign.status_code == 403
        assert foreign.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
        assert admin.get(org.url(), headers={"X-Organization-Context": org.id}).status_code \
            == 200
    with api.client("owner") as owner:  # the platform admin owns both: it may switch
        both = [owner.get(o.url(), headers={"X-Organization-Context": o.id}) for o in (org,
                                                                                    other)]
    assert [r.json()["data"]["slug"] for r in both] == [org.slug, other.slug]
    with api.client() as anon:
        wrong = anon.post("/api/v1/auth/login", json={
            "email": org.admin_email, "password": "not the password",
            "organizationSlug": org.slug})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"
    with org.admin as admin:
        events = admin.get(org.url("/security/events")).json()["data"]["events"]
    assert "login_failed" in [e["type"] for e in events]


def test_login_and_logout_are_audited(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        out = admin.post("/api/v1/auth/logout")
        assert out.status_code == 200, out.text
        refused = admin.get(org.url("/audit"))  # that session has ended
        assert refused.status_code == 401
        token = admin.post("/api/v1/auth/login", json={
            "email": org.admin_email, "password": NEW_PASSWORD, "organizationSlug": org.slug}
        ).json()["data"]["token"]
        trail = admin.get(org.url("/audit"), params={"limit": 100},
                          headers={"Authorization": f"Bearer {token}"}).json()["data"]["events"]
    sessions = [e["action"] for e in trail if e["resourceType"] == "session"]
    # make_org logs in twice (temporary, then new password), the logout, a new login
    assert sessions == ["login", "logout", "login", "login"]
