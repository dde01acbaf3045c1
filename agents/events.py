"""One in-process event bus for a query's progress (the WebSocket and the UI both read it).

Events are plain dicts shaped exactly like the insight API's WebSocket messages:
``{"type": ..., "query_id": ..., "data": {...}}`` with types ``query_status``,
``specialist_update``, ``specialist_complete``, ``cmo_synthesis`` and ``query_complete``.
Callbacks run on the publisher's thread, so they must hand work off and return quickly;
a failing subscriber is logged and never stops the query or the other subscribers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Event = dict[str, Any]
Callback = Callable[[Event], None]

EVENT_TYPES = (
    "query_status",
    "specialist_update",
    "specialist_complete",
    "cmo_synthesis",
    "query_complete",
    "slot_freed",  # scheduling: a cancelled or moved appointment freed a slot (waitlist)
)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Callback] = []

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Register `callback` for every event; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        if event.get("type") not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event.get('type')!r}")
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception as exc:  # a broken listener must not break the query
                # Type only: an exception message could quote patient data.
                log.error("event subscriber failed on %s: %s", event.get("type"),
                          type(exc).__name__)
