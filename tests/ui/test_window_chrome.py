"""The window's chrome: status bar, shortcuts listed in Help, remembered size and tab."""

from __future__ import annotations

from ui.main_window import MainWindow
from ui.qt import QApplication, Qt


def test_status_bar_shortcuts_and_remembered_geometry_and_tab(qtbot, imported_ctx):
    ctx = imported_ctx
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.overview, timeout=10000)
    assert window.vault_label.text() == f"Vault: {ctx.settings.home}"
    qtbot.waitUntil(lambda: window.engine_label.text() == "Engine: offline", timeout=10000)

    listed = dict(window.shortcuts())
    assert listed["Import files…"] == "Ctrl+I"
    assert listed["Records"] == "Ctrl+3" and listed["Keyboard shortcuts"] == "F1"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.records
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert "Ctrl+I" in window.shortcuts_box.text() and "Esc" in window.shortcuts_box.text()
    window.shortcuts_box.close()

    window.resize(1111, 777)
    QApplication.processEvents()
    window.close()
    again = MainWindow(ctx, start_api=False)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.sidebar.patient_id is not None, timeout=10000)
    QApplication.processEvents()
    assert again.tabs.currentWidget() is again.records  # not the Overview default
    # The geometry was saved; the offscreen screen (800x600) clamps what is restored.
    screen = QApplication.primaryScreen().availableGeometry()
    if screen.width() >= 1111 and screen.height() >= 777:
        assert (again.width(), again.height()) == (1111, 777)
    assert "geometry=" in (ctx.settings.home / "window.ini").read_text()
    assert not any(p.name.endswith(".ini") and "patient" in p.read_text().lower()
                   for p in ctx.settings.home.iterdir() if p.is_file())
