"""The Clinic desk tab (shown when the vault has an organization): one provider's day and
week, the real free slots to book from, the day's appointments with their next steps (check
in, complete, no-show, cancel, reschedule to a chosen free slot), and patient search
and registration. Everything through app/services/clinic_desk.py, in ops."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.services.clinic_desk import ClinicDesk, DeskDay
from ui.ops import Op
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

ROLE = Qt.ItemDataRole.UserRole
STATUS_TEXT = {"scheduled": "Scheduled", "confirmed": "Confirmed", "checked_in": "Checked in",
               "completed": "Completed", "cancelled": "Cancelled", "no_show": "No-show"}


class ClinicView(QWidget):
    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.day: DeskDay | None = None
        self._names: dict[str, str] = {}
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider")
        self.date = QDateTimeEdit()
        self.date.setDisplayFormat("ddd yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.date.setDate(date.today())
        self.date.setAccessibleName("Day")
        self.slots = QListWidget()
        self.slots.setAccessibleName("Free slots")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a patient: name or MRN")
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient")
        self.book_button = QPushButton("Book selected slot")
        self.book_button.setObjectName("primary")
        self.appointments = QTableWidget(0, 4)
        self.appointments.setHorizontalHeaderLabels(["Time", "Patient", "Status",
                                                     "Confirmation"])
        self.appointments.setAccessibleName("The day's appointments")
        self.appointments.verticalHeader().hide()
        self.appointments.horizontalHeader().setStretchLastSection(True)
        self.appointments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.appointments.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.action_buttons = {name: QPushButton(text) for name, text in (
            ("check_in", "Check in"), ("complete", "Complete"), ("no_show", "No-show"),
            ("cancel", "Cancel appointment"), ("reschedule", "Move to selected slot"))}
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("New patient's name")
        self.new_birth = QLineEdit()
        self.new_birth.setPlaceholderText("Date of birth, YYYY-MM-DD")
        self.register_button = QPushButton("Register patient")
        self.week = QTableWidget(0, 7)
        self.week.setAccessibleName("The provider's week")
        self.week.verticalHeader().hide()
        self.week.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.week.setMaximumHeight(220)
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)

        self.provider.currentIndexChanged.connect(lambda _: self.refresh())
        self.date.dateChanged.connect(lambda _: self.refresh())
        self.search.returnPressed.connect(self.find_patients)
        self.book_button.clicked.connect(self.book)
        self.register_button.clicked.connect(self.register)
        for name, button in self.action_buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.act(n))

        top = QHBoxLayout()
        top.addWidget(QLabel("Provider:"))
        top.addWidget(self.provider, 2)
        top.addWidget(QLabel("Day:"))
        top.addWidget(self.date, 1)
        left = QVBoxLayout()
        left.addWidget(_title("Free slots"))
        left.addWidget(self.slots, 1)
        left.addWidget(self.search)
        left.addWidget(self.patient)
        left.addWidget(self.book_button)
        left.addWidget(_title("Register a patient"))
        left.addWidget(self.new_name)
        left.addWidget(self.new_birth)
        left.addWidget(self.register_button)
        right = QVBoxLayout()
        right.addWidget(_title("Appointments"))
        right.addWidget(self.appointments, 1)
        actions = QHBoxLayout()
        for button in self.action_buttons.values():
            actions.addWidget(button)
        right.addLayout(actions)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{desk.organization.name}</b>"))
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(_title("The week (free slots and appointments per day)"))
        layout.addWidget(self.week)
        layout.addWidget(self.message)
        self.load()

    # --- loading --------------------------------------------------------------

    def load(self) -> None:
        desk = self.desk
        Op(lambda: (desk.providers(), desk.patients()), parent=self) \
            .success(self._loaded).failure(self._failed).run_in_background()

    def _loaded(self, found: tuple[list[Any], list[Any]]) -> None:
        providers, patients = found
        self.provider.blockSignals(True)
        self.provider.clear()
        for p in providers:
            self.provider.addItem(p.name, p.id)
        self.provider.blockSignals(False)
        self._show_patients(patients)
        self.refresh()

    def find_patients(self) -> None:
        desk, text = self.desk, self.search.text().strip() or None
        Op(lambda: desk.patients(text), parent=self).success(self._show_patients) \
            .failure(self._failed).run_in_background()

    def _show_patients(self, patients: list[Any]) -> None:
        self.patient.clear()
        for p in patients:
            self._names[p.id] = p.name
            self.patient.addItem(f"{p.name} ({p.medical_record_number})", p.id)

    def refresh(self) -> None:
        provider = self.provider.currentData(ROLE)
        if not provider:
            return
        desk, day = self.desk, self.date.date().toPython()
        Op(lambda: desk.day(provider_id=str(provider), day=day), parent=self) \
            .success(self._show_day).failure(self._failed).run_in_background()
        monday = day - timedelta(days=day.weekday())
        Op(lambda: desk.week(provider_id=str(provider), start=monday), parent=self) \
            .success(self._show_week).failure(self._failed).run_in_background()

    def _show_week(self, days: tuple[DeskDay, ...]) -> None:
        """One column per day: its free slots' times, then its appointments."""
        self.week.setHorizontalHeaderLabels(
            [d.availability.date.strftime("%a %d") for d in days])
        columns = []
        for d in days:
            tz = d.availability.timezone
            booked = [f"{_local(a.scheduled_at, tz)} {self._names.get(a.patient_id, '')} "
                      f"({STATUS_TEXT.get(a.status, a.status)})" for a in d.appointments]
            free = [f"{s.start_time} free" for s in d.availability.available_slots]
            columns.append(booked + free)
        self.week.setRowCount(max((len(c) for c in columns), default=0))
        for col, texts in enumerate(columns):
            for row, text in enumerate(texts):
                self.week.setItem(row, col, QTableWidgetItem(text))

    def week_column(self, index: int) -> list[str]:
        return [self.week.item(r, index).text() for r in range(self.week.rowCount())
                if self.week.item(r, index) is not None]

    def _show_day(self, day: DeskDay) -> None:
        self.day = day
        self.slots.clear()
        for slot in day.availability.available_slots:
            item = QListWidgetItem(f"{slot.start_time}–{slot.end_time}")
            item.setData(ROLE, slot.starts_at)
            self.slots.addItem(item)
        self.appointments.setRowCount(len(day.appointments))
        tz = day.availability.timezone
        for row, a in enumerate(day.appointments):
            cells = (_local(a.scheduled_at, tz), self._names.get(a.patient_id, a.patient_id),
                     STATUS_TEXT.get(a.status, a.status), a.confirmation_number or "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ROLE, a.id)
                self.appointments.setItem(row, col, item)

    def slot_texts(self) -> list[str]:
        return [self.slots.item(i).text() for i in range(self.slots.count())]

    # --- acting -----------------------------------------------------------------

    def book(self) -> None:
        slot, patient = self.slots.currentItem(), self.patient.currentData(ROLE)
        provider = self.provider.currentData(ROLE)
        if slot is None or not patient:
            self.message.setText("Choose a free slot and a patient first.")
            return
        desk, starts = self.desk, slot.data(ROLE)
        Op(lambda: desk.book(provider_id=str(provider), patient_id=str(patient),
                             starts_at=starts), parent=self) \
            .success(lambda a: self._done(f"Booked: {a.confirmation_number}.")) \
            .failure(self._failed).run_in_background()

    def selected_appointment(self) -> str | None:
        rows = self.appointments.selectionModel().selectedRows()
        return str(self.appointments.item(rows[0].row(), 0).data(ROLE)) if rows else None

    def act(self, action: str) -> None:
        appointment = self.selected_appointment()
        if appointment is None:
            self.message.setText("Choose an appointment first.")
            return
        desk = self.desk
        if action == "reschedule":
            slot = self.slots.currentItem()
            if slot is None:
                self.message.setText("Choose the free slot to move it to.")
                return
            starts = slot.data(ROLE)
            work = lambda: desk.reschedule(appointment, starts)  # noqa: E731
        else:
            work = lambda: desk.act(appointment, action)  # noqa: E731
        Op(work, parent=self).success(
            lambda a: self._done(f"{STATUS_TEXT.get(a.status, a.status)}.")) \
            .failure(self._failed).run_in_background()

    def register(self) -> None:
        from datetime import date as day_type

        name = self.new_name.text().strip()
        try:
            born = day_type.fromisoformat(self.new_birth.text().strip())
        except ValueError:
            self.message.setText("Write the date of birth as YYYY-MM-DD.")
            return
        desk = self.desk
        Op(lambda: desk.register_patient(name=name, date_of_birth=born), parent=self) \
            .success(lambda r: (self._done(f"Registered {r.patient.name} "
                                           f"({r.patient.medical_record_number})."),
                                self.find_patients())) \
            .failure(self._failed).run_in_background()

    def _done(self, text: str) -> None:
        self.message.setText(text)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import describe

        self.message.setText(describe(exc)[1])


def _local(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label
