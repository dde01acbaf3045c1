"""The one way to run work off the Qt thread (Anki's QueryOp shape).

    Op(lambda: ctx.queries.get(qid)).success(show).failure(complain).run_in_background()

`fn` runs on a small worker pool; its result or exception comes back to the UI thread
through a queued signal, so callbacks may touch widgets and `fn` must not. Inside `fn`,
`report_progress(value)` delivers `value` to the `with_progress` callback, also on the UI
thread. With no failure callback the error goes to `ui.errors.show_exception`.

If the op was given a `parent` widget that has since been deleted, its callbacks are
dropped: a window closed while its work was running is not resurrected.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6

from ui.qt import QCoreApplication, QObject, QRunnable, QThreadPool, QWidget, Signal

T = TypeVar("T")

_WORKERS = 4  # imports, questions and small reads can overlap; DuckDB has a cursor per thread
# A worker running Python (the team's and the clinic's modules loading after the window
# opens, an import parsing) holds the GIL, and the Qt thread waits up to the switch interval
# each time it comes back to Python: a paint does for every cell it draws. At Python's
# 5 ms a Records page painted beside such a worker took 81 ms instead of 22; at 0.5 ms, 35.
SWITCH_INTERVAL = 0.0005
_pool: QThreadPool | None = None
_running: set[_Bridge] = set()  # keeps bridges alive until their result is delivered
_current = threading.local()  # the op running on this worker thread, for report_progress
_stopping = threading.Event()


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        sys.setswitchinterval(min(SWITCH_INTERVAL, sys.getswitchinterval()))
        _pool = QThreadPool()
        _pool.setMaxThreadCount(_WORKERS)
    return _pool


def report_progress(value: Any) -> None:
    """Called from inside an op's `fn`: hand `value` to its progress callback."""
    bridge: _Bridge | None = getattr(_current, "bridge", None)
    if bridge is None:
        raise RuntimeError("report_progress() called outside a running Op")
    bridge.progressed.emit(value)


def stopping() -> bool:
    """True once the app is shutting down: long-waiting ops should return early."""
    return _stopping.is_set()


def shutdown(timeout_ms: int = 10_000) -> bool:
    """Ask running ops to stop and wait for them; True when all finished in time."""
    _stopping.set()
    try:
        return bool(pool().waitForDone(timeout_ms))
    finally:
        _running.clear()
        _stopping.clear()


def busy() -> int:
    """How many ops have not delivered their result yet (tests and the status bar)."""
    return len(_running)


class _Bridge(QObject):
    """Lives on the UI thread and is owned by the application object, so no Python
    reference dropped on a worker can ever destroy it there."""

    finished = Signal()
    progressed = Signal(object)

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self.outcome: tuple[bool, Any] | None = None


class _Task(QRunnable):
    """Runs `fn` on a worker and hands the outcome over without keeping any of it.

    Whatever `fn` captured (often a dialog) must be released on the UI thread: a Qt
    widget destroyed on a worker stops its timers from the wrong thread and crashes
    later. So the worker drops its references before signalling, and the outcome
    travels on the bridge, which the UI thread empties.
    """

    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn
        self._bridge = bridge

    def run(self) -> None:
        fn, self._fn = self._fn, None
        bridge = self._bridge
        _current.bridge = bridge
        try:
            bridge.outcome = (True, fn())  # type: ignore[misc]
        except Exception as exc:  # delivered to the UI thread, never swallowed
            bridge.outcome = (False, exc)
        finally:
            del fn
            _current.bridge = None
        try:
            bridge.finished.emit()
        except RuntimeError:  # the bridge is gone: the app quit while this ran
            pass


class Op(Generic[T]):
    def __init__(self, fn: Callable[[], T], *, parent: QObject | None = None) -> None:
        self._fn = fn
        self._parent = parent
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[Any], None] | None = None

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._on_failure = callback
        return self

    def with_progress(self, callback: Callable[[Any], None]) -> Op[T]:
        self._on_progress = callback
        return self

    def run_in_background(self) -> None:
        bridge = _Bridge()
        _running.add(bridge)
        bridge.finished.connect(lambda: self._finish(bridge))
        bridge.progressed.connect(lambda value: self._deliver(self._on_progress, value))
        pool().start(_Task(self._fn, bridge))

    def _parent_gone(self) -> bool:
        return self._parent is not None and not shiboken6.isValid(self._parent)

    def _deliver(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is not None and not self._parent_gone():
            callback(value)

    def _finish(self, bridge: _Bridge) -> None:
        assert bridge.outcome is not None
        ok, value = bridge.outcome
        bridge.outcome = None
        _running.discard(bridge)
        bridge.deleteLater()
        self._deliver(self._on_success if ok else self._fail, value)

    def _fail(self, exc: BaseException) -> None:
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        from ui.errors import show_exception

        parent = self._parent if isinstance(self._parent, QWidget) else None
        show_exception(parent=parent, exception=exc)
