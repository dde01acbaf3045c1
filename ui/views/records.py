"""The Records tab: every normalized record of the chosen patient, newest first, filtered
by code or test name and by category, sorted by a column header; all of it in the query
(RecordsModel reads only the pages shown). "My reference range…" sets the person's own
range for the selected test."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.services.records import Record, RecordsService
from ui.ops import Op
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from ui.views.records_model import KEYS, LOADING, RecordsModel


class RecordsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.patient_id: str | None = None
        self._asked = 0  # refreshes started; only the latest one's rows are shown
        self._sort: tuple[str, bool] = ("effective", True)
        self.range_dialog: Any = None
        self.model = RecordsModel(
            lambda ids: RecordsService(ctx.vault).page(ids, sort=self._sort[0]), self)
        self.model.sort_requested.connect(self._sort_by)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Test name or LOINC code, e.g. cholesterol, heart or "
                                       "2093-3")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter records by test name or code")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("All categories", None)
        for name in ("laboratory", "vital-signs", "activity", "survey", "social-history"):
            self.category.addItem(name, name)
        self.refresh_button = QPushButton("Refresh")
        self.range_button = QPushButton("My reference range…")
        self.range_button.setToolTip("Set your own reference range for the selected test")
        self.range_button.clicked.connect(self.edit_range)
        self.add_button = QPushButton("Add a reading…")
        self.add_button.setToolTip("Type in a reading from a device or a paper report")
        self.add_button.clicked.connect(self.add_reading)
        self.add_dialog: Any = None
        self.count = QLabel()
        self.count.setObjectName("hint")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Records")
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        for key, width in (("effective", 180), ("category", 100), ("code", 90),
                           ("display", 260), ("value", 80), ("unit", 80), ("original", 110),
                           ("range", 110), ("flag", 70), ("quality", 70)):
            self.table.setColumnWidth(KEYS.index(key), width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.table.verticalScrollBar().valueChanged.connect(lambda _: self._scrolled())

        # Typing waits a moment before asking the vault, so each key is not a query.
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.category.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Filter:"))
        filters.addWidget(self.search, 2)
        filters.addWidget(self.category, 1)
        filters.addWidget(self.refresh_button)
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        actions.addWidget(self.add_button)
        actions.addWidget(self.range_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._enable()

    def set_patient(self, patient_id: str | None) -> None:
        self.patient_id = patient_id
        self._enable()
        self.refresh()

    def add_reading(self) -> None:
        if self.patient_id is None:
            return
        from ui.dialogs.add_reading import AddReadingDialog

        self.add_dialog = AddReadingDialog(self._ctx, self.patient_id, self)
        self.add_dialog.accepted.connect(self.refresh)
        self.add_dialog.open()

    def refresh(self) -> None:
        ctx, patient = self._ctx, self.patient_id
        search = self.search.text().strip() or None
        category = self.category.currentData(Qt.ItemDataRole.UserRole)
        sort, descending = self._sort
        self._asked += 1
        asked = self._asked
        (
            Op(lambda: RecordsService(ctx.vault).order(
                patient_id=patient, search=search, category=category, sort=sort,
                descending=descending), parent=self)
            .success(lambda ids: self._show_latest(asked, ids))
            .run_in_background()
        )

    def _sort_by(self, key: str, descending: bool) -> None:
        if (key, descending) == self._sort:
            return  # Qt asks for the header's sort when sorting is switched on: not a query
        self._sort = (key, descending)
        self.refresh()

    def _show_latest(self, asked: int, ids: Any) -> None:
        """Typing quickly starts several reads; an older one finishing last is dropped."""
        if asked != self._asked:
            return
        self.model.reset_ids(ids)
        self.count.setText(f"{len(ids):,} records")
        self._enable()

    def _scrolled(self) -> None:
        """The rows now in view are read from here, ahead of the paint (RecordsModel.want)."""
        top = self.table.rowAt(0)
        if top >= 0:
            bottom = self.table.rowAt(self.table.viewport().height() - 1)
            self.model.want(top, bottom if bottom >= 0 else self.model.rowCount() - 1)

    def _enable(self) -> None:
        self.range_button.setEnabled(self.selected() is not None)
        self.add_button.setEnabled(self.patient_id is not None)

    def selected(self) -> Record | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def column(self, key: str) -> list[str]:
        """A column's text as shown, for the rows read so far ("…" for the others)."""
        out = []
        for r in range(self.model.rowCount()):
            found = self.model.peek(r)
            out.append(found[1][key] if found else LOADING)
        return out

    def all_loaded(self) -> bool:
        return LOADING not in self.column("code")

    def edit_range(self) -> None:
        record = self.selected()
        if record is None or self.patient_id is None:
            return
        from ui.dialogs.reference_range import ReferenceRangeDialog

        self.range_dialog = ReferenceRangeDialog(self._ctx, self.patient_id, record, self)
        self.range_dialog.accepted.connect(self.refresh)
        self.range_dialog.open()
