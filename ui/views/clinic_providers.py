"""The desk's provider list: search by name, email or department; each provider's
specialties, licence and weekly hours (in the clinic's time zone, as the scheduler
reads them)."""

from __future__ import annotations

from app.services.clinic.provider_results import Provider
from app.services.clinic_desk import ClinicDesk
from ui.qt import QLineEdit, QVBoxLayout, QWidget
from ui.views.clinic_parts import DeskPanel, People, fill, read_only_table, texts, title

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LICENCE = {"active": "valid", "expired": "EXPIRED", "unknown": "not on file"}


def hours_text(provider: Provider) -> str:
    """"Mon 09:00–12:00, 13:00–17:00; Tue …" for the days the provider works."""
    days = []
    for day in DAYS:
        spans = provider.availability.get(day) or []
        if spans:
            days.append(f"{day[:3].title()} " +
                        ", ".join(f"{s['start']}–{s['end']}" for s in spans))
    return "; ".join(days) or "no hours set"


class ProvidersPanel(DeskPanel):
    def __init__(self, desk: ClinicDesk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a provider: name, email or department")
        self.search.setAccessibleName("Find a provider")
        self.search.returnPressed.connect(self.find)
        self.table = read_only_table(["Name", "Specialties", "Department", "Licence",
                                      "Hours"], "Providers")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title("Providers"))
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def set_people(self, people: People) -> None:
        super().set_people(people)
        if not self.search.text().strip():
            self._show(list(people.providers))

    def find(self) -> None:
        desk, text = self.desk, self.search.text().strip() or None
        self.run(lambda: desk.providers(text), self._show)

    def _show(self, providers: list[Provider]) -> None:
        fill(self.table, [
            (p.id, [p.name, ", ".join(p.specialties), p.department or "",
                    LICENCE.get(p.license_status, p.license_status)
                    + (f" until {p.license_expiry}" if p.license_expiry else ""),
                    hours_text(p)])
            for p in providers])
        self.table.resizeColumnsToContents()
        self.message.setText("" if providers else "No provider matches.")

    def rows(self) -> list[list[str]]:
        return texts(self.table)
