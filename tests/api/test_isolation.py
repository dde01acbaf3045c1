"""One user never sees another's conversations, queries, imports or charts (404)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def test_another_user_gets_404_for_everything_of_the_owner(
        api: Api, owner_query: dict[str, Any], owner_import: dict[str, Any],
        other_import: dict[str, Any]) -> None:
    urls = [
        f"/v1/queries/{owner_query['query_id']}",
        f"/v1/conversations/{owner_query['conversation_id']}",
        f"/v1/health-data/import/{owner_import['import_id']}",
        f"/v1/visualizations/{owner_query['visualization']['component_id']}",
    ]
    with api.client("owner") as owner, api.client("other") as other:
        for url in urls:
            assert owner.get(url).status_code == 200, url
            reply = other.get(url)
            assert reply.status_code == 404, url
            assert reply.json()["error"]["code"] == "NOT_FOUND"
        assert other.get(f"/v1/health-data/import/{other_import['import_id']}").status_code == 200
        assert owner.get(f"/v1/health-data/import/{other_import['import_id']}").status_code == 404
        theirs = other.get("/v1/conversations", params={"limit": 100}).json()["data"]
        assert owner_query["conversation_id"] not in [c["id"] for c in theirs["conversations"]]
        # a conversation id of the owner's cannot be borrowed to ask in it
        borrowed = other.post("/v1/queries", json={
            "query": "cholesterol?", "conversation_id": owner_query["conversation_id"]})
        assert borrowed.status_code == 404


def test_each_user_asks_about_their_own_records(
        api: Api, owner_query: dict[str, Any], other_import: dict[str, Any]) -> None:
    with api.client("other") as other:
        reply = other.post("/v1/queries", json={"query": "What's my cholesterol trend?"})
        assert reply.status_code == 202, reply.text
        query_id = reply.json()["data"]["query_id"]
        api.ctx.queries.runs.wait(query_id, 240)
        mine = other.get(f"/v1/queries/{query_id}").json()["data"]
    assert mine["status"] == "completed"
    assert mine["patient_id"] != owner_query["patient_id"]
