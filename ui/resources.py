"""The app's icon, stylesheets and appearance, read from the `resources` package (data,
not code).

Appearance: "light" and "dark" set Qt's Fusion style with a palette of their own (so
native widgets follow too) and the matching stylesheet; "system" keeps the platform's
style and palette and the light stylesheet. Switching applies at once, no restart.
"""

from __future__ import annotations

from pathlib import Path

from ui.qt import QApplication, QColor, QIcon, QPalette, QPixmap, QStyleFactory

# `resources` sits beside `ui` both in the source tree and when installed; found by path
# because an editable install may present it as a namespace package.
FOLDER = Path(__file__).resolve().parent.parent / "resources"
ICON = FOLDER / "icons" / "healthinsight.svg"
STYLE = FOLDER / "styles" / "app.qss"
DARK = FOLDER / "styles" / "dark.qss"

_DARK_COLOURS = {
    QPalette.ColorRole.Window: "#151b20", QPalette.ColorRole.WindowText: "#e3e9ee",
    QPalette.ColorRole.Base: "#242d34", QPalette.ColorRole.AlternateBase: "#202930",
    QPalette.ColorRole.Text: "#e3e9ee", QPalette.ColorRole.Button: "#242d34",
    QPalette.ColorRole.ButtonText: "#e3e9ee", QPalette.ColorRole.Highlight: "#3cbfb1",
    QPalette.ColorRole.HighlightedText: "#0d1a19", QPalette.ColorRole.ToolTipBase: "#242d34",
    QPalette.ColorRole.ToolTipText: "#e3e9ee", QPalette.ColorRole.PlaceholderText: "#7d8a94",
    QPalette.ColorRole.Link: "#7fd8ce",
}
_system: tuple[str, QPalette] | None = None  # the platform's style and palette, kept once


def icon() -> QIcon:
    return QIcon(QPixmap(str(ICON)))


def stylesheet(appearance: str = "light") -> str:
    text = STYLE.read_text(encoding="utf-8")
    if appearance == "dark":
        text += "\n" + DARK.read_text(encoding="utf-8")
    return text


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c7a84"))
    return palette


def set_appearance(app: QApplication, appearance: str) -> None:
    global _system
    if _system is None:
        _system = (app.style().name(), QPalette(app.palette()))
    if appearance == "system":
        app.setStyle(QStyleFactory.create(_system[0]))
        app.setPalette(_system[1])
    else:
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette() if appearance == "dark"
                       else QApplication.style().standardPalette())
    app.setStyleSheet(stylesheet("dark" if appearance == "dark" else "light"))
    app.setProperty("appearance", appearance)


def apply(app: QApplication, appearance: str = "system") -> None:
    """Icon, stylesheet, appearance and a readable base font for the whole application."""
    app.setWindowIcon(icon())
    set_appearance(app, appearance)
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10.5)
        app.setFont(font)
