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
_hub: _Hub | None = None
_running: set[_Delivery] = set()  # keeps deliveries alive until their result is delivered
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
    running: tuple[_Hub, _Delivery] | None = getattr(_current, "running", None)
    if running is None:
        raise RuntimeError("report_progress() called outside a running Op")
    through, delivery = running
    through.progressed.emit(delivery, value)


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


class _Hub(QObject):
    """The one object every worker signals through, made on the UI thread, owned by the
    application and never deleted, its signals connected once.

    One per op (made, connected, emitted on a worker, then deleted on the UI thread) is
    what Qt forbids: an object must not be deleted while another thread may still be
    inside its emit, and the UI thread deletes it as soon as the queued call arrives.
    The suite crashed that way now and then, inside `emit` on a worker."""

    finished = Signal(object)
    progressed = Signal(object, object)

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self.finished.connect(lambda delivery: delivery.finish())
        self.progressed.connect(lambda delivery, value: delivery.progress(value))


def hub() -> _Hub:
    global _hub
    if _hub is None or not shiboken6.isValid(_hub):  # a test's QApplication may be new
        _hub = _Hub()
    return _hub


class _Delivery:
    """What one op hands back: its outcome, then the op's callbacks on the UI thread.

    The UI thread empties it (outcome and op) before it lets go, so the last reference a
    worker may drop is a shell: whatever `fn` captured (often a dialog) is released on the
    UI thread, as a Qt widget destroyed on a worker stops its timers from the wrong thread
    and crashes later."""

    __slots__ = ("op", "outcome")

    def __init__(self, op: Op[Any]) -> None:
        self.op: Op[Any] | None = op
        self.outcome: tuple[bool, Any] | None = None

    def finish(self) -> None:
        op, outcome = self.op, self.outcome
        self.op = self.outcome = None
        _running.discard(self)
        if op is not None and outcome is not None:
            op.deliver(outcome)

    def progress(self, value: Any) -> None:
        if self.op is not None:
            self.op.progress(value)


class _Task(QRunnable):
    """Runs `fn` on a worker and hands the outcome over without keeping any of it."""

    def __init__(self, fn: Callable[[], Any], delivery: _Delivery, through: _Hub) -> None:
        super().__init__()
        self._fn: Callable[[], Any] | None = fn
        self._delivery: _Delivery | None = delivery
        self._hub = through

    def run(self) -> None:
        fn, self._fn = self._fn, None
        delivery, self._delivery = self._delivery, None
        assert fn is not None and delivery is not None
        _current.running = (self._hub, delivery)
        try:
            delivery.outcome = (True, fn())
        except Exception as exc:  # delivered to the UI thread, never swallowed
            delivery.outcome = (False, exc)
        finally:
            del fn
            _current.running = None
        try:
            self._hub.finished.emit(delivery)
        except RuntimeError:  # the hub is gone: the app quit while this ran
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
        delivery = _Delivery(self)
        _running.add(delivery)
        pool().start(_Task(self._fn, delivery, hub()))

    def _parent_gone(self) -> bool:
        return self._parent is not None and not shiboken6.isValid(self._parent)

    def progress(self, value: Any) -> None:
        """On the UI thread: one `report_progress` value."""
        if self._on_progress is not None and not self._parent_gone():
            self._on_progress(value)

    def deliver(self, outcome: tuple[bool, Any]) -> None:
        """On the UI thread: the result to `success`, or the exception to `failure`."""
        ok, value = outcome
        if self._parent_gone():
            return
        if not ok:
            self._fail(value)
        elif self._on_success is not None:
            self._on_success(value)

    def _fail(self, exc: BaseException) -> None:
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        from ui.errors import show_exception

        parent = self._parent if isinstance(self._parent, QWidget) else None
        show_exception(parent=parent, exception=exc)
