"""Help → About: the version, what the app is, and the licences of the third-party
components it runs on (the list and texts come from app.services.components: the
installed packages in a pip install, the LICENSES folder in a desktop build)."""

from __future__ import annotations

import html
import sys

from app import __version__
from app.services.components import Component, app_components, bundle_licences
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _where_licences_are() -> str:
    folder = bundle_licences()
    if folder is not None:
        return f"The full texts are also in the folder {html.escape(str(folder))}."
    return "The full texts come from each installed package."


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None,
                 components: tuple[Component, ...] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About HealthInsight")
        self.resize(760, 560)
        self.components = app_components() if components is None else components
        python = ".".join(map(str, sys.version_info[:3]))
        self.intro = intro = QLabel(
            f"<h3>HealthInsight {html.escape(__version__)}</h3>"
            "<p>Your health records in an encrypted vault on your own disk, answered by a "
            "team of local AI agents. Answers are information, not medical advice.</p>"
            f"<p>Built on Python {python}, Qt and the open-source components below. "
            f"{_where_licences_are()}</p>")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.table = QTableWidget(len(self.components), 3)
        self.table.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        for row, component in enumerate(self.components):
            for column, text in enumerate((component.name, component.version,
                                           component.licence)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.licence_text = QPlainTextEdit()
        self.licence_text.setReadOnly(True)
        self.licence_text.setPlaceholderText("Select a component to read its licence.")
        self.table.currentCellChanged.connect(lambda row, *_: self.show_licence(row))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.licence_text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        if self.components:
            self.table.selectRow(0)

    def show_licence(self, row: int) -> None:
        if 0 <= row < len(self.components):
            self.licence_text.setPlainText(self.components[row].text())
