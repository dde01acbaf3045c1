"""Python's cycle collector, run on the Qt thread only.

Left to itself, the collector runs in whichever thread happens to allocate, often a
worker (the team, the API server, an import). If the garbage it finds holds a Qt
widget, the widget is destroyed on that worker, stops its timers from the wrong
thread, and the app crashes later in Qt's event loop. So while the UI runs, automatic
collection is off and a timer collects on the Qt thread instead, generation by
generation, with the interpreter's own thresholds.
"""

from __future__ import annotations

import gc

from ui.qt import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Collect what is left here, then give collection back to the interpreter."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
