"""What both APIs share: pinned envelopes, error mapping, headers, the local-only guard,
offline docs and the OpenAPI document."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
from fastapi import Depends

from app.api.deps import CurrentUser, deprecated
from app.api.envelopes import API_VERSION
from tests.api.conftest import Api

INSIGHT_PATHS = [
    "/v1/auth/login", "/v1/auth/refresh", "/v1/queries", "/v1/queries/{query_id}",
    "/v1/conversations", "/v1/conversations/{conversation_id}", "/v1/health-data/import",
    "/v1/health-data/import/{import_id}", "/v1/visualizations/{visualization_id}",
    "/v1/medical-team/specialists",
]


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_insight_error_envelope_is_pinned(api: Api) -> None:
    with api.client() as client:
        reply = client.get("/v1/queries/qry_missing")
    assert reply.status_code == 401
    body = reply.json()
    assert set(body) == {"success", "error", "metadata"}
    assert body["success"] is False
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "AUTH_REQUIRED"
    assert isinstance(body["error"]["details"], dict)
    assert set(body["metadata"]) == {"timestamp", "request_id"}
    assert body["metadata"]["request_id"] == reply.headers["x-request-id"]
    assert _iso(body["metadata"]["timestamp"]).tzinfo is not None


def test_clinic_error_envelope_is_pinned(api: Api) -> None:
    with api.client() as client:
        reply = client.post("/api/v1/auth/login", json={"email": "desk@clinic.example"})
    assert reply.status_code == 400
    body = reply.json()
    assert set(body) == {"success", "error"}
    assert set(body["error"]) == {"code", "message", "details", "timestamp", "requestId"}
    assert body["error"]["code"] == "VALIDATION_ERROR"
    assert body["error"]["requestId"] == reply.headers["x-request-id"]
    fields = {d["field"] for d in body["error"]["details"]}
    assert fields == {"password", "organizationSlug"}
    assert all(set(d) == {"field", "message"} for d in body["error"]["details"])
    _iso(body["error"]["timestamp"])


def test_validation_is_400_with_fields_never_422(api: Api) -> None:
    with api.client() as client:
        reply = client.post("/v1/auth/login", json={"email": 5})
        not_json = client.post("/v1/auth/login", content=b"{oops",
                               headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "VALIDATION_ERROR"
    fields = {d["field"] for d in reply.json()["error"]["details"]["fields"]}
    assert fields == {"email", "password"}
    assert not_json.status_code == 400


def test_clinic_codes_differ_from_insight_codes(api: Api) -> None:
    body = {"email": "desk@clinic.example", "password": "wrong password!",
            "organizationSlug": "general-hospital"}
    with api.client() as client:
        clinic = client.post("/api/v1/auth/login", json=body)
        insight = client.post("/v1/auth/login", json={"email": body["email"],
                                                      "password": body["password"]})
    assert (clinic.status_code, clinic.json()["error"]["code"]) == (401, "INVALID_CREDENTIALS")
    assert (insight.status_code, insight.json()["error"]["code"]) == (401, "AUTH_INVALID")


def test_every_response_has_version_and_rate_limit_headers(api: Api) -> None:
    with api.client() as client:
        replies = [client.get("/openapi.json"), client.get("/nowhere"),
                   client.get("/v1/conversations"), client.get("/docs"),
                   client.post("/v1/auth/login", json={})]
    for reply in replies:
        assert reply.headers["x-api-version"] == API_VERSION
        limit = int(reply.headers["x-ratelimit-limit"])
        assert 0 <= int(reply.headers["x-ratelimit-remaining"]) <= limit
        assert int(reply.headers["x-ratelimit-reset"]) > 0
    assert replies[1].status_code == 404
    assert replies[1].json()["error"]["code"] == "NOT_FOUND"


def test_non_local_host_or_origin_is_refused(api: Api) -> None:
    with api.client() as client:
        rebinding = client.get("/openapi.json", headers={"Host": "evil.example"})
        cross_site = client.get("/openapi.json", headers={"Origin": "http://evil.example"})
        local_page = client.get("/openapi.json",
                                headers={"Origin": f"http://localhost:{api.server.port}"})
    assert rebinding.status_code == 403
    assert "x-ratelimit-remaining" in rebinding.headers
    assert rebinding.json()["error"]["code"] == "PERMISSION_DENIED"
    assert cross_site.status_code == 403
    assert local_page.status_code == 200


def test_docs_work_offline(api: Api) -> None:
    with api.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
        assert "//" not in "".join(assets)
        for asset in assets:
            assert client.get(asset).status_code == 200
        assert "/openapi.json" in page.text


def test_openapi_documents_every_insight_endpoint_and_no_422(api: Api) -> None:
    with api.client() as client:
        schema = client.get("/openapi.json").json()
    assert set(INSIGHT_PATHS) <= set(schema["paths"])
    assert "/api/v1/auth/login" in schema["paths"]
    for path in schema["paths"].values():
        for operation in path.values():
            assert "422" not in operation["responses"]
            assert "400" in operation["responses"]


def test_unexpected_errors_are_500_without_internals(own_api) -> None:
    api = own_api()

    def explode() -> None:
        raise RuntimeError("secret internal detail /home/someone/vault.duckdb")

    api.server.app.add_api_route("/v1/test-explode", explode, methods=["GET"])
    api.server.app.add_api_route("/api/v1/test-explode", explode, methods=["GET"])
    with httpx.Client(base_url=api.base, timeout=60) as client:
        reply = client.get("/v1/test-explode")
        clinic = client.get("/api/v1/test-explode")
    assert reply.status_code == 500
    assert reply.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in reply.text and "vault.duckdb" not in reply.text
    assert clinic.status_code == 500
    assert clinic.json()["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in clinic.text


def test_deprecated_routes_send_deprecation_headers(own_api) -> None:
    api = own_api()

    def old(_user: CurrentUser) -> dict[str, str]:
        return {"old": "yes"}

    api.server.app.add_api_route(
        "/v1/test-old", old, methods=["GET"], deprecated=True,
        dependencies=[Depends(deprecated("2030-12-31", "https://example.invalid/v2"))])
    with api.client("owner") as client:
        reply = client.get("/v1/test-old")
        current = client.get("/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["x-api-deprecation-date"] == "2030-12-31"
    assert reply.headers["x-api-deprecation-info"] == "https://example.invalid/v2"
    assert "x-api-deprecation-date" not in current.headers


def test_every_read_route_refuses_unknown_query_parameters(api: Api) -> None:
    """Each route module's routes carry the check themselves (deps.api_router): one
    declared on a plain APIRouter would let a typo such as `sortby=` pass silently."""
    paths = sorted({path for path, methods in _operations(api).items() if "get" in methods})
    assert len(paths) > 20
    with api.client() as client:
        refused = {path: client.get(re.sub(r"\{[^}]+\}", "x", path),
                                    params={"no_such_parameter": "1"})
                   for path in paths}
    assert {path: reply.status_code for path, reply in refused.items()} == \
        dict.fromkeys(paths, 400)
    assert all(reply.json()["error"]["code"] == "VALIDATION_ERROR"
               and "no_such_parameter" in reply.text for reply in refused.values())


def _operations(api: Api) -> dict[str, set[str]]:
    with api.client() as client:
        schema = client.get("/openapi.json").json()
    return {path: set(ops) for path, ops in schema["paths"].items()}
