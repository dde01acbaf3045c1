"""Fan-out of query events from the bus to WebSocket clients.

The hub is the bus's only API listener. Bus callbacks run on the team's worker
threads, so the hub only looks up who subscribed to the event's query and hands the
event to each client's event loop with `call_soon_threadsafe`; it never awaits and
never blocks the publisher. Each client has a bounded queue: a client too slow to
drain it is cut off (closed with 1013) rather than buffered without end.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from app.context import AppContext
from app.services.auth import Principal
from app.services.query_views import QueryResult

QUEUE_SIZE = 256
FINISHED = ("completed", "failed", "cancelled")


class Client:
    """One WebSocket connection's outbox; all its methods run on its event loop."""

    def __init__(self, principal: Principal, loop: asyncio.AbstractEventLoop,
                 queue_size: int = QUEUE_SIZE) -> None:
        self.principal = principal
        self.loop = loop
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(queue_size)
        self.too_slow = asyncio.Event()
        self.subscriptions: set[str] = set()
        self._completed: set[str] = set()

    def offer(self, message: dict[str, Any]) -> None:
        """Queue a message; a full queue marks the client too slow (it will be closed)."""
        if self.too_slow.is_set():
            return
        if message.get("type") == "query_complete":
            query_id = str(message.get("query_id"))
            if query_id in self._completed:  # already sent when it subscribed
                return
            self._completed.add(query_id)
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.too_slow.set()


class Hub:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Client]] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self._ctx.bus.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def add(self, client: Client, query_id: str) -> None:
        with self._lock:
            self._subscribers.setdefault(query_id, set()).add(client)

    def remove(self, client: Client, query_id: str) -> None:
        with self._lock:
            clients = self._subscribers.get(query_id)
            if clients is not None:
                clients.discard(client)
                if not clients:
                    del self._subscribers[query_id]

    def drop(self, client: Client) -> None:
        with self._lock:
            for query_id in [q for q, c in self._subscribers.items() if client in c]:
                self._subscribers[query_id].discard(client)
                if not self._subscribers[query_id]:
                    del self._subscribers[query_id]

    def subscriber_count(self, query_id: str) -> int:
        with self._lock:
            return len(self._subscribers.get(query_id, ()))

    def _on_event(self, event: dict[str, Any]) -> None:
        """Runs on the publisher's thread: hand off and return at once."""
        with self._lock:
            clients = list(self._subscribers.get(str(event.get("query_id")), ()))
        for client in clients:
            try:
                client.loop.call_soon_threadsafe(client.offer, event)
            except RuntimeError:  # its loop has closed: the connection is gone
                self.drop(client)


def completion_message(query: QueryResult) -> dict[str, Any]:
    """The query_complete a late subscriber gets for a query that has already finished."""
    summary = query.synthesis.summary if query.synthesis else None
    return {"type": "query_complete", "query_id": query.query_id,
            "data": {"status": query.status,
                     "summary": summary or query.error or f"Query {query.status}",
                     "has_visualization": query.visualization is not None,
                     "redirect_url": f"/queries/{query.query_id}"}}
