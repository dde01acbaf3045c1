"""One plain ASGI middleware for what every response shares (cheaper than Starlette's
BaseHTTPMiddleware): a request id, the local-only Host/Origin guard, the X-API-Version,
X-RateLimit-* and deprecation headers, the vault's reader mark, and the answer to
unexpected exceptions: 503 SERVICE_UNAVAILABLE with Retry-After when DuckDB ran out of
memory (a moment's overload: the same request will work shortly), else 500.

Every HTTP request is a reader of the vault while it is answered (storage/bounds.py):
an import's memory bound never applies to it, also where a route reads with a plain
cursor (the patient check before a question, record listings) rather than a pooled
connection, which marks itself. A WebSocket is not: it lives for hours, and the
import would then never be bounded; what it reads goes through pooled connections.

A loopback server must refuse requests whose Host or Origin names another site: a web
page could otherwise reach it through DNS rebinding. Routes that rate-limit leave their
RateState in the request state; responses that passed no limiter (docs, unknown
paths, failed auth) count against the client's general budget so the headers are
always there. Unexpected exceptions are logged and answered 500 INTERNAL_ERROR with no
internals here, not by Starlette's outer handler, so the connection stays usable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.envelopes import API_VERSION, new_request_id
from app.api.errors import ApiError, rendered
from app.api.ratelimit import RateLimiter
from storage.errors import out_of_memory

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
RETRY_AFTER = 2  # seconds, after an out-of-memory answer


def _hostname(value: str) -> str:
    return (urlsplit("//" + value).hostname or "").lower()


SECURITY_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]


def is_local_request(headers: dict[bytes, bytes]) -> bool:
    host = headers.get(b"host", b"").decode("latin-1")
    if _hostname(host) not in LOCAL_HOSTS:
        return False
    origin = headers.get(b"origin")
    if origin is None or origin == b"null":
        return True
    return (urlsplit(origin.decode("latin-1")).hostname or "").lower() in LOCAL_HOSTS


class PlatformMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, local_only: bool,
                 reading: Callable[[], AbstractContextManager[None]]) -> None:
        self.app = app
        self.limiter = limiter
        self.local_only = local_only
        self.reading = reading  # the vault's reader mark (Vault.reading)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = rid = new_request_id()
        if self.local_only and not is_local_request(dict(scope["headers"])):
            await self._refuse(scope, send, rid)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", [])
                           if h[0].lower() not in (b"cache-control", b"x-content-type-options")]
                headers.extend(SECURITY_HEADERS)  # health data: never cached, never sniffed
                headers.append((b"x-api-version", API_VERSION.encode()))
                headers.append((b"x-request-id", rid.encode()))
                rate = state.get("rate")
                if rate is None:
                    client = scope.get("client") or ("local", 0)
                    rate = self.limiter.hit("general", f"ip:{client[0]}")
                headers.extend(rate.headers())
                deprecation = state.get("deprecation")
                if deprecation is not None:
                    headers.append((b"x-api-deprecation-date", deprecation[0].encode()))
                    headers.append((b"x-api-deprecation-info", deprecation[1].encode()))
                message["headers"] = headers
            await send(message)

        try:
            with self.reading():
                await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:
                raise
            if out_of_memory(exc):
                log.warning("out of memory on %s %s (request %s)", scope["method"],
                            scope["path"], rid)
                err = ApiError(503, "SERVICE_UNAVAILABLE", "the vault is busy right now; "
                               "try again in a moment", {"retry_after": RETRY_AFTER})
                status, body = rendered(scope["path"], rid, err)
                await send_json(send_with_headers, status, body,
                                 [(b"retry-after", str(RETRY_AFTER).encode())])
                return
            log.error("unhandled error on %s %s (request %s)", scope["method"], scope["path"],
                      rid, exc_info=exc)
            err = ApiError(500, "INTERNAL_ERROR", "internal error", {"request_id": rid})
            status, body = rendered(scope["path"], rid, err)
            await send_json(send_with_headers, status, body)

    async def _refuse(self, scope: Scope, send: Send, rid: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008,
                        "reason": "non-local Host or Origin"})
            return
        err = ApiError(403, "PERMISSION_DENIED",
                       "this server only answers requests addressed to the local machine")
        status, body = rendered(scope["path"], rid, err)
        client = scope.get("client") or ("local", 0)
        rate = self.limiter.hit("general", f"ip:{client[0]}")
        await send_json(send, status, body, [*SECURITY_HEADERS,
                                             (b"x-api-version", API_VERSION.encode()),
                                              (b"x-request-id", rid.encode()),
                                              *rate.headers()])


async def send_json(send: Send, status: int, body: dict[str, Any],
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": raw})
