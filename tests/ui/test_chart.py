"""The chart shows a Plotly figure with plotly.js from the package, or a table without it."""

from __future__ import annotations

from ui.qt import HAS_WEBENGINE
from ui.views.chart import ChartView, plotly_folder


def _figure() -> dict:
    return {
        "data": [
            {"type": "scatter", "name": "LDL", "x": ["2010-01-01", "2015-06-01", "2020-03-01"],
             "y": [141.0, 122.5, 109.0]},
            {"type": "scatter", "name": "HDL", "x": ["2010-01-01", "2020-03-01"],
             "y": [45.0, 52.0]},
        ],
        "layout": {"title": {"text": "Cholesterol"}},
    }


def test_plotly_js_comes_from_the_installed_package():
    js = plotly_folder() / "plotly.min.js"
    assert js.is_file() and js.stat().st_size > 1_000_000


def test_the_web_chart_draws_every_trace(qtbot):
    if not HAS_WEBENGINE:
        import pytest

        pytest.skip("QtWebEngine is not installed")
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(640, 400)
    view.show()
    figure = _figure()
    view.show_figure(figure)
    qtbot.waitUntil(lambda: view.rendered_traces == len(figure["data"]), timeout=30000)
    assert view.isVisible()
    # Patient data in the page must never reach a disk cache.
    assert view.view.page().profile().isOffTheRecord()


def test_without_webengine_the_points_are_a_table(qtbot):
    view = ChartView(web=False)
    qtbot.addWidget(view)
    figure = _figure()
    view.show_figure(figure)
    expected = [(t["name"], x, str(y)) for t in figure["data"]
                for x, y in zip(t["x"], t["y"], strict=True)]
    shown = [tuple(view.table.item(r, c).text() for c in range(3))
             for r in range(view.table.rowCount())]
    assert shown == expected
