"""The app's icon and stylesheet, read from the `resources` package (data, not code)."""

from __future__ import annotations

from importlib.resources import files

from ui.qt import QApplication, QIcon, QPixmap

ICON = "healthinsight.svg"
STYLE = "app.qss"


def icon() -> QIcon:
    path = files("resources") / "icons" / ICON
    return QIcon(QPixmap(str(path)))


def stylesheet() -> str:
    return (files("resources") / "styles" / STYLE).read_text(encoding="utf-8")


def apply(app: QApplication) -> None:
    """Icon, stylesheet and a readable base font for the whole application."""
    app.setWindowIcon(icon())
    app.setStyleSheet(stylesheet())
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10.5)
        app.setFont(font)
