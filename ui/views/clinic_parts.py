"""What the clinic desk's panels share: the desk, a message line for outcomes, work run
in ops with failures said as sentences, the people every panel names, and small widgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from app.services.clinic.provider_results import Provider
from app.services.clinic.results import Patient
from app.services.clinic_desk import ClinicDesk
from ui.errors import describe
from ui.ops import Op
from ui.qt import QAbstractItemView, QLabel, Qt, QTableWidget, QTableWidgetItem, QWidget, Signal

ROLE = Qt.ItemDataRole.UserRole
T = TypeVar("T")


@dataclass(frozen=True)
class People:
    """The organization's providers and patients, loaded once for every panel."""

    providers: tuple[Provider, ...] = ()
    patients: tuple[Patient, ...] = ()
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, providers: list[Provider], patients: list[Patient]) -> People:
        names = {p.id: p.name for p in providers} | {p.id: p.name for p in patients}
        return cls(tuple(providers), tuple(patients), names)


class DeskPanel(QWidget):
    """A part of the desk. `appointments_changed` tells the others the day changed (a
    booking, a move, a cancel); `people_changed` that a patient was registered."""

    appointments_changed = Signal()
    people_changed = Signal()

    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.people = People()
        self._tickets: dict[str, int] = {}  # run_latest's latest request per kind
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)

    def set_people(self, people: People) -> None:
        self.people = people

    def run(self, work: Callable[[], T], done: Callable[[T], Any]) -> None:
        """`work` on a worker, `done` with its result here; a refusal is said in `message`."""
        Op(work, parent=self).success(done).failure(self.failed).run_in_background()

    def run_latest(self, kind: str, work: Callable[[], T], done: Callable[[T], Any]) -> None:
        """`run` for a view's refresh: ops finish in any order, so only the answer to the
        latest request of this `kind` is shown (an earlier date's day, arriving last,
        replaced the chosen one's)."""
        ticket = self._tickets[kind] = self._tickets.get(kind, 0) + 1
        self.run(work, lambda result: done(result) if self._tickets[kind] == ticket else None)

    def failed(self, exc: BaseException) -> None:
        self.message.setText(describe(exc)[1])

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.desk.organization.timezone)


def title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def local_time(moment: datetime, tz: str | ZoneInfo, fmt: str = "%H:%M") -> str:
    return moment.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).strftime(fmt)


def read_only_table(headers: list[str], name: str) -> QTableWidget:
    """A table of whole rows, chosen by row, never edited in place."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return table


def fill(table: QTableWidget, rows: list[tuple[Any, list[str]]]) -> None:
    """Rows of (the row's key, its cells); the key rides on every cell (`ROLE`)."""
    table.setRowCount(len(rows))
    for row, (key, cells) in enumerate(rows):
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(ROLE, key)
            table.setItem(row, col, item)


def selected_key(table: QTableWidget) -> Any:
    """The key of the chosen row, or None."""
    rows = table.selectionModel().selectedRows()
    return table.item(rows[0].row(), 0).data(ROLE) if rows else None


def texts(table: QTableWidget) -> list[list[str]]:
    """What the table shows, row by row (what a person reads; tests compare it)."""
    return [[table.item(r, c).text() if table.item(r, c) else ""
             for c in range(table.columnCount())] for r in range(table.rowCount())]
