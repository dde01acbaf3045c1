"""A table model over the vault's records that stays fast at a million rows.

The model holds only the ordered ids of the rows (the query filters and sorts them, in
DuckDB) and reads the rows a page at a time, in an op, when the view first asks for a
row of that page; until then the row shows "…". At most `KEEP_PAGES` pages stay in
memory, so scrolling from the top to the end of a million rows reads only the pages
that were shown on the way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from app.services.records import TIME_BASIS_NOTES, Record
from ui.ops import Op
from ui.qt import QAbstractTableModel, QColor, QModelIndex, QObject, Qt, Signal

COLUMNS = [("effective", "Date"), ("category", "Category"), ("code", "Code"),
           ("display", "Test"), ("value", "Value"), ("unit", "Unit"),
           ("original", "As recorded"), ("range", "Reference"), ("flag", "Flag"),
           ("quality", "Quality"), ("source", "Source")]
KEYS = [key for key, _ in COLUMNS]
# the columns whose header sorts in the query (the others are computed per row)
SORT_KEYS = {"effective", "category", "code", "display", "value", "unit", "source"}
FLAG_COLOURS = {"high": "#b3261e", "critical": "#b3261e", "low": "#1f5fa8",
                "abnormal": "#b3261e", "verify": "#8a5a00", "conflict": "#8a5a00"}
QUALITY_TIPS = {"implausible": "not a credible value: ask whether it was a lab error",
                "sudden_change": "differs sharply from readings within 7 days",
                "same_instant_differs": "another reading at the same time differs"}
PAGE = 200
PREFETCH = 2  # pages read right after a reset, before the view asks
KEEP_PAGES = 40
LOADING = "…"
ROLES = frozenset((Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                   Qt.ItemDataRole.ForegroundRole))  # the roles `data` answers
COLOURED = frozenset(KEYS.index(key) for key in ("flag", "quality"))  # their own foreground


def cells(record: Record) -> dict[str, str]:
    """One record as the table's text cells."""
    value = record.value
    shown = f"{record.comparator or ''}{value:g}" if isinstance(value, int | float) \
        else str(record.value_text or value or "")
    low, high = record.reference_low, record.reference_high
    if low is not None and high is not None:
        ref = f"{low:g}–{high:g}"
    elif low is not None or high is not None:
        ref = f"≥ {low:g}" if low is not None else f"≤ {high:g}"
    else:
        ref = ""
    if ref and record.reference_source == "user":
        ref += " (yours)"
    original = " ".join(str(x) for x in (record.original_value, record.original_unit)
                        if x not in (None, ""))
    when = (record.effective or "")[:16].replace("T", " ")
    basis = TIME_BASIS_NOTES.get(record.time_basis)
    quality = record.quality
    return {
        "effective": f"{when} ({basis})" if when and basis else when,
        "category": record.category or "",
        "code": record.code or "",
        "display": record.display or "",
        "value": shown,
        "unit": record.unit or "",
        "original": original,
        "range": ref,
        "flag": record.flag or "",
        "quality": "" if quality in (None, "ok") else str(quality),
        "source": record.source or "",
    }


class RecordsModel(QAbstractTableModel):
    sort_requested = Signal(str, bool)  # (column key, descending)
    page_loaded = Signal(int)  # a page's rows arrived (tests, benchmarks)

    def __init__(self, read_page: Callable[[list[int]], list[Record]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read_page = read_page
        self._ids: Any = []
        self._pages: OrderedDict[int, list[tuple[Record, dict[str, str]]]] = \
            OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self.pages_read = 0  # pages read since the last reset

    # --- what the view asks ------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A paint asks each visible cell for seven roles; this model answers three, and
        # looks the row up only for those (about half of a page's paint was here).
        if not index.isValid():
            return None
        column = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and column not in COLOURED:
            return None
        if role not in ROLES:
            return None
        row = self.row(index.row())
        key = KEYS[column]
        if row is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        _, text = row
        if role == Qt.ItemDataRole.ToolTipRole and key == "quality" and text[key]:
            return QUALITY_TIPS.get(str(row[0].quality_reason), text[key])
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text[key]
        if text[key] in FLAG_COLOURS:  # the foreground of a flag or quality
            return QColor(FLAG_COLOURS[text[key]])
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if KEYS[column] in SORT_KEYS:
            self.sort_requested.emit(KEYS[column], order == Qt.SortOrder.DescendingOrder)

    # --- rows --------------------------------------------------------------

    def reset_ids(self, ids: Any) -> None:
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._pending.clear()
        self._generation += 1
        self.pages_read = 0
        self.endResetModel()
        for page in range(min(PREFETCH, (len(ids) + PAGE - 1) // PAGE)):
            self._request(page)

    def row(self, row: int) -> tuple[Record, dict[str, str]] | None:
        """(record, cells) when its page is in memory; else asks for the page."""
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            self._request(page)
            return None
        self._pages.move_to_end(page)
        offset = row - page * PAGE
        return rows[offset] if offset < len(rows) else None

    def want(self, first: int, last: int) -> None:
        """Ask now for the pages of rows `first`..`last` not in memory: the view calls it
        when it scrolls, so the read runs while the rows are painted as "…" instead of
        starting only when that paint asks for them."""
        for page in range(max(0, first) // PAGE, min(last, len(self._ids) - 1) // PAGE + 1):
            if page not in self._pages:
                self._request(page)

    def peek(self, row: int) -> tuple[Record, dict[str, str]] | None:
        """Like `row`, but never asks for a page."""
        rows = self._pages.get(row // PAGE)
        offset = row % PAGE
        return rows[offset] if rows is not None and offset < len(rows) else None

    def record(self, row: int) -> Record | None:
        found = self.row(row)
        return found[0] if found else None

    @property
    def rows_in_memory(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    def _request(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        ids = [int(i) for i in self._ids[page * PAGE:(page + 1) * PAGE]]
        generation, read = self._generation, self._read_page
        # The cells are made on the worker too: the UI thread only stores them and paints.
        Op(lambda: [(r, cells(r)) for r in read(ids)], parent=self).success(
            lambda rows: self._loaded(generation, page, rows)).run_in_background()

    def _loaded(self, generation: int, page: int,
                rows: list[tuple[Record, dict[str, str]]]) -> None:
        if generation != self._generation:
            return  # read for an order that was replaced meanwhile
        self._pending.discard(page)
        self._pages[page] = rows
        self.pages_read += 1
        while len(self._pages) > KEEP_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE
        last = min(len(self._ids), first + PAGE) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page)
