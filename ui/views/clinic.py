"""The Clinic desk tab (shown when the vault has an organization): the schedule, the
waitlist and the provider list as pages, with the scheduling assistant's chat beside
them. Everything through app/services/clinic_desk.py, in ops; the panels tell each
other when the day changed (a booking, a move, a cancel) or a patient was registered."""

from __future__ import annotations

from typing import Any

from app.services.clinic.provider_results import Provider
from app.services.clinic.results import Patient
from app.services.clinic_desk import ClinicDesk
from ui.qt import QLabel, QSplitter, Qt, QTabWidget, QVBoxLayout, QWidget
from ui.views.clinic_chat import AssistantPanel
from ui.views.clinic_parts import DeskPanel, People
from ui.views.clinic_providers import ProvidersPanel
from ui.views.clinic_schedule import ScheduleView
from ui.views.clinic_waitlist import WaitlistPanel


class ClinicView(DeskPanel):
    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.schedule = ScheduleView(desk)
        self.waitlist = WaitlistPanel(desk)
        self.providers = ProvidersPanel(desk)
        self.assistant = AssistantPanel(desk, self.schedule.chosen_patient)
        self.pages = QTabWidget()
        self.pages.addTab(self.schedule, "Schedule")
        self.pages.addTab(self.waitlist, "Waitlist")
        self.pages.addTab(self.providers, "Providers")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pages)
        splitter.addWidget(self.assistant)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{desk.organization.name}</b>"))
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        for panel in self.panels():
            panel.appointments_changed.connect(self.day_changed)
            panel.people_changed.connect(self.load)
        self.schedule.patient.currentIndexChanged.connect(
            lambda _: self.assistant.show_patient())
        self.load()

    def panels(self) -> tuple[DeskPanel, ...]:
        return (self.schedule, self.waitlist, self.providers, self.assistant)

    def load(self) -> None:
        desk = self.desk
        self.run(lambda: (desk.providers(), desk.patients()), self._loaded)

    def _loaded(self, found: tuple[list[Provider], list[Patient]]) -> None:
        people = People.of(*found)
        self.set_people(people)
        for panel in self.panels():
            panel.set_people(people)
        self.assistant.show_patient()

    def day_changed(self) -> None:
        """Someone booked, moved or cancelled: the schedule and the waitlist (a freed
        slot marks who it suits) show it."""
        self.schedule.refresh()
        self.waitlist.refresh()

    def on_event(self, event: dict[str, Any]) -> None:
        """A slot freed elsewhere (the API, another desk): who waits may want it."""
        if event.get("type") == "slot_freed" and \
                event.get("organization_id") == self.desk.organization.id:
            self.day_changed()
