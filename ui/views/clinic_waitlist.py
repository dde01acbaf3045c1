"""The desk's waitlist: who waits for which provider and when, adding a patient, and
offering a freed slot. When an appointment is cancelled or moved, the scheduler marks
the entries the freed time suits; they come first here, with the slot, and one click
books it for that patient (who then stops waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.services.clinic.scheduling.results import Appointment, WaitlistEntry
from app.services.clinic_desk import ClinicDesk
from ui.qt import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
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
    texts,
    title,
)

WHEN = "%a %d %b %H:%M"


class WaitlistPanel(DeskPanel):
    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.entries: dict[str, WaitlistEntry] = {}
        self.table = read_only_table(["Patient", "Provider", "Waiting for", "Notes",
                                      "Freed slot"], "The waitlist")
        self.offer_button = QPushButton("Book the freed slot")
        self.offer_button.setObjectName("primary")
        self.offer_button.setAccessibleName("Book the freed slot for the chosen patient")
        self.remove_button = QPushButton("Remove from waitlist")
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient to add")
        self.provider = QComboBox()
        self.provider.setAccessibleName("Provider wanted")
        self.start = QDateTimeEdit()
        self.end = QDateTimeEdit()
        for edit, name in ((self.start, "Earliest time"), (self.end, "Latest time")):
            edit.setDisplayFormat("ddd yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
        now = datetime.now(self.zone()).replace(minute=0, second=0, microsecond=0,
                                                tzinfo=None)
        self.start.setDateTime(now)
        self.end.setDateTime(now + timedelta(days=14))
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Notes (optional)")
        self.add_button = QPushButton("Add to waitlist")

        self.offer_button.clicked.connect(self.book_freed)
        self.remove_button.clicked.connect(self.remove)
        self.add_button.clicked.connect(self.add)

        buttons = QHBoxLayout()
        buttons.addWidget(self.offer_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Patient", self.patient)
        form.addRow("Provider", self.provider)
        form.addRow("From", self.start)
        form.addRow("Until", self.end)
        form.addRow("Notes", self.notes)
        form.addRow("", self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title("Waiting for a slot (a freed slot that suits comes first)"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(title("Add a patient to the waitlist"))
        layout.addLayout(form)
        layout.addWidget(self.message)

    def set_people(self, people: People) -> None:
        super().set_people(people)
        self.patient.clear()
        for p in people.patients:
            self.patient.addItem(f"{p.name} ({p.medical_record_number})", p.id)
        self.provider.clear()
        self.provider.addItem("Any provider", None)
        for p in people.providers:
            self.provider.addItem(p.name, p.id)
        self.refresh()

    def refresh(self) -> None:
        desk = self.desk
        self.run_latest("waitlist", desk.waitlist, self._show)

    def _show(self, entries: list[WaitlistEntry]) -> None:
        self.entries = {e.id: e for e in entries}
        zone, names = self.zone(), self.people.names
        fill(self.table, [
            (e.id, [names.get(e.patient_id, e.patient_id),
                    names.get(e.provider_id, e.provider_id) if e.provider_id else "Any",
                    f"{local_time(e.window_start, zone, WHEN)} – "
                    f"{local_time(e.window_end, zone, WHEN)}",
                    e.notes or "", self._freed(e)])
            for e in entries])
        self.table.resizeColumnsToContents()

    def _freed(self, entry: WaitlistEntry) -> str:
        slot = entry.matched_slot
        if not slot:
            return ""
        starts = datetime.fromisoformat(str(slot["scheduledAt"]).replace("Z", "+00:00"))
        who = self.people.names.get(str(slot["providerId"]), "")
        return f"{local_time(starts, self.zone(), WHEN)} with {who}".strip()

    def rows(self) -> list[list[str]]:
        return texts(self.table)

    def chosen(self) -> WaitlistEntry | None:
        key = selected_key(self.table)
        return self.entries.get(str(key)) if key is not None else None

    # --- acting -----------------------------------------------------------------

    def add(self) -> None:
        patient, provider = self.patient.currentData(ROLE), self.provider.currentData(ROLE)
        if not patient:
            self.message.setText("Choose the patient who waits.")
            return
        zone, desk = self.zone(), self.desk
        start = self.start.dateTime().toPython().replace(tzinfo=zone)
        end = self.end.dateTime().toPython().replace(tzinfo=zone)
        notes = self.notes.text().strip() or None
        self.run(lambda: desk.add_to_waitlist(patient_id=str(patient),
                                              provider_id=provider and str(provider),
                                              window_start=start, window_end=end,
                                              notes=notes),
                 lambda e: self._done(f"{self.people.names.get(e.patient_id, '')} is on the "
                                      "waitlist."))

    def book_freed(self) -> None:
        entry = self.chosen()
        if entry is None or not entry.matched_slot:
            self.message.setText("Choose a waiting patient with a freed slot first.")
            return
        desk = self.desk
        self.run(lambda: desk.book_freed_slot(entry), self._booked)

    def _booked(self, appointment: Appointment) -> None:
        self._done(f"Booked the freed slot: {appointment.confirmation_number}.")
        self.appointments_changed.emit()

    def remove(self) -> None:
        entry = self.chosen()
        if entry is None:
            self.message.setText("Choose a waitlist entry first.")
            return
        desk, name = self.desk, self.people.names.get(entry.patient_id, "The patient")
        self.run(lambda: desk.remove_from_waitlist(entry.id),
                 lambda _: self._done(f"{name} is no longer waiting."))

    def _done(self, text: str) -> None:
        self.message.setText(text)
        self.refresh()
