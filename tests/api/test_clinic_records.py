"""Records uploaded for a clinic patient belong to that patient (and organization) only;
the clinic budget is per organization with the rate-limit headers; audit filters."""

from __future__ import annotations

from pathlib import Path

from tests.api.clinic import make_org, patient_body
from tests.api.conftest import Api
from tests.api.helpers import raw_counts, wait_for

BUNDLE = "fhir_r4_synthea/Eleonor_Becker_c67244e9-b850-4b4f-9691-5d04c250f6f7.json"


def test_upload_for_a_clinic_patient(api: Api, testdata: Path) -> None:
    org, elsewhere = make_org(api), make_org(api)
    bundle = testdata / BUNDLE
    with org.admin as admin:
        pid = admin.post(org.url("/patients"), json=patient_body()).json()["data"]["patient"]["id"]
        with elsewhere.admin as intruder:
            refused = intruder.post(
                org.url(f"/patients/{pid}/records"),
                files=[("file", (bundle.name, bundle.read_bytes(), "application/json"))])
            assert refused.status_code == 404
            foreign = intruder.post(
                elsewhere.url(f"/patients/{pid}/records"),
                files=[("file", (bundle.name, bundle.read_bytes(), "application/json"))])
            assert foreign.status_code == 404
            assert foreign.json()["error"]["code"] == "USER_NOT_FOUND"
        started = admin.post(org.url(f"/patients/{pid}/records"),
                             files=[("file", (bundle.name, bundle.read_bytes(),
                                              "application/json"))])
        assert started.status_code == 202, started.text
        import_id = started.json()["data"]["import_id"]
    with api.client("owner") as owner:
        done = wait_for(owner, f"/v1/health-data/import/{import_id}")
    assert done["status"] == "completed", done
    cur = api.ctx.vault.cursor()
    made = cur.execute("SELECT count(*) FROM patients WHERE import_id = ?", [import_id])
    assert made.fetchone() == (0,)
    meds = cur.execute("SELECT patient_id, count(*) FROM medications WHERE import_id = ? "
                       "GROUP BY patient_id", [import_id]).fetchall()
    assert meds == [(pid, raw_counts(bundle)["medications"])]
    org_of = cur.execute("SELECT organization_id FROM patients WHERE id = ?", [pid])
    assert org_of.fetchone() == (org.id,)


def test_the_budget_is_per_organization(own_api) -> None:
    api = own_api(rate_clinic=(5, 3600))
    org = make_org(api)  # creating it spends the owner's budget, not the organization's
    with org.admin as admin:
        replies = [admin.get(org.url("/roles")) for _ in range(6)]
    assert [r.status_code for r in replies] == [200] * 5 + [429]
    assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["4", "3", "2", "1", "0",
                                                                     "0"]
    assert int(replies[0].headers["x-ratelimit-limit"]) == 5
    error = replies[-1].json()["error"]
    assert error["code"] == "RATE_LIMIT_EXCEEDED" and error["requestId"] and error["timestamp"]


def test_audit_trail_filters(api: Api) -> None:
    org = make_org(api)
    with org.admin as admin:
        pid = admin.post(org.url("/patients"), json=patient_body()).json()["data"]["patient"]["id"]
        admin.get(org.url(f"/patients/{pid}"))
        admin.put(org.url(f"/patients/{pid}"), json={"phone": "+1-555-0"})
        everything = admin.get(org.url("/audit"), params={"limit": 100}).json()["data"]
        actions = [e["action"] for e in everything["events"]]
        # newest first: the organization, the admin's login, then the patient's life
        assert actions[:3] == ["patient.update", "patient.read", "patient.create"]
        assert everything["events"][0]["requestId"].startswith("req_")
        admin_id = everything["events"][0]["userId"]
        mine = admin.get(org.url("/audit"), params={"userId": admin_id, "action": "patient.read"})
        assert [e["resourceId"] for e in mine.json()["data"]["events"]] == [pid]
        later = admin.get(org.url("/audit"), params={"startDate": "2999-01-01T00:00:00Z"})
        assert later.json()["data"]["events"] == []
        bad = admin.get(org.url("/audit"), params={"startDate": "yesterday"})
        assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == \
            "startDate"
