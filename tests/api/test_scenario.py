"""The whole story over the wire: log in, import a Synthea bundle, ask, follow the
WebSocket to query_complete, read the answer and its chart."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.conftest import OWNER_BUNDLE, PASSWORD, USERS
from tests.api.helpers import raw_counts, recv, upload, wait_for, ws_open


def test_login_import_ask_follow_and_read(own_api, testdata: Path) -> None:
    api = own_api()
    with api.client() as anonymous:
        login = anonymous.post("/v1/auth/login",
                               json={"email": USERS["owner"][0], "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["data"]["access_token"]
    with api.client() as client:
        client.headers["Authorization"] = f"Bearer {token}"
        started = upload(client, testdata / OWNER_BUNDLE)
        assert started.status_code == 202
        imported = wait_for(client, f"/v1/health-data/import/{started.json()['data']['import_id']}")
        assert imported["status"] == "completed"
        assert imported["summary"]["records_by_type"]["conditions"] == \
            raw_counts(testdata / OWNER_BUNDLE)["conditions"]

        with ws_open(f"{api.ws}/ws", token) as ws:
            asked = client.post("/v1/queries",
                                json={"query": "What's my cholesterol trend over the years?"})
            assert asked.status_code == 202
            query_id = asked.json()["data"]["query_id"]
            ws.send(json.dumps({"type": "subscribe", "query_id": query_id}))
            while True:
                message = recv(ws)
                if message["type"] == "query_complete" and message["query_id"] == query_id:
                    break
        assert message["data"]["status"] == "completed"

        result = client.get(f"/v1/queries/{query_id}")
        assert result.status_code == 200
        data = result.json()["data"]
        assert data["status"] == "completed" and data["synthesis"]["summary"]
        assert message["data"]["has_visualization"] == (data["visualization"] is not None)
        chart = client.get(f"/v1/visualizations/{data['visualization']['component_id']}")
        assert chart.status_code == 200
        assert chart.json()["data"]["query_id"] == query_id
        conversation = client.get(f"/v1/conversations/{data['conversation_id']}").json()["data"]
        assert [q["query_id"] for q in conversation["queries"]] == [query_id]
