"""One load at a time per key, for the clinic's in-memory caches: requests that miss an
entry while it is being loaded wait for that load and then look again, instead of each
reading the same rows (fifty clients arriving at once on a cold server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Once:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # the cache's own lock: `lookup` runs under it
        self._loading: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, lookup: Callable[[], tuple[bool, T]],
            load: Callable[[], T]) -> T:
        """`lookup()` (under `lock`): (found, value); when not found and nobody loads
        `key`, `load()` here, else wait for that load and look again (the value it got
        may not have been kept: a write made it stale, or the load failed)."""
        while True:
            with self.lock:
                found, value = lookup()
                if found:
                    return value
                loading = self._loading.get(key)
                if loading is None:
                    loading = self._loading[key] = threading.Event()
                    break
            loading.wait()
        try:
            return load()
        finally:
            with self.lock:
                del self._loading[key]
            loading.set()
