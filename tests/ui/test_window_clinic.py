"""The Clinic desk: booking a free slot removes it from the list and lists the visit."""

from __future__ import annotations

from datetime import date, timedelta

from app.services.auth import Principal
from app.services.clinic.inputs import OrganizationCreate, ProviderCreate
from app.services.clinic_desk import ClinicDesk
from ui.main_window import MainWindow
from ui.qt import Qt

HOURS = {"monday": [{"start": "09:00", "end": "11:00"}]}  # four 30-minute slots


def _clinic(ctx) -> tuple[str, str]:
    ctx.auth.add_user("owner@example.org", "a long enough password")  # the vault's owner
    owner = ctx.vault.users.owner()
    principal = Principal(user_id=owner["id"], email=owner["email"], name=None, is_owner=True,
                          token_kind="personal")
    ctx.clinic.organizations.create(principal, OrganizationCreate(
        name="Harbor Clinic", slug="harbor-clinic", timezone="America/Los_Angeles"))
    desk = ClinicDesk.open(ctx)
    access = desk.access("manage_providers")
    provider = ctx.clinic.providers.register(access, ProviderCreate(
        email="dr.ito@harbor.example", name="Dr. Aiko Ito", availability=HOURS)).provider
    patient = desk.register_patient(name="Rosa Diaz", date_of_birth=date(1980, 4, 2)).patient
    return provider.id, patient.id


def test_booking_a_slot_removes_it_and_the_desk_runs_the_visit(qtbot, ctx):
    provider_id, patient_id = _clinic(ctx)
    monday = date.today() + timedelta(days=7 - date.today().weekday())  # next Monday
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.clinic is not None, timeout=10000)
    view = window.clinic
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.provider.count() == 1 and view.patient.count() == 1,
                    timeout=10000)
    view.date.setDate(monday)
    expected = ["09:00–09:30", "09:30–10:00", "10:00–10:30", "10:30–11:00"]
    qtbot.waitUntil(lambda: view.slot_texts() == expected, timeout=10000)

    view.slots.setCurrentRow(1)
    qtbot.mouseClick(view.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.slot_texts() == [expected[0], *expected[2:]], timeout=10000)
    assert view.message.text().startswith("Booked: CONF-")
    monday_column = ["09:30 Rosa Diaz (Scheduled)", "09:00 free", "10:00 free", "10:30 free"]
    qtbot.waitUntil(lambda: view.week_column(0) == monday_column, timeout=10000)
    assert view.week_column(1) == []  # no hours on Tuesday
    assert view.appointments.rowCount() == 1
    assert [view.appointments.item(0, c).text() for c in range(3)] == \
        ["09:30", "Rosa Diaz", "Scheduled"]

    # reschedule to 10:30: 09:30 is free again, 10:30 is taken
    view.appointments.selectRow(0)
    view.slots.setCurrentRow(view.slot_texts().index("10:30–11:00"))
    qtbot.mouseClick(view.action_buttons["reschedule"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.slot_texts() == expected[:3], timeout=10000)
    # a scheduled visit cannot be completed before check-in: the service says why
    view.appointments.selectRow(0)
    qtbot.mouseClick(view.action_buttons["complete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "completed" in view.message.text(), timeout=10000)
    assert view.appointments.item(0, 2).text() == "Scheduled"
    # cancel frees the slot
    view.appointments.selectRow(0)
    qtbot.mouseClick(view.action_buttons["cancel"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.slot_texts() == expected, timeout=10000)
    assert view.appointments.item(0, 2).text() == "Cancelled"
