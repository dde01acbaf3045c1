"""While the UI runs, reference cycles are collected on the Qt thread by a timer."""

from __future__ import annotations

import gc
import threading
import weakref

from ui.collector import MainThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_owns_collection_and_frees_cycles_on_the_qt_thread(qtbot):
    gc.enable()
    collector = MainThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()  # workers can no longer trigger a collection
        freed: list[int] = []
        cycle = _Cycle()
        weakref.finalize(cycle, lambda: freed.append(threading.get_ident()))
        del cycle
        threading.Thread(target=lambda: [[] for _ in range(50_000)]).start()  # worker churn
        junk = [[] for _ in range(gc.get_threshold()[0] * 2)]  # past generation 0's threshold
        qtbot.waitUntil(lambda: bool(freed), timeout=5000)
        assert freed == [threading.get_ident()]
        del junk
    finally:
        collector.stop()
    assert gc.isenabled()  # handed back as it was found
    gc.disable()  # the UI test package keeps collection on the Qt thread
