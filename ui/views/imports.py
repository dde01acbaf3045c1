"""The Import tab: drop files or folders (or pick them), watch the job, read the outcome.

The job runs through ui/ops.py (`run_import` polls the import service); its progress
carries the job id, so Cancel asks the service to stop it. The outcome stays on the
page: counts by type, date range, warnings, and a table of errors with file, position
and reason (what, where and why).
"""

from __future__ import annotations

import time
from pathlib import Path

from app.context import AppContext
from app.services.import_views import ImportStatus
from ui.importing import progress_text, run_import, summary_html
from ui.ops import Op
from ui.qt import (
    QAbstractItemView,
    QDragEnterEvent,
    QDropEvent,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

IMPORT_FILTER = "Health records (*.json *.ndjson *.xml *.zip *.csv);;All files (*)"
FORMATS = ("FHIR R4 bundles or resources (.json) and bulk exports (.ndjson)",
           "Apple Health exports (export.zip or export.xml)",
           "C-CDA documents (.xml)",
           "Synthea CSV exports (the folder holding patients.csv)",
           "HealthInsight lab, medication, vital and clinical JSON files")


class DropZone(QFrame):
    """A framed area that takes dropped local files and folders."""

    dropped = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setAccessibleName("Drop health record files here")
        layout = QVBoxLayout(self)
        title = QLabel("Drop files or folders here")
        title.setObjectName("dropTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        formats = QLabel("Read by their content, not their name:<br>" + "<br>".join(FORMATS))
        formats.setObjectName("hint")
        formats.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        layout.addWidget(formats)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)


class ImportView(QWidget):
    imported = Signal(object)  # the finished job's ImportStatus

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.import_id: str | None = None
        self.status: ImportStatus | None = None
        self._started = 0.0
        self._busy = False

        self.drop = DropZone()
        self.drop.dropped.connect(self.import_paths)
        self.files_button = QPushButton("Choose files…")
        self.files_button.setObjectName("primary")
        self.files_button.clicked.connect(self.choose_files)
        self.folder_button = QPushButton("Choose a folder…")
        self.folder_button.clicked.connect(self.choose_folder)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Import progress")
        self.rate = QLabel()
        self.rate.setObjectName("hint")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this import; the file being read is left out whole")
        self.cancel_button.clicked.connect(self.cancel)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors = QTableWidget(0, 3)
        self.errors.setHorizontalHeaderLabels(["File", "Position", "Reason"])
        self.errors.setAccessibleName("Files that were not imported")
        self.errors.verticalHeader().hide()
        self.errors.horizontalHeader().setStretchLastSection(True)
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        buttons = QHBoxLayout()
        buttons.addWidget(self.files_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop, 2)
        layout.addLayout(buttons)
        layout.addLayout(progress)
        layout.addWidget(self.rate)
        layout.addWidget(self.summary)
        layout.addWidget(self.errors, 1)
        self._set_busy(False)
        self.summary.hide()
        self.errors.hide()

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import health records", "",
                                                IMPORT_FILTER)
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of health records")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        if self._busy or not paths:
            return
        self._set_busy(True)
        self.import_id, self.status = None, None
        self._started = time.monotonic()
        self.bar.setValue(0)
        self.rate.setText(f"Reading {len(paths)} item{'s' if len(paths) != 1 else ''}…")
        self.summary.hide()
        self.errors.hide()
        ctx = self._ctx
        (
            Op(lambda: run_import(ctx, paths), parent=self)
            .with_progress(self._progress)
            .success(self._done)
            .failure(self._failed)
            .run_in_background()
        )

    def cancel(self) -> None:
        if self._busy and self.import_id is not None:
            self._ctx.imports.cancel(self.import_id, owner_id=None)  # sets a flag only
            self.cancel_button.setEnabled(False)
            self.rate.setText("Cancelling…")

    def _progress(self, running: ImportStatus) -> None:
        self.import_id = running.import_id
        progress = running.progress
        if progress.total_bytes:
            self.bar.setValue(int(1000 * progress.bytes / progress.total_bytes))
        if self.cancel_button.isEnabled():
            self.rate.setText(progress_text(progress, time.monotonic() - self._started))

    def _done(self, status: ImportStatus) -> None:
        self._set_busy(False)
        self.status = status
        self.bar.setValue(1000 if status.status == "completed" else self.bar.value())
        self.rate.setText("")
        self.summary.setText(summary_html(status))
        self.summary.show()
        errors = status.summary.errors
        self.errors.setRowCount(len(errors))
        for row, error in enumerate(errors):
            for col, text in enumerate((error.file, error.position, error.reason)):
                self.errors.setItem(row, col, QTableWidgetItem(text))
        self.errors.resizeColumnsToContents()
        self.errors.setVisible(bool(errors))
        self.imported.emit(status)

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import show_exception

        self._set_busy(False)
        self.rate.setText("")
        show_exception(parent=self, exception=exc)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.files_button.setEnabled(not busy)
        self.folder_button.setEnabled(not busy)
        self.drop.setAcceptDrops(not busy)
        self.cancel_button.setEnabled(busy)
        self.bar.setVisible(busy or self.bar.value() > 0)
        self.cancel_button.setVisible(busy)

    def error_rows(self) -> list[list[str]]:
        """The errors table as shown (tests and screen readers)."""
        return [[self.errors.item(r, c).text() for c in range(3)]
                for r in range(self.errors.rowCount())]
