"""The WebSocket: auth first, subscriptions, event order, late subscribers, slow clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.api.hub import Client, Hub
from app.services.auth import Principal
from tests.api.conftest import Api
from tests.api.helpers import PHASES, recv, until_complete, ws_open


@pytest.mark.parametrize("first", [
    {"type": "subscribe", "query_id": "qry_x"},
    {"type": "auth"},
    "not json",
])
def test_first_message_must_be_auth(api: Api, first: Any) -> None:
    with connect(f"{api.ws}/ws", open_timeout=10) as ws:
        ws.send(first if isinstance(first, str) else json.dumps(first))
        error = recv(ws)
        assert error["type"] == "error" and error["data"]["code"] == "AUTH_REQUIRED"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_events_arrive_in_phase_order(api: Api, owner_import: dict[str, Any]) -> None:
    with api.client("owner") as client:
        submitted = client.post("/v1/queries", json={
            "query": "Compare my cholesterol and blood pressure over the years"}).json()["data"]
    with ws_open(submitted["websocket_channel"], api.token("owner")) as ws:
        messages = until_complete(ws, submitted["query_id"])
    kinds = [m["type"] for m in messages]
    assert kinds.count("query_complete") == 1 and kinds[-1] == "query_complete"
    assert set(kinds) <= set(PHASES) | {"subscribed"}
    # phases never go back: no specialist news after the synthesis began, no update of a
    # specialist after it completed, progress never decreases (we may join mid-run)
    if "cmo_synthesis" in kinds:
        later = kinds[kinds.index("cmo_synthesis"):]
        assert not {"specialist_update", "specialist_complete"} & set(later)
    finished: set[str] = set()
    progress = 0.0
    for message in messages:
        data = message.get("data", {})
        if message["type"] == "specialist_complete":
            finished.add(data["specialist"])
        elif message["type"] == "specialist_update":
            assert data["specialist"] not in finished
        elif message["type"] == "query_status":
            assert data["progress"] >= progress
            progress = data["progress"]
    complete = messages[-1]["data"]
    assert complete["status"] == "completed"
    assert complete["redirect_url"].endswith(submitted["query_id"])


def test_subscribing_to_a_finished_query_sends_its_completion_at_once(
        api: Api, owner_query: dict[str, Any]) -> None:
    query_id = owner_query["query_id"]
    with ws_open(f"{api.ws}/ws", api.token("owner")) as ws:
        ws.send(json.dumps({"type": "subscribe", "query_id": query_id}))
        assert recv(ws) == {"type": "subscribed", "query_id": query_id,
                            "data": {"status": "completed"}}
        complete = recv(ws)
        assert complete["type"] == "query_complete" and complete["query_id"] == query_id
        assert complete["data"]["status"] == "completed"
        assert complete["data"]["has_visualization"] is True
        ws.send(json.dumps({"type": "unsubscribe", "query_id": query_id}))
        assert recv(ws)["type"] == "unsubscribed"
        ws.send(json.dumps({"type": "dance"}))
        assert recv(ws)["data"]["code"] == "VALIDATION_ERROR"
        ws.send(json.dumps({"type": "ping"}))
        assert recv(ws) == {"type": "pong"}


def test_only_the_owner_may_subscribe(api: Api, owner_query: dict[str, Any]) -> None:
    with ws_open(f"{api.ws}/ws", api.token("other")) as ws:
        ws.send(json.dumps({"type": "subscribe", "query_id": owner_query["query_id"]}))
        error = recv(ws)
    assert error["type"] == "error" and error["data"]["code"] == "NOT_FOUND"


def test_non_local_origin_cannot_open_a_socket(api: Api) -> None:
    with pytest.raises(Exception):  # noqa: B017 (any refusal of the handshake)
        connect(f"{api.ws}/ws", open_timeout=10, origin="http://evil.example")


def test_a_slow_client_is_cut_off_and_never_blocks_the_publisher(api: Api) -> None:
    loop = asyncio.new_event_loop()
    hub = Hub(api.ctx)
    principal = Principal("usr_x", "x@example.org", None, False, "access")
    client = Client(principal, loop, queue_size=3)
    hub.add(client, "qry_slow")
    # nobody drains the queue: publishing from a worker thread must still return
    publisher = threading.Thread(target=lambda: [hub._on_event(
        {"type": "specialist_update", "query_id": "qry_slow", "data": {"n": n}})
        for n in range(50)])
    publisher.start()
    publisher.join(timeout=30)
    assert not publisher.is_alive()
    loop.run_until_complete(asyncio.sleep(0))  # run the handed-off offers
    assert client.too_slow.is_set()
    assert client.queue.qsize() == 3
    loop.close()


def test_many_clients_follow_the_same_query(api: Api, owner_import: dict[str, Any]) -> None:
    from contextlib import ExitStack

    token = api.token("owner")
    with ExitStack() as stack:
        sockets = [stack.enter_context(ws_open(f"{api.ws}/ws", token)) for _ in range(8)]
        with api.client("owner") as client:
            query_id = client.post("/v1/queries", json={
                "query": "How has my weight changed?"}).json()["data"]["query_id"]
        for ws in sockets:
            ws.send(json.dumps({"type": "subscribe", "query_id": query_id}))
        endings = [until_complete(ws, query_id)[-1] for ws in sockets]
    assert all(e["type"] == "query_complete" for e in endings)
    assert len({json.dumps(e["data"], sort_keys=True) for e in endings}) == 1
    hub = api.server.app.state.hub
    deadline = time.monotonic() + 30  # closing is asynchronous on the server's side
    while hub.subscriber_count(query_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.subscriber_count(query_id) == 0  # every client dropped when it left


def test_a_client_leaving_before_auth_is_no_error(api: Api, caplog) -> None:
    with connect(f"{api.ws}/ws?token=in-the-url", open_timeout=10):
        pass  # closes without a word
    with ws_open(f"{api.ws}/ws", api.token("owner")) as ws:  # the server is still fine
        ws.send(json.dumps({"type": "ping"}))
        assert recv(ws) == {"type": "pong"}
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
