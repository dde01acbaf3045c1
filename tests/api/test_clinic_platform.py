"""The platform the clinic API will stand on: organization context, roles, the
per-organization budget, its error codes, and service-unavailable answers."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request

from app.api.deps import ClinicUser
from app.api.envelopes import ok
from storage.errors import VaultKeyError
from tests.api.conftest import PASSWORD, USERS, Api


def _clinic_route(api: Api) -> None:
    def whoami(request: Request, user: ClinicUser) -> dict[str, Any]:
        return ok(request, {"organizationId": user.organization_id, "role": user.role})

    api.server.app.add_api_route("/api/v1/test-whoami", whoami, methods=["GET"])


def _clinic_token(api: Api, who: str = "clinic") -> str:
    with api.client() as client:
        reply = client.post("/api/v1/auth/login", json={
            "email": USERS[who][0], "password": PASSWORD, "organizationSlug": "general-hospital"})
    return str(reply.json()["data"]["token"])


def test_organization_context_and_role(own_api) -> None:
    api = own_api()
    _clinic_route(api)
    org = api.ctx.vault.users.organization_by_slug(slug="general-hospital")
    other_org = api.ctx.vault.users.add_organization(name="Elsewhere", slug="elsewhere")
    with httpx.Client(base_url=api.base, timeout=60) as client:
        auth = {"Authorization": f"Bearer {_clinic_token(api)}"}
        mine = client.get("/api/v1/test-whoami", headers=auth)
        # an insight login has no organization: the only membership is used
        insight = client.get("/api/v1/test-whoami",
                             headers={"Authorization": f"Bearer {api.token('clinic')}"})
        elsewhere = client.get("/api/v1/test-whoami",
                               headers={**auth, "X-Organization-Context": other_org["id"]})
        no_org = client.get("/api/v1/test-whoami",
                            headers={"Authorization": f"Bearer {api.token('other')}"})
        anonymous = client.get("/api/v1/test-whoami")
    assert mine.status_code == 200
    assert mine.json() == {"success": True,
                           "data": {"organizationId": org["id"], "role": USERS["clinic"][3]}}
    assert insight.json()["data"]["organizationId"] == org["id"]
    for refused in (elsewhere, no_org):
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"


def test_the_clinic_budget_is_per_organization(own_api) -> None:
    api = own_api(rate_clinic=(3, 3600))
    _clinic_route(api)
    org = api.ctx.vault.users.organization_by_slug(slug="general-hospital")
    colleague = api.ctx.auth.add_user("nurse@clinic.example", PASSWORD,
                                      organization_slug="general-hospital", role="nurse")
    with httpx.Client(base_url=api.base, timeout=60) as client:
        mine = {"Authorization": f"Bearer {_clinic_token(api)}"}
        theirs = {"Authorization": "Bearer " + api.ctx.auth.login(
            colleague.email, PASSWORD, organization_slug="general-hospital").access_token}
        replies = [client.get("/api/v1/test-whoami", headers=h)
                   for h in (mine, theirs, mine, theirs)]
    assert [r.status_code for r in replies] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["2", "1", "0", "0"]
    body = replies[3].json()
    assert body["error"]["code"] == "RATE_LIMIT_EXCEEDED" and "requestId" in body["error"]
    assert org["id"]


def test_a_locked_vault_is_service_unavailable(own_api) -> None:
    api = own_api()

    def locked() -> None:
        raise VaultKeyError("wrong key for this vault")

    api.server.app.add_api_route("/v1/test-locked", locked, methods=["GET"])
    api.server.app.add_api_route("/api/v1/test-locked", locked, methods=["GET"])
    with httpx.Client(base_url=api.base, timeout=60) as client:
        insight = client.get("/v1/test-locked")
        clinic = client.get("/api/v1/test-locked")
    assert insight.status_code == 503 and insight.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert clinic.status_code == 503 and clinic.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "key" not in insight.json()["error"]["message"]
