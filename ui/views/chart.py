"""The answer's chart: the Plotly figure JSON, drawn by plotly.js inside a web view.

plotly.min.js comes from the installed `plotly` package (no CDN: the app works offline).
The page is a tiny shell loaded with the package folder as its base URL; the figure is
handed over with runJavaScript, so patient data is never written to a file and the web
profile is off the record (no disk cache). Without QtWebEngine the figure's points are
shown as a table instead.
"""

from __future__ import annotations

import atexit
import json
import weakref
from pathlib import Path
from typing import Any

import shiboken6

from ui import offline
from ui.qt import (
    HAS_WEBENGINE,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QUrl,
    QVBoxLayout,
    QWebEngineView,
    QWidget,
)

_SHELL = """<!doctype html><html><head><meta charset="utf-8">
<script src="plotly.min.js"></script>
<style>html,body{margin:0;height:100%;background:#fff}#chart{width:100%;height:100%}</style>
</head><body><div id="chart"></div><script>
window.render = function (fig) {
  var layout = Object.assign({margin: {l: 56, r: 16, t: 40, b: 48},
                              font: {family: "sans-serif", size: 12}}, fig.layout || {});
  return Plotly.react("chart", fig.data || [], layout,
                      {responsive: true, displaylogo: false})
    .then(function (gd) { return gd.data.length; });
};
</script></body></html>"""


# QtWebEngine wants every page gone before its profile, which goes with the QApplication;
# views still alive when Python exits (never closed, or owned by a test) are freed first.
_live_views: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _release_pages() -> None:
    for view in list(_live_views):
        if shiboken6.isValid(view):
            shiboken6.delete(view)


def plotly_folder() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def preferred_height(figure: dict[str, Any]) -> int:
    """The figure's own height, else enough room for each stacked panel."""
    layout = figure.get("layout") or {}
    if isinstance(layout.get("height"), int | float):
        return int(layout["height"])
    panels = sum(1 for key, axis in layout.items()
                 if key.startswith("yaxis") and isinstance(axis, dict) and "domain" in axis)
    return 380 if panels <= 1 else 80 + 240 * panels


class ChartView(QWidget):
    """Shows one figure. `rendered_traces` says how many traces plotly.js actually drew."""

    def __init__(self, parent: QWidget | None = None, *, web: bool = HAS_WEBENGINE) -> None:
        super().__init__(parent)
        self.figure: dict[str, Any] | None = None
        self.rendered_traces = 0
        self._ready = False
        self.setMinimumHeight(320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.uses_web = bool(web and QWebEngineView is not None)
        self.view: Any = None  # the web view, made with the first figure (Chromium's start
        # costs about a second: the window opens without waiting for it)
        if not self.uses_web:
            self.table = QTableWidget(0, 3, self)
            self.table.setHorizontalHeaderLabels(["Series", "Date", "Value"])
            self.table.horizontalHeader().setStretchLastSection(True)
            self.table.verticalHeader().hide()
            layout.addWidget(QLabel("Chart data (charts need QtWebEngine):"))
            layout.addWidget(self.table)

    def _make_view(self) -> None:
        # The local-only interceptor goes on the profile before its first page; done
        # here rather than at launch, because touching the profile starts Chromium.
        offline.keep_local()
        self.view = QWebEngineView(self)
        _live_views.add(self.view)
        # Qt 6's default profile is off the record (memory cache, nothing on disk);
        # tests/ui/test_chart.py checks that it stays so.
        self.view.loadFinished.connect(self._shell_loaded)
        base = QUrl.fromLocalFile(str(plotly_folder()) + "/")
        self.view.setHtml(_SHELL, base)
        self.layout().addWidget(self.view)

    def show_figure(self, figure: dict[str, Any] | None) -> None:
        self.figure = figure
        self.rendered_traces = 0
        self.setVisible(bool(figure and figure.get("data")))
        if not figure:
            return
        self.setFixedHeight(preferred_height(figure))
        if self.uses_web:
            if self.view is None:
                self._make_view()
            elif self._ready:
                self._render()
        else:
            self._fill_table(figure)

    def _shell_loaded(self, ok: bool) -> None:
        self._ready = ok
        if ok and self.figure:
            self._render()

    def _render(self) -> None:
        script = f"window.render({json.dumps(self.figure, default=str)})"
        self.view.page().runJavaScript(script, 0, self._rendered)

    def _rendered(self, traces: Any) -> None:
        # runJavaScript resolves promises only in newer Qt; ask again for the count.
        if isinstance(traces, int | float):
            self.rendered_traces = int(traces)
            return
        self.view.page().runJavaScript(
            "(document.getElementById('chart').data || []).length", 0, self._counted)

    def _counted(self, traces: Any) -> None:
        self.rendered_traces = int(traces or 0)

    def _fill_table(self, figure: dict[str, Any]) -> None:
        rows = [
            (str(trace.get("name") or ""), str(x), "" if y is None else str(y))
            for trace in figure.get("data", [])
            for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False)
        ]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
