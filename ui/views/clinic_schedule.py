"""The desk's schedule: one provider's day and week, the real free slots to book from,
the day's appointments with their next steps (check in, complete, no-show, cancel,
move to a chosen free slot), and patient search and registration."""

from __future__ import annotations

from datetime import date, timedelta

from app.services.clinic.results import Patient
from app.services.clinic_desk import ClinicDesk, DeskDay
from ui.qt import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from ui.views.clinic_parts import (
    ROLE,
    DeskPanel,
    People,
    fill,
    local_time,
    read_only_table,
    selected_key,
    title,
)

STATUS_TEXT = {"scheduled": "Scheduled", "confirmed": "Confirmed", "checked_in": "Checked in",
               "completed": "Completed", "cancelled": "Cancelled", "no_show": "No-show"}


class ScheduleView(DeskPanel):
    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.day: DeskDay | None = None
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
        self.appointments = read_only_table(["Time", "Patient", "Status", "Confirmation"],
                                            "The day's appointments")
        self.action_buttons = {name: QPushButton(text) for name, text in (
            ("check_in", "Check in"), ("complete", "Complete"), ("no_show", "No-show"),
            ("cancel", "Cancel appointment"), ("reschedule", "Move to selected slot"))}
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("New patient's name")
        self.new_birth = QLineEdit()
        self.new_birth.setPlaceholderText("Date of birth, YYYY-MM-DD")
        self.register_button = QPushButton("Register patient")
        self.week = read_only_table([""] * 7, "The provider's week")
        self.week.setMaximumHeight(220)

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
        left.addWidget(title("Free slots"))
        left.addWidget(self.slots, 1)
        left.addWidget(self.search)
        left.addWidget(self.patient)
        left.addWidget(self.book_button)
        left.addWidget(title("Register a patient"))
        left.addWidget(self.new_name)
        left.addWidget(self.new_birth)
        left.addWidget(self.register_button)
        right = QVBoxLayout()
        right.addWidget(title("Appointments"))
        right.addWidget(self.appointments, 1)
        actions = QHBoxLayout()
        for button in self.action_buttons.values():
            actions.addWidget(button)
        right.addLayout(actions)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(title("The week (free slots and appointments per day)"))
        layout.addWidget(self.week)
        layout.addWidget(self.message)

    # --- loading --------------------------------------------------------------

    def set_people(self, people: People) -> None:
        super().set_people(people)
        chosen = self.provider.currentData(ROLE)
        self.provider.blockSignals(True)
        self.provider.clear()
        for p in people.providers:
            self.provider.addItem(p.name, p.id)
        if chosen is not None and self.provider.findData(chosen) >= 0:
            self.provider.setCurrentIndex(self.provider.findData(chosen))
        self.provider.blockSignals(False)
        self._show_patients(list(people.patients))
        self.refresh()

    def find_patients(self) -> None:
        desk, text = self.desk, self.search.text().strip() or None
        self.run(lambda: desk.patients(text), self._show_patients)

    def _show_patients(self, patients: list[Patient]) -> None:
        chosen = self.patient.currentData(ROLE)
        self.patient.clear()
        for p in patients:
            self.patient.addItem(f"{p.name} ({p.medical_record_number})", p.id)
        if chosen is not None and self.patient.findData(chosen) >= 0:
            self.patient.setCurrentIndex(self.patient.findData(chosen))

    def chosen_patient(self) -> str | None:
        value = self.patient.currentData(ROLE)
        return str(value) if value else None

    def refresh(self) -> None:
        provider = self.provider.currentData(ROLE)
        if not provider:
            return
        desk, day = self.desk, self.date.date().toPython()
        self.run_latest("day", lambda: desk.day(provider_id=str(provider), day=day),
                        self._show_day)
        monday = day - timedelta(days=day.weekday())
        self.run_latest("week", lambda: desk.week(provider_id=str(provider), start=monday),
                        self._show_week)

    def _show_week(self, days: tuple[DeskDay, ...]) -> None:
        """One column per day: its appointments, then its free slots' times."""
        self.week.setHorizontalHeaderLabels(
            [d.availability.date.strftime("%a %d") for d in days])
        columns = []
        for d in days:
            tz = d.availability.timezone
            booked = [f"{local_time(a.scheduled_at, tz)} {self.people.names.get(a.patient_id, '')} "
                      f"({STATUS_TEXT.get(a.status, a.status)})" for a in d.appointments]
            free = [f"{s.start_time} free" for s in d.availability.available_slots]
            columns.append(booked + free)
        self.week.clearContents()
        self.week.setRowCount(max((len(c) for c in columns), default=0))
        for col, cells in enumerate(columns):
            for row, text in enumerate(cells):
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
        tz = day.availability.timezone
        fill(self.appointments, [
            (a.id, [local_time(a.scheduled_at, tz), self.people.names.get(a.patient_id,
                                                                          a.patient_id),
                    STATUS_TEXT.get(a.status, a.status), a.confirmation_number or ""])
            for a in day.appointments])

    def slot_texts(self) -> list[str]:
        return [self.slots.item(i).text() for i in range(self.slots.count())]

    # --- acting -----------------------------------------------------------------

    def book(self) -> None:
        slot, patient = self.slots.currentItem(), self.chosen_patient()
        provider = self.provider.currentData(ROLE)
        if slot is None or not patient:
            self.message.setText("Choose a free slot and a patient first.")
            return
        desk, starts = self.desk, slot.data(ROLE)
        self.run(lambda: desk.book(provider_id=str(provider), patient_id=patient,
                                   starts_at=starts),
                 lambda a: self._done(f"Booked: {a.confirmation_number}."))

    def selected_appointment(self) -> str | None:
        key = selected_key(self.appointments)
        return None if key is None else str(key)

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
        self.run(work, lambda a: self._done(f"{STATUS_TEXT.get(a.status, a.status)}."))

    def register(self) -> None:
        name = self.new_name.text().strip()
        try:
            born = date.fromisoformat(self.new_birth.text().strip())
        except ValueError:
            self.message.setText("Write the date of birth as YYYY-MM-DD.")
            return
        desk = self.desk
        self.run(lambda: desk.register_patient(name=name, date_of_birth=born),
                 lambda r: (self.message.setText(f"Registered {r.patient.name} "
                                                 f"({r.patient.medical_record_number})."),
                            self.people_changed.emit()))

    def _done(self, text: str) -> None:
        self.message.setText(text)
        self.refresh()
        self.appointments_changed.emit()
