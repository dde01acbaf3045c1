"""One query budget on every path and across restarts; sessions that end whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.server import ApiServer
from app.context import AppContext
from app.services.errors import RateLimited
from storage.vault import Vault
from tests.api.conftest import OWNER_BUNDLE, PASSWORD, USERS, Api, _import, api_settings
from tests.conftest import PASSPHRASE


def _restarted(api: Api, **overrides: object) -> Api:
    """The same vault under a new server process state (budgets in memory are gone)."""
    home = api.ctx.settings.home
    api.close()
    ctx = AppContext(api_settings(home, **overrides), Vault.open(home, passphrase=PASSPHRASE))
    server = ApiServer(ctx, "127.0.0.1", 0)
    server.start()
    return Api(server, ctx)


def test_one_query_budget_everywhere_and_across_a_restart(own_api: Callable[..., Api],
                                                          testdata: Path) -> None:
    api = own_api(rate_queries=(3, 3600))
    _import(api, "owner", testdata / OWNER_BUNDLE)
    with api.client("owner") as client:
        assert client.post("/v1/queries", json={"query": " "}).status_code == 400
        assert client.post("/v1/queries", json={"query": "cholesterol?",
                                                "conversation_id": "conv_nope"}
                           ).status_code == 404  # refused submissions cost nothing
        first = client.post("/v1/queries", json={"query": "What's my cholesterol trend?"})
        assert first.status_code == 202, first.text
        assert first.headers["x-ratelimit-remaining"] == "2"
        assert client.post("/v1/conversations", json={"first_query": "And my LDL?"}
                           ).status_code == 201
    api.ctx.queries.submit("My blood pressure?")  # the desktop's and the CLI's path
    with api.client("owner") as client:
        spent = client.post("/v1/queries", json={"query": "And HDL?"})
        before = client.get("/v1/conversations").json()["data"]
        via_conversation = client.post("/v1/conversations", json={"first_query": "HDL?"})
        after = client.get("/v1/conversations").json()["data"]
    assert spent.status_code == 429 and spent.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert int(spent.headers["retry-after"]) > 0 and spent.headers["x-ratelimit-remaining"] == "0"
    assert via_conversation.status_code == 429
    assert before == after  # no conversation was made for the refused question
    with pytest.raises(RateLimited):
        api.ctx.queries.submit("Anything else?")
    for query_id in api.ctx.queries.runs.query_ids():  # let the runs end before the restart
        api.ctx.queries.runs.wait(query_id, 240)
    again = _restarted(api, rate_queries=(3, 3600))
    try:
        with again.client("owner") as client:
            assert client.post("/v1/queries", json={"query": "HDL?"}).status_code == 429
    finally:
        again.close()


def test_a_login_lockout_survives_a_restart(own_api: Callable[..., Api]) -> None:
    api = own_api(login_lock_after=2)
    email = USERS["other"][0]
    for _ in range(2):
        httpx.post(f"{api.base}/v1/auth/login", json={"email": email, "password": "wrong!!!"},
                   timeout=30)
    again = _restarted(api, login_lock_after=2)
    try:
        reply = httpx.post(f"{again.base}/v1/auth/login", timeout=30,
                           json={"email": email, "password": PASSWORD})
    finally:
        again.close()
    assert reply.status_code == 401 and "locked" in reply.json()["error"]["message"]


def test_reusing_a_refresh_token_ends_every_access_token_of_its_session(api: Api) -> None:
    email = USERS["other"][0]
    with httpx.Client(base_url=api.base, timeout=30) as client:
        first = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}
                            ).json()["data"]
        other_session = client.post("/v1/auth/login", json={"email": email,
                                                              "password": PASSWORD}
                                    ).json()["data"]
        second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
                             ).json()["data"]

        def status(token: str) -> int:
            return client.get("/v1/conversations",
                              headers={"Authorization": f"Bearer {token}"}).status_code

        assert status(first["access_token"]) == 200 and status(second["access_token"]) == 200
        reused = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401
        ended = [status(first["access_token"]), status(second["access_token"])]
        untouched = status(other_session["access_token"])
    assert ended == [401, 401]
    assert untouched == 200  # another session of the same user goes on
