"""The records tab: the normalized records of the chosen patient, filterable by code or
test name and by category."""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.services.records import RecordsService
from ui.ops import Op
from ui.qt import (
    QAbstractItemView,
    QColor,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
)

COLUMNS = [("effective", "Date"), ("category", "Category"), ("code", "Code"),
           ("display", "Test"), ("value", "Value"), ("unit", "Unit"),
           ("original", "As recorded"), ("range", "Reference"), ("flag", "Flag"),
           ("quality", "Quality"), ("source", "Source")]
FLAG_COLOURS = {"high": "#b3261e", "critical": "#b3261e", "low": "#1f5fa8",
                "abnormal": "#b3261e"}
LIMIT = 2000  # a screenful of history; filters narrow it further


def cells(record: dict[str, Any]) -> dict[str, str]:
    """One record as the table's text cells."""
    value = record.get("value")
    shown = f"{record.get('comparator') or ''}{value:g}" if isinstance(value, int | float) \
        else str(record.get("value_text") or value or "")
    low, high = record.get("reference_low"), record.get("reference_high")
    if low is not None and high is not None:
        ref = f"{low:g}–{high:g}"
    elif low is not None or high is not None:
        ref = f"≥ {low:g}" if low is not None else f"≤ {high:g}"
    else:
        ref = ""
    original = " ".join(str(x) for x in (record.get("original_value"),
                                         record.get("original_unit")) if x not in (None, ""))
    return {
        "effective": str(record.get("effective") or "")[:16].replace("T", " "),
        "category": str(record.get("category") or ""),
        "code": str(record.get("code") or ""),
        "display": str(record.get("display") or ""),
        "value": shown,
        "unit": str(record.get("unit") or ""),
        "original": original,
        "range": ref,
        "flag": str(record.get("flag") or ""),
        "quality": "" if record.get("quality") in (None, "ok") else str(record["quality"]),
        "source": str(record.get("source") or ""),
    }


class RecordsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.patient_id: str | None = None
        self._asked = 0  # refreshes started; only the latest one's rows are shown
        self.search = QLineEdit()
        self.search.setPlaceholderText("Test name or LOINC code, e.g. cholesterol, heart or "
                                       "2093-3")
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.category.addItem("All categories", None)
        for name in ("laboratory", "vital-signs", "activity", "survey", "social-history"):
            self.category.addItem(name, name)
        self.refresh_button = QPushButton("Refresh")
        self.count = QLabel()
        self.count.setObjectName("hint")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)

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
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

    def set_patient(self, patient_id: str | None) -> None:
        self.patient_id = patient_id
        self.refresh()

    def refresh(self) -> None:
        ctx, patient = self._ctx, self.patient_id
        search = self.search.text().strip() or None
        category = self.category.currentData(Qt.ItemDataRole.UserRole)
        self._asked += 1
        asked = self._asked
        (
            Op(lambda: RecordsService(ctx.vault).records(
                owner_id=None, patient_id=patient, search=search, category=category,
                limit=LIMIT), parent=self)
            .success(lambda records: self._show_latest(asked, records))
            .run_in_background()
        )

    def _show_latest(self, asked: int, records: list[dict[str, Any]]) -> None:
        """Typing quickly starts several reads; an older one finishing last is dropped."""
        if asked == self._asked:
            self._show(records)

    def _show(self, records: list[dict[str, Any]]) -> None:
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            text = cells(record)
            for col, (key, _) in enumerate(COLUMNS):
                item = QTableWidgetItem(text[key])
                if key == "display":
                    item.setToolTip(text[key])
                if key == "flag" and text[key] in FLAG_COLOURS:
                    item.setForeground(QColor(FLAG_COLOURS[text[key]]))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        test = [k for k, _ in COLUMNS].index("display")
        self.table.setColumnWidth(test, min(self.table.columnWidth(test), 260))
        self.table.setSortingEnabled(True)
        more = " (the first ones; narrow the filter to see others)" if len(records) >= LIMIT \
            else ""
        self.count.setText(f"{len(records)} records{more}")

    def column(self, key: str) -> list[str]:
        col = [k for k, _ in COLUMNS].index(key)
        return [self.table.item(r, col).text() for r in range(self.table.rowCount())]
