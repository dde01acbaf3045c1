"""`queries.stream(id)`: the WebSocket messages of one query, until its query_complete.

The protocol is the insight document's: authenticate with the first message, then
subscribe; the server answers a finished query's subscription with its query_complete
at once, so a stream opened late still ends. Bookkeeping messages (auth_ok,
subscribed, pong) are not yielded; an `error` message raises StreamError.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict
from websockets.asyncio.client import connect as aconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.client.errors import StreamError
from app.client.transport import AsyncDriver, SyncDriver

EVENTS = frozenset({"query_status", "specialist_update", "specialist_complete",
                    "cmo_synthesis", "query_complete"})


class QueryEvent(BaseModel):
    """One progress message: its `type`, the query it is about, and its `data`."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str
    query_id: str
    data: dict[str, Any] = {}


def ws_url(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest + "/ws"


def _opening(token: str, query_id: str) -> list[str]:
    return [json.dumps({"type": "auth", "token": token}),
            json.dumps({"type": "subscribe", "query_id": query_id})]


def _event(raw: str | bytes, query_id: str) -> QueryEvent | None:
    message = json.loads(raw)
    if not isinstance(message, dict):
        return None
    if message.get("type") == "error" and message.get("query_id") in (None, query_id):
        data = message.get("data") or {}
        raise StreamError(400, str(data.get("code", "STREAM_ERROR")), str(data.get("message")))
    if message.get("type") in EVENTS and message.get("query_id") == query_id:
        return QueryEvent.model_validate(message)
    return None


def _closed(query_id: str) -> StreamError:
    return StreamError(0, "STREAM_CLOSED", f"the WebSocket closed before {query_id} completed")


def stream(driver: SyncDriver, query_id: str, *, timeout: float) -> Iterator[QueryEvent]:
    token = driver.ensure_token()
    with connect(ws_url(driver.base_url), open_timeout=timeout) as ws:
        for line in _opening(token, query_id):
            ws.send(line)
        try:
            while True:
                event = _event(ws.recv(timeout=timeout), query_id)
                if event is not None:
                    yield event
                    if event.type == "query_complete":
                        return
        except ConnectionClosed:
            raise _closed(query_id) from None


async def astream(driver: AsyncDriver, query_id: str, *,
                  timeout: float) -> AsyncIterator[QueryEvent]:
    token = await driver.ensure_token()
    async with aconnect(ws_url(driver.base_url), open_timeout=timeout) as ws:
        for line in _opening(token, query_id):
            await ws.send(line)
        try:
            async for raw in ws:
                event = _event(raw, query_id)
                if event is not None:
                    yield event
                    if event.type == "query_complete":
                        return
        except ConnectionClosed:
            pass
        raise _closed(query_id)
