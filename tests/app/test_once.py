"""Once: concurrent misses of one key load it once; the others wait for that load and
take what it kept; a failed load is tried again by the next."""

from __future__ import annotations

import threading

import pytest

from app.services.clinic.once import Once


def test_concurrent_misses_load_once_and_share_the_value() -> None:
    once = Once()
    kept: dict[str, int] = {}
    looked = threading.Condition()
    lookups = 0
    loads = 0

    def lookup() -> tuple[bool, int | None]:
        nonlocal lookups
        with looked:
            lookups += 1
            looked.notify_all()
        return "k" in kept, kept.get("k")

    def load() -> int:
        nonlocal loads
        loads += 1
        with looked:  # every other thread has missed and found the load under way
            looked.wait_for(lambda: lookups >= 8)
        with once.lock:
            kept["k"] = 42
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(once.get("k", lookup, load)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == [42] * 8
    assert loads == 1


def test_a_failed_load_is_tried_again() -> None:
    once = Once()
    attempts = 0

    def load() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("the vault is busy")
        return 7

    with pytest.raises(RuntimeError):
        once.get("k", lambda: (False, None), load)
    assert once.get("k", lambda: (False, None), load) == 7
