"""Help → About: the version and the third-party licences, from the real metadata."""

from __future__ import annotations

from pathlib import Path

from app import __version__
from app.services.components import Component
from ui.about import AboutDialog
from ui.offline import is_local, keep_local
from ui.qt import QUrl, web_engine


def test_about_lists_components_and_shows_the_selected_licence(qtbot, tmp_path: Path) -> None:
    text = tmp_path / "LICENSE"
    text.write_text("Example licence text, granted to all.", encoding="utf-8")
    listed = (Component("alpha", "1.0", "MIT", (text,)), Component("beta", "2.0", "BSD", ()))
    dialog = AboutDialog(components=listed)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(1, 2).text() == "BSD"
    assert "granted to all" in dialog.licence_text.toPlainText()  # the first row is selected
    dialog.table.selectRow(1)
    assert "beta 2.0 ships no licence file" in dialog.licence_text.toPlainText()


def test_about_by_default_lists_the_installed_components(qtbot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    names = {dialog.table.item(r, 0).text().lower() for r in range(dialog.table.rowCount())}
    assert {"pyside6", "duckdb", "plotly"} <= names
    assert f"HealthInsight {__version__}" in dialog.intro.text()


def test_web_view_requests_stay_on_this_machine(qtbot) -> None:
    for url in ("file:///usr/share/x.js", "data:text/plain,x", "http://127.0.0.1:8765/v1",
                "http://localhost/x", "ws://[::1]:9/ws"):
        assert is_local(QUrl(url)), url
    for url in ("https://cdn.plot.ly/world_110m.json", "http://192.168.1.5/x",
                "https://fonts.googleapis.com/css", "ftp://127.0.0.2/x", "http://10.0.0.1/"):
        assert not is_local(QUrl(url)), url
    interceptor = keep_local()
    assert interceptor is keep_local()  # installed once
    settings = web_engine().QWebEngineProfile.defaultProfile().settings()
    assert not settings.testAttribute(settings.WebAttribute.LocalContentCanAccessRemoteUrls)
