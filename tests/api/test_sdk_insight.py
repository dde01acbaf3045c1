"""The SDK's insight half against a real loopback server: import, ask, stream, read back,
conversations, charts, the team, 429 retries, and the async client."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.client import AsyncHealthInsightClient, ClientError, HealthInsightClient
from tests.api.conftest import OTHER_BUNDLE, PASSWORD, USERS, Api
from tests.api.helpers import PHASES, raw_counts


def _client(api: Api, who: str = "owner", **kwargs: Any) -> HealthInsightClient:
    return HealthInsightClient(api.base, email=USERS[who][0], password=PASSWORD, **kwargs)


def test_import_ask_stream_and_read_back(own_api: Callable[..., Api], testdata: Path) -> None:
    api = own_api()
    bundle = testdata / OTHER_BUNDLE
    with _client(api) as hi:
        done = hi.health_data.import_files([bundle], wait=True)
        assert done.status == "completed"
        assert done.summary is not None
        for table, count in raw_counts(bundle).items():
            assert done.summary.records_by_type[table] == count, table

        submitted = hi.queries.create(query="What's my cholesterol trend?")
        assert submitted.status == "processing"
        events = list(hi.queries.stream(submitted.query_id))
        kinds = [event.type for event in events]
        # a fast offline run may finish before the subscription: then only its end comes
        assert kinds[-1] == "query_complete" and kinds.count("query_complete") == 1
        assert set(kinds) <= set(PHASES)
        assert all(event.query_id == submitted.query_id for event in events)

        result = hi.queries.get(submitted.query_id)
        assert result.status == "completed" and result.synthesis is not None
        assert result.visualization is not None
        chart = hi.visualizations.get(result.visualization.component_id)
        assert chart.query_id == submitted.query_id and chart.figure

        page = hi.conversations.list()
        assert submitted.conversation_id in [c.id for c in page.conversations]
        detail = hi.conversations.get(str(submitted.conversation_id))
        assert [q.query_id for q in detail.queries] == [submitted.query_id]
        made = hi.conversations.create(title="Heart health")
        assert made.title == "Heart health"
        assert page.pagination.total + 1 == hi.conversations.list().pagination.total


def test_errors_come_back_as_client_errors(api: Api, tmp_path: Path) -> None:
    with _client(api) as hi:
        with pytest.raises(ClientError) as missing:
            hi.queries.get("qry_0000000000000000")
        with pytest.raises(FileNotFoundError):
            hi.health_data.import_files([tmp_path / "absent.json"])
    assert missing.value.status == 404 and missing.value.code == "NOT_FOUND"
    assert missing.value.request_id
    with HealthInsightClient(api.base, email=USERS["owner"][0], password="wrong password") as hi:
        with pytest.raises(ClientError) as refused:
            hi.specialists()
    assert refused.value.status == 401


def test_a_token_works_and_the_team_is_listed(api: Api) -> None:
    with HealthInsightClient(api.base, token=api.token("owner")) as hi:
        team = hi.specialists()
    assert "cardiology" in [s.id for s in team]
    assert all(s.name and s.specialty for s in team)


def test_429_waits_for_the_reset_and_tries_again(own_api: Callable[..., Api]) -> None:
    api = own_api(rate_general=(1, 2))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with _client(api, sleep=sleep) as hi:
        answers = [hi.specialists() for _ in range(3)]
    assert all(answers) and waits
    assert all(0 < wait <= 3.1 for wait in waits)  # the reset is a whole epoch second
    with _client(api, "other", max_retries=0) as hi:  # a budget of its own
        hi.specialists()
        with pytest.raises(ClientError) as limited:
            hi.specialists()
    assert limited.value.status == 429 and limited.value.code == "RATE_LIMIT_EXCEEDED"


@pytest.mark.asyncio
async def test_async_client(api: Api, owner_query: dict[str, Any]) -> None:
    async with AsyncHealthInsightClient(api.base, email=USERS["owner"][0],
                                        password=PASSWORD) as hi:
        team = await hi.specialists()
        result = await hi.queries.get(owner_query["query_id"])
        events = [event async for event in hi.queries.stream(owner_query["query_id"])]
        page = await hi.conversations.list(limit=100)
    assert {s.id for s in team} >= {"cardiology"}
    assert result.synthesis is not None
    assert result.synthesis.model_dump(mode="json") == owner_query["synthesis"]
    assert [e.type for e in events] == ["query_complete"]
    assert owner_query["conversation_id"] in [c.id for c in page.conversations]
