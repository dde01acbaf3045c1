"""The app's icon and stylesheet, read from the `resources` package (data, not code)."""

from __future__ import annotations

from pathlib import Path

from ui.qt import QApplication, QIcon, QPixmap

# `resources` sits beside `ui` both in the source tree and when installed; found by path
# because an editable install may present it as a namespace package.
FOLDER = Path(__file__).resolve().parent.parent / "resources"
ICON = FOLDER / "icons" / "healthinsight.svg"
STYLE = FOLDER / "styles" / "app.qss"


def icon() -> QIcon:
    return QIcon(QPixmap(str(ICON)))


def stylesheet() -> str:
    return STYLE.read_text(encoding="utf-8")


def apply(app: QApplication) -> None:
    """Icon, stylesheet and a readable base font for the whole application."""
    app.setWindowIcon(icon())
    app.setStyleSheet(stylesheet())
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10.5)
        app.setFont(font)
