"""Every /v1 endpoint: happy paths and documented errors, on the session server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import OWNER_BUNDLE, Api
from tests.api.helpers import raw_counts, upload, wait_for


def test_import_reports_what_the_bundle_holds(api: Api, owner_import: dict[str, Any],
                                              testdata: Path) -> None:
    assert owner_import["status"] == "completed"
    assert owner_import["files_received"] == 1
    summary = owner_import["summary"]
    expected = raw_counts(testdata / OWNER_BUNDLE)
    for table, count in expected.items():
        assert summary["records_by_type"][table] == count, table
    assert summary["total_records"] == sum(summary["records_by_type"].values())
    assert summary["date_range"]["start"] <= summary["date_range"]["end"]
    assert summary["errors"] == []


def test_import_takes_several_files_reports_bad_ones_and_deletes_uploads(
        api: Api, owner_import: dict[str, Any], testdata: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [')
    with api.client("owner") as client:
        started = upload(client, testdata / OWNER_BUNDLE, bad)
        assert started.status_code == 202
        data = started.json()["data"]
        assert data["status"] == "processing" and data["files_received"] == 2
        done = wait_for(client, f"/v1/health-data/import/{data['import_id']}")
    assert done["files_received"] == 2
    assert done["summary"]["total_records"] == 0  # the same bundle again adds nothing
    assert [e["file"] for e in done["summary"]["errors"]] == ["broken.json"]
    root = api.server.app.state.uploads._root
    assert not [p for p in root.rglob("*") if p.is_file()]


def test_import_errors(api: Api) -> None:
    with api.client("owner") as client:
        no_files = client.post("/v1/health-data/import", data={"nothing": "here"})
        unknown = client.get("/v1/health-data/import/imp_0000000000000000")
    with api.client() as anonymous:
        no_token = anonymous.post("/v1/health-data/import",
                                  files=[("file", ("a.json", b"{}", "application/json"))])
    assert no_files.status_code == 400
    assert no_files.json()["error"]["code"] == "VALIDATION_ERROR"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "AUTH_REQUIRED"


def test_query_result_and_its_visualization(api: Api, owner_query: dict[str, Any]) -> None:
    assert owner_query["status"] == "completed"
    assert owner_query["query"] == "What's my cholesterol trend?"
    assert owner_query["synthesis"]["summary"]
    assert owner_query["medical_team"]["specialists"]
    viz = owner_query["visualization"]
    assert viz is not None
    with api.client("owner") as client:
        reply = client.get(f"/v1/visualizations/{viz['component_id']}")
    assert reply.status_code == 200
    chart = reply.json()["data"]
    assert chart["id"] == viz["component_id"] and chart["query_id"] == owner_query["query_id"]
    assert chart["figure"]["data"]
    assert chart["type"] == viz["type"]


def test_query_submission_shape(api: Api, owner_import: dict[str, Any]) -> None:
    with api.client("owner") as client:
        reply = client.post("/v1/queries", json={
            "query": "How is my blood pressure?",
            "context": {"include_visualizations": True, "priority": "normal"}})
    assert reply.status_code == 202
    data = reply.json()["data"]
    assert data["status"] == "processing"
    assert data["query_id"].startswith("qry_") and data["conversation_id"].startswith("conv_")
    assert data["complexity"] in ("simple", "standard", "complex", "comprehensive")
    assert data["websocket_channel"] == \
        f"ws://127.0.0.1:{api.server.port}/ws/queries/{data['query_id']}"
    api.ctx.queries.runs.wait(data["query_id"], 240)


@pytest.mark.parametrize("body,status,code", [
    ({"query": ""}, 400, "VALIDATION_ERROR"),
    ({}, 400, "VALIDATION_ERROR"),
    ({"query": "x" * 2001}, 400, "QUERY_COMPLEXITY_EXCEEDED"),
    ({"query": "cholesterol?", "conversation_id": "conv_missing"}, 404, "NOT_FOUND"),
    ({"query": "cholesterol?", "context": {"patient_id": "pat_missing"}}, 404, "NOT_FOUND"),
    ({"query": "cholesterol?", "context": {"priority": "urgent!"}}, 400, "VALIDATION_ERROR"),
])
def test_query_errors(api: Api, owner_import: dict[str, Any], body: dict[str, Any],
                      status: int, code: str) -> None:
    with api.client("owner") as client:
        reply = client.post("/v1/queries", json=body)
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["code"] == code


def test_unknown_query_is_not_found(api: Api) -> None:
    with api.client("owner") as client:
        reply = client.get("/v1/queries/qry_0000000000000000")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "NOT_FOUND"


def test_conversations_list_create_and_get(api: Api, owner_query: dict[str, Any]) -> None:
    with api.client("owner") as client:
        created = client.post("/v1/conversations", json={"title": "AAA first by title"})
        assert created.status_code == 201
        conv = created.json()["data"]
        assert conv["title"] == "AAA first by title" and conv["query_count"] == 0
        listing = client.get("/v1/conversations", params={"limit": 100}).json()["data"]
        ids = [c["id"] for c in listing["conversations"]]
        assert conv["id"] in ids and owner_query["conversation_id"] in ids
        assert listing["pagination"]["total"] == len(ids)
        assert listing["pagination"]["pages"] == 1
        by_title = client.get("/v1/conversations", params={
            "sort_by": "title", "order": "asc", "limit": 100}).json()["data"]["conversations"]
        titles = [c["title"] for c in by_title]
        assert titles == sorted(titles, key=str.lower) or titles == sorted(titles)
        paged = client.get("/v1/conversations", params={"page": 1, "limit": 1}).json()["data"]
        assert len(paged["conversations"]) == 1
        assert paged["pagination"]["pages"] == listing["pagination"]["total"]
        detail = client.get(f"/v1/conversations/{owner_query['conversation_id']}")
        assert detail.status_code == 200
        queries = detail.json()["data"]["queries"]
        assert owner_query["query_id"] in [q["query_id"] for q in queries]


def test_conversation_with_first_query(api: Api, owner_import: dict[str, Any]) -> None:
    with api.client("owner") as client:
        created = client.post("/v1/conversations",
                              json={"first_query": "What are my cardiovascular risk factors?"})
    assert created.status_code == 201
    conv = created.json()["data"]
    assert conv["title"] and conv["query_count"] == 1
    api.ctx.queries.runs.wait(conv["first_query"]["query_id"], 240)


@pytest.mark.parametrize("params", [{"sort_by": "size"}, {"order": "up"}, {"limit": 0},
                                    {"limit": 101}, {"page": 0}, {"page": "one"}])
def test_conversation_list_validation(api: Api, params: dict[str, Any]) -> None:
    with api.client("owner") as client:
        reply = client.get("/v1/conversations", params=params)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "VALIDATION_ERROR"
    assert reply.json()["error"]["details"]["fields"][0]["field"] == next(iter(params))


def test_unknown_conversation_and_visualization(api: Api) -> None:
    with api.client("owner") as client:
        for url in ("/v1/conversations/conv_missing", "/v1/visualizations/viz_missing"):
            reply = client.get(url)
            assert reply.status_code == 404 and reply.json()["error"]["code"] == "NOT_FOUND"


def test_specialists(api: Api) -> None:
    with api.client("owner") as client:
        reply = client.get("/v1/medical-team/specialists")
    assert reply.status_code == 200
    specialists = reply.json()["data"]["specialists"]
    assert specialists == api.ctx.queries.specialists().wire()["specialists"]
    for s in specialists:
        assert s["id"] and s["name"] and s["specialty"] and s["capabilities"]


def test_clinic_token_works_on_the_insight_api(api: Api) -> None:
    from tests.api.conftest import PASSWORD, USERS

    with api.client() as client:
        token = client.post("/api/v1/auth/login", json={
            "email": USERS["clinic"][0], "password": PASSWORD,
            "organizationSlug": "general-hospital"}).json()["data"]["token"]
        reply = client.get("/v1/medical-team/specialists",
                           headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


def test_general_budget(own_api) -> None:
    # the query budget, which counts accepted questions only: test_budget_sessions.py
    api = own_api(rate_general=(2, 60))
    with api.client("owner") as client:
        general = [client.get("/v1/medical-team/specialists") for _ in range(3)]
    assert [r.status_code for r in general] == [200, 200, 429]
    assert general[2].json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert general[0].headers["x-ratelimit-limit"] == "2"


def test_import_parts_must_be_files(api: Api) -> None:
    with api.client("owner") as client:
        reply = client.post("/v1/health-data/import", data={"file": ["12", "34"]})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "VALIDATION_ERROR"


def test_unknown_query_parameters_are_refused(api: Api) -> None:
    with api.client("owner") as client:
        typo = client.get("/v1/conversations", params={"sortby": "title"})
        fine = client.get("/v1/conversations", params={"sort_by": "title"})
    assert typo.status_code == 400
    assert typo.json()["error"]["details"]["fields"] == [
        {"field": "sortby", "message": "not a parameter of this endpoint"}]
    assert fine.status_code == 200
