"""The team's progress events, moved from the publisher's thread to the Qt thread.

EventBus callbacks run on whichever worker thread publishes and must not block, so
the bridge only re-emits each event as a Qt signal; this object lives on the UI
thread, so the connection is queued and the slots run there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.qt import QObject, Signal

if TYPE_CHECKING:
    from agents.events import EventBus


class BusBridge(QObject):
    event = Signal(dict)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = bus.subscribe(self._forward)

    def _forward(self, event: dict[str, Any]) -> None:
        self.event.emit(dict(event))

    def close(self) -> None:
        self._unsubscribe()
