"""Bodies bounded before they are read, hostile origins, headers, WebSocket fan-out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.api.conftest import Api
from tests.api.helpers import recv, ws_open

MB = 1024 * 1024


def _body(total: int) -> Iterator[bytes]:
    chunk = b"[" + b"1," * (MB // 2 - 1) + b"1"
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


def test_unauthenticated_bodies_are_answered_401_unread(api: Api) -> None:
    server = psutil.Process()  # the server runs in this process's thread
    before = server.memory_info().rss
    answers: list[int | str] = []

    def post() -> None:
        try:
            reply = httpx.post(f"{api.base}/v1/queries", content=_body(200 * MB), timeout=60,
                               headers={"Content-Type": "application/json",
                                        "Content-Length": str(200 * MB)})
            answers.append(reply.status_code)
        except httpx.TransportError:
            answers.append("closed")  # the server hung up on the unread rest

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grown = (server.memory_info().rss - before) / MB
    assert set(answers) <= {401, "closed"} and 401 in answers
    assert grown < 50, f"the server grew {grown:.0f} MB"
    unauth = httpx.post(f"{api.base}/v1/queries", json={"query": "x"}, timeout=30)
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == "AUTH_REQUIRED"


def test_json_bodies_are_bounded_while_streaming(api: Api) -> None:
    with api.client("owner") as client:
        declared = client.post("/v1/conversations", content=b"{" + b" " * (2 * MB) + b"}",
                               headers={"Content-Type": "application/json"})
        streamed = client.post("/v1/conversations", content=_body(3 * MB),
                               headers={"Content-Type": "application/json"})  # chunked
        small = client.post("/v1/conversations", json={"title": "fine"})
    for reply in (declared, streamed):
        assert reply.status_code == 413, reply.text
        assert reply.json()["error"]["code"] == "VALIDATION_ERROR"
        assert reply.json()["error"]["details"]["max_bytes"] == MB
    assert small.status_code == 201


def test_origin_null_is_foreign_for_changes(api: Api) -> None:
    with api.client("owner") as client:
        forged = client.post("/v1/conversations", content=json.dumps({"title": "x"}),
                             headers={"Origin": "null", "Content-Type": "text/plain"})
        read = client.get("/v1/conversations", headers={"Origin": "null"})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "PERMISSION_DENIED"
    assert read.status_code == 200


@pytest.mark.parametrize("path", ["/v1/conversations", "/v1/nowhere", "/openapi.json"])
def test_every_response_is_not_cached_nor_sniffed(api: Api, path: str) -> None:
    with api.client("owner") as client:
        reply = client.get(path)
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_at_most_20_websockets_per_user(api: Api) -> None:
    token = api.token("other")
    opened = [ws_open(f"{api.ws}/ws", token) for _ in range(20)]
    sockets = [cm.__enter__() for cm in opened]
    try:
        with connect(f"{api.ws}/ws", open_timeout=10) as extra:
            extra.send(json.dumps({"type": "auth", "token": token}))
            error = recv(extra, timeout=30)
            with pytest.raises(ConnectionClosed) as closed:
                extra.recv(timeout=30)
        sockets[0].send(json.dumps({"type": "ping"}))
        assert recv(sockets[0])["type"] == "pong"  # the twenty still work
    finally:
        for cm in opened:
            cm.__exit__(None, None, None)
    assert error["type"] == "error" and error["data"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "at most 20" in closed.value.rcvd.reason
    with ws_open(f"{api.ws}/ws", token) as again:  # a slot is free once one closed
        again.send(json.dumps({"type": "ping"}))
        assert recv(again)["type"] == "pong"


def test_a_request_that_changes_something_checks_its_token_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard checks the token before the body is read; the route's dependency takes
    the principal it found instead of checking the same token again. A read (which the
    guard lets through unchecked) is checked once, by the dependency."""
    auth = api.ctx.auth
    checked: list[str] = []
    real = auth.authenticate

    def counting(token: str, **where: object) -> object:
        checked.append(token)
        return real(token, **where)

    monkeypatch.setattr(auth, "authenticate", counting)
    with api.client("owner") as client:
        made = client.post("/v1/conversations", json={"title": "once"})
        assert made.status_code == 201, made.text
        assert len(checked) == 1
        assert client.get("/v1/conversations").status_code == 200
        assert len(checked) == 2
    refused = httpx.post(f"{api.base}/v1/conversations", json={"title": "x"}, timeout=30,
                         headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and len(checked) == 3


def test_forwarded_headers_do_not_make_a_new_client(own_api) -> None:
    """The loopback server has no proxy in front of it: an X-Forwarded-For that any local
    program can send must not give it a fresh budget (or another client address)."""
    api = own_api(rate_general=(3, 900))
    with api.client() as client:
        replies = [client.get("/v1/no-such-path", headers={"X-Forwarded-For": f"10.0.0.{n}"})
                   for n in range(4)]
    assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["2", "1", "0", "0"]
