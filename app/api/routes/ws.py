"""The WebSocket: /ws, and /ws/queries/{id} (the channel POST /v1/queries names).

Protocol: the first message must be {"type": "auth", "token": ...}, else the server
sends an error and closes (1008). Then {"type": "subscribe"|"unsubscribe",
"query_id": ...}. Only a query's owner may subscribe; subscribing to a finished query
sends its query_complete at once. The server also answers "auth_ok", "subscribed",
"unsubscribed", "pong" and "error" messages so scripts know where they stand.
A user holds at most MAX_PER_USER connections at once: the next one gets an error
message and is closed with 1008 and a reason that says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.api.deps import api_router
from app.api.hub import FINISHED, Client, Hub, completion_message
from app.context import AppContext
from app.services.auth import Principal
from app.services.tokens import AuthFailed

router = api_router()

AUTH_TIMEOUT = 10.0
SEND_TIMEOUT = 10.0
MAX_SUBSCRIPTIONS = 100
MAX_PER_USER = 20
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


def _error(code: str, message: str, query_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "data": {"code": code, "message": message}}
    if query_id is not None:
        body["query_id"] = query_id
    return body


async def _refuse(websocket: WebSocket, code: str, message: str) -> None:
    await websocket.send_json(_error(code, message))
    await websocket.close(POLICY_VIOLATION, reason=message[:120])


async def _authenticate(websocket: WebSocket, ctx: AppContext) -> Principal | None:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT)
    except TimeoutError:
        await _refuse(websocket, "AUTH_REQUIRED", "authenticate first: send "
                      '{"type": "auth", "token": "..."}')
        return None
    try:
        message = json.loads(raw)
    except ValueError:
        message = None
    token = message.get("token") if isinstance(message, dict) else None
    if not isinstance(message, dict) or message.get("type") != "auth" or not token:
        await _refuse(websocket, "AUTH_REQUIRED", "the first message must be "
                      '{"type": "auth", "token": "..."}')
        return None
    try:
        return ctx.auth.authenticate(str(token), channel="websocket")
    except AuthFailed as exc:
        await _refuse(websocket, "AUTH_EXPIRED" if exc.reason == "expired" else "AUTH_INVALID",
                      exc.message)
        return None


async def _subscribe(client: Client, hub: Hub, ctx: AppContext, query_id: str) -> None:
    if query_id not in client.subscriptions and len(client.subscriptions) >= MAX_SUBSCRIPTIONS:
        client.offer(_error("VALIDATION_ERROR", "too many subscriptions", query_id))
        return
    hub.add(client, query_id)  # before reading the status, so no event falls between
    query = await run_in_threadpool(ctx.queries.get, query_id,
                                    owner_id=client.principal.owner_key)
    if query is None:
        hub.remove(client, query_id)
        client.offer(_error("NOT_FOUND", "no such query", query_id))
        return
    client.subscriptions.add(query_id)
    client.offer({"type": "subscribed", "query_id": query_id,
                  "data": {"status": query.status}})
    if query.status in FINISHED:
        client.offer(completion_message(query))


async def _receive(websocket: WebSocket, client: Client, hub: Hub, ctx: AppContext) -> None:
    while True:
        raw = await websocket.receive_text()
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            client.offer(_error("VALIDATION_ERROR", "messages are JSON objects with a type"))
            continue
        kind, query_id = message.get("type"), message.get("query_id")
        if kind == "ping":
            client.offer({"type": "pong"})
        elif kind in ("subscribe", "unsubscribe") and isinstance(query_id, str) and query_id:
            if kind == "subscribe":
                await _subscribe(client, hub, ctx, query_id)
            else:
                hub.remove(client, query_id)
                client.subscriptions.discard(query_id)
                client.offer({"type": "unsubscribed", "query_id": query_id})
        else:
            client.offer(_error("VALIDATION_ERROR", "expected subscribe or unsubscribe with "
                                "a query_id"))


async def _send(websocket: WebSocket, client: Client) -> None:
    """The connection's only writer: drains the outbox, closes a client too slow for it."""
    slow = asyncio.ensure_future(client.too_slow.wait())
    try:
        while True:
            getter = asyncio.ensure_future(client.queue.get())
            try:
                await asyncio.wait({getter, slow}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not getter.done():
                    getter.cancel()
            if slow.done():
                await websocket.close(TRY_AGAIN_LATER, reason="client too slow; events dropped")
                return
            try:  # a client that stops reading must not hold its sender forever
                await asyncio.wait_for(websocket.send_json(getter.result()), SEND_TIMEOUT)
            except TimeoutError:
                client.too_slow.set()
    finally:
        slow.cancel()


async def session(websocket: WebSocket, query_id: str | None) -> None:
    ctx: AppContext = websocket.app.state.ctx
    hub: Hub = websocket.app.state.hub
    await websocket.accept()
    try:
        principal = await _authenticate(websocket, ctx)
    except WebSocketDisconnect:  # the client left before authenticating
        return
    if principal is None:
        return
    open_now: dict[str, int] = websocket.app.state.ws_connections  # the event loop's alone
    if open_now.get(principal.user_id, 0) >= MAX_PER_USER:
        await _refuse(websocket, "RATE_LIMIT_EXCEEDED", f"too many connections: at most "
                      f"{MAX_PER_USER} WebSocket connections per user")
        return
    open_now[principal.user_id] = open_now.get(principal.user_id, 0) + 1
    try:
        await _serve(websocket, principal, hub, ctx, query_id)
    finally:
        open_now[principal.user_id] -= 1
        if not open_now[principal.user_id]:
            del open_now[principal.user_id]


async def _serve(websocket: WebSocket, principal: Principal, hub: Hub, ctx: AppContext,
                 query_id: str | None) -> None:
    client = Client(principal, asyncio.get_running_loop())
    client.offer({"type": "auth_ok", "data": {"user_id": principal.user_id}})
    if query_id is not None:
        await _subscribe(client, hub, ctx, query_id)
    tasks = {asyncio.ensure_future(_receive(websocket, client, hub, ctx)),
             asyncio.ensure_future(_send(websocket, client))}
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
                raise exc
    finally:
        hub.drop(client)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await websocket.close()


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    await session(websocket, None)


@router.websocket("/ws/queries/{query_id}")
async def query_events(websocket: WebSocket, query_id: str) -> None:
    await session(websocket, query_id)
