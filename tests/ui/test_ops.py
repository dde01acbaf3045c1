"""ui.ops runs work off the Qt thread and delivers results on it."""

from __future__ import annotations

import threading

import pytest

from ui import ops
from ui.ops import Op
from ui.qt import QApplication, QThread, QWidget


def test_success_runs_work_on_a_worker_and_delivers_on_the_ui_thread(qtbot):
    ui_thread = threading.get_ident()
    qt_main = QApplication.instance().thread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work_thread"] = threading.get_ident()
        seen["work_is_qt_main"] = QThread.currentThread() is qt_main
        return 6 * 7

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.get_ident()

    Op(work).success(done).run_in_background()
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["work_thread"] != ui_thread
    assert seen["work_is_qt_main"] is False
    assert seen["callback_thread"] == ui_thread


def test_failure_is_delivered_on_the_ui_thread_with_the_exception(qtbot):
    ui_thread = threading.get_ident()
    seen: dict[str, object] = {}

    def work() -> None:
        raise ValueError("boom")

    def failed(exc: BaseException) -> None:
        seen["exc"] = exc
        seen["thread"] = threading.get_ident()

    Op(work).success(lambda _: seen.setdefault("wrong", True)).failure(failed) \
        .run_in_background()
    qtbot.waitUntil(lambda: "exc" in seen, timeout=5000)
    assert isinstance(seen["exc"], ValueError) and str(seen["exc"]) == "boom"
    assert seen["thread"] == ui_thread
    assert "wrong" not in seen


def test_progress_reaches_the_ui_thread_in_order(qtbot):
    ui_thread = threading.get_ident()
    progress: list[tuple[int, int]] = []
    done: list[str] = []

    def work() -> str:
        for step in range(5):
            ops.report_progress(step)
        return "done"

    Op(work).with_progress(lambda v: progress.append((v, threading.get_ident()))) \
        .success(done.append).run_in_background()
    qtbot.waitUntil(lambda: done == ["done"], timeout=5000)
    assert [v for v, _ in progress] == [0, 1, 2, 3, 4]
    assert {t for _, t in progress} == {ui_thread}


def test_callbacks_of_a_deleted_parent_are_dropped(qtbot):
    gate = threading.Event()
    called: list[object] = []
    parent = QWidget()
    Op(lambda: gate.wait(5), parent=parent).success(called.append).run_in_background()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _valid(parent), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: ops.busy() == 0, timeout=5000)
    assert called == []


def test_report_progress_outside_an_op_is_an_error():
    with pytest.raises(RuntimeError):
        ops.report_progress(1)


def _valid(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_with_workers_the_ui_thread_waits_at_most_half_a_millisecond_for_the_gil(qtbot):
    """Once ops run, Python hands the GIL over every 0.5 ms (not its 5 ms): the Qt thread
    re-enters Python for every cell it paints, each time behind a worker running Python."""
    import sys

    seen: list[float] = []
    Op(sys.getswitchinterval).success(seen.append).run_in_background()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] <= ops.SWITCH_INTERVAL == 0.0005


def test_many_overlapping_ops_each_deliver_their_own_result_once(qtbot):
    """Every op signals through one shared object: results must still reach their own
    op's callbacks, once each, whatever order the workers finish in."""
    import random
    import time

    got: dict[int, list[object]] = {}
    rng = random.Random(7)
    for n in range(500):
        pause = rng.random() / 2000

        def work(n: int = n, pause: float = pause) -> int:
            time.sleep(pause)
            if n % 7 == 0:
                raise KeyError(n)
            ops.report_progress(-n)
            return n * n

        Op(work).with_progress(lambda v, n=n: got.setdefault(n, []).append(v)) \
            .success(lambda v, n=n: got.setdefault(n, []).append(v)) \
            .failure(lambda e, n=n: got.setdefault(n, []).append(repr(e))) \
            .run_in_background()
    qtbot.waitUntil(lambda: ops.busy() == 0, timeout=20000)
    assert got == {n: [repr(KeyError(n))] if n % 7 == 0 else [-n, n * n] for n in range(500)}
