"""Window geometry and the last tab, remembered between runs.

Kept in `window.ini` beside the vault (not in the vault: it is read before the vault is
unlocked, and holds nothing about the person's health: sizes and a tab number).
"""

from __future__ import annotations

from pathlib import Path

from ui.qt import QByteArray, QMainWindow, QSettings, QTabWidget

FILE = "window.ini"


def _store(home: Path) -> QSettings:
    return QSettings(str(home / FILE), QSettings.Format.IniFormat)


def restore(window: QMainWindow, tabs: QTabWidget, home: Path) -> bool:
    """Apply the saved geometry and tab; True when a tab was restored."""
    store = _store(home)
    geometry = store.value("geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    tab = store.value("tab")
    try:
        index = int(tab) if tab is not None else -1
    except (TypeError, ValueError):
        index = -1
    if 0 <= index < tabs.count():
        tabs.setCurrentIndex(index)
        return True
    return False


def save(window: QMainWindow, tabs: QTabWidget, home: Path) -> None:
    if not home.is_dir():
        return
    store = _store(home)
    store.setValue("geometry", window.saveGeometry())
    store.setValue("tab", tabs.currentIndex())
    store.sync()
