"""Refused tokens as security events, written at a bounded rate.

Every bad token (malformed, forged, expired, of the wrong type, revoked, of an ended
session, of a user who is gone) is worth knowing about, but each refusal costs the
attacker one request: written one row per refusal, a flood would grow the vault
without bound. So a refusal is counted under its key (why, which organization, whose
token) and written at most once per key per `every` seconds, and at most `cap` rows
are written per `every` seconds in all. A written event carries `count`: the refusals
of its key since its last event, this one included, so nothing goes uncounted while a
key keeps recurring. Keys are bounded by what exists: the organization is only named
when it exists, the user only when the token's signature was good.

An event holds no token, no claim and no path (a path can name a patient): only the
reason, the channel (http, websocket, refresh), the count and the request id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

EVENT_KIND = "invalid_token"


@dataclass(frozen=True)
class Refused:
    """One refused token, as far as it may be told."""

    refusal: str
    channel: str
    organization_id: str | None = None
    user_id: str | None = None
    request_id: str | None = None


Writer = Callable[[Refused, int], None]  # (the refusal, how many it stands for)


class RefusalLog:
    def __init__(self, write: Writer, *, every: float = 60.0, cap: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._every = every
        self._cap = cap
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str | None, str | None], int] = {}
        self._last: dict[tuple[str, str | None, str | None], float] = {}
        self._window_start = clock()
        self._written = 0

    def refused(self, event: Refused) -> bool:
        """Count `event`; write it now if its key and the window allow (True if so)."""
        key = (event.refusal, event.organization_id, event.user_id)
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self._every:
                self._window_start, self._written = now, 0
            count = self._pending.get(key, 0) + 1
            last = self._last.get(key)
            due = last is None or now - last >= self._every
            if not due or self._written >= self._cap:
                self._pending[key] = count
                return False
            self._pending[key] = 0
            self._last[key] = now
            self._written += 1
        self._write(event, count)
        return True
