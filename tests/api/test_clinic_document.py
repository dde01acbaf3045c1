"""Details of ../shared/spec/clinic-api.md a client relies on: the ids the registration
answers hand out reach the resource, and the audit filters take the document's dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.api.clinic import make_org, patient_body, provider_body
from tests.api.conftest import Api


def test_the_user_id_of_a_registration_answer_reaches_the_provider_and_staff(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        done = admin.post(org.url("/providers"), json=provider_body(1)).json()["data"]
        user_id, provider_id = done["user"]["id"], done["provider"]["id"]
        by_user = admin.get(org.url(f"/providers/{user_id}"))
        assert by_user.status_code == 200, by_user.text
        assert by_user.json()["data"]["id"] == provider_id
        changed = admin.put(org.url(f"/providers/{user_id}"), json={"department": "Oncology"})
        assert changed.status_code == 200, changed.text
        assert admin.get(org.url(f"/providers/{provider_id}")).json()["data"][
            "department"] == "Oncology"
        staff = admin.post(org.url("/staff"), json={
            "email": f"mary@{org.slug}.example", "name": "Mary"}).json()["data"]
        got = admin.get(org.url(f"/staff/{staff['user']['id']}"))
        assert got.status_code == 200 and got.json()["data"]["id"] == staff["staff"]["id"]
        missing = admin.get(org.url("/providers/usr_nobody"))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "USER_NOT_FOUND"


def test_the_audit_trail_filters_by_user_action_and_local_dates(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        pid = admin.post(org.url("/patients"), json=patient_body(1)).json()["data"][
            "patient"]["id"]
        assert admin.get(org.url(f"/patients/{pid}")).status_code == 200
        admin_id = api.ctx.vault.users.by_email(email=org.admin_email)["id"]
        today = datetime.now(ZoneInfo("America/Los_Angeles")).date()  # the clinic's day

        def trail(**params: str) -> list[dict]:
            reply = admin.get(org.url("/audit"), params={"limit": 100, **params})
            assert reply.status_code == 200, reply.text
            return list(reply.json()["data"]["events"])

        reads = trail(action="patient.read", userId=admin_id)
        assert [(e["resourceId"], e["userId"]) for e in reads] == [(pid, admin_id)]
        assert trail(action="patient.read", userId="usr_nobody") == []
        # a date is the organization's whole local day, at either end
        assert len(trail(action="patient.read", startDate=str(today), endDate=str(today))) == 1
        assert trail(action="patient.read", endDate=str(today - timedelta(days=1))) == []
        assert trail(action="patient.read", startDate=str(today + timedelta(days=1))) == []
        later = (datetime.now(ZoneInfo("UTC")) + timedelta(hours=1)).isoformat()
        assert trail(action="patient.read", startDate=later) == []
        bad = admin.get(org.url("/audit"), params={"startDate": "last tuesday"})
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "VALIDATION_ERROR"
        assert bad.json()["error"]["details"][0]["field"].startswith("startDate")
