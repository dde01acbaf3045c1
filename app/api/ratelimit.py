"""In-memory fixed-window rate limits, per (category, key).

A key is a user id (or an organization id for the clinic API, an email for logins).
Fixed windows are cheap and give the `X-RateLimit-Reset` the document describes: the
epoch second when the current window ends. The counts live in this process only,
which is right for a loopback server that is the vault's single user.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from app.settings import Settings


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the window ends
    allowed: bool

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"x-ratelimit-limit", str(self.limit).encode()),
                (b"x-ratelimit-remaining", str(self.remaining).encode()),
                (b"x-ratelimit-reset", str(self.reset).encode())]


class RateLimiter:
    CATEGORIES = ("auth", "queries", "import", "general", "clinic")

    def __init__(self, settings: Settings) -> None:
        self._rules: dict[str, tuple[int, int]] = {
            name: tuple(getattr(settings, f"rate_{name}")) for name in self.CATEGORIES}
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.time() + 60

    def hit(self, category: str, key: str) -> RateState:
        """Count one request; `allowed` is False once the window's budget is spent."""
        limit, window = self._rules[category]
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            start, count = self._windows.get((category, key), (now, 0))
            if now >= start + window:
                start, count = now, 0
            allowed = count < limit
            if allowed:
                count += 1
            self._windows[(category, key)] = (start, count)
        return RateState(limit=limit, remaining=max(limit - count, 0),
                         reset=int(start + window + 0.999), allowed=allowed)

    def _sweep(self, now: float) -> None:
        """Forget windows that have ended so memory stays bounded."""
        self._next_sweep = now + 60
        for bucket, (start, _) in list(self._windows.items()):
            if now >= start + self._rules[bucket[0]][1]:
                del self._windows[bucket]
