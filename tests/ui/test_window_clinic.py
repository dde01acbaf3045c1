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
    assert dict(window.shortcuts())["Clinic desk"] == "Ctrl+6"  # listed in Help
    window.tabs.setCurrentWidget(window.clinic)
    view = window.clinic.schedule
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


def _next_monday() -> date:
    return date.today() + timedelta(days=7 - date.today().weekday())


def _open_desk(qtbot, ctx):
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.clinic is not None, timeout=10000)
    window.tabs.setCurrentWidget(window.clinic)
    desk = window.clinic
    qtbot.waitUntil(lambda: desk.schedule.provider.count() >= 1
                    and desk.waitlist.patient.count() >= 1, timeout=10000)
    return window, desk


def test_a_freed_slot_is_offered_to_the_waitlist_and_booked(qtbot, ctx):
    provider_id, rosa = _clinic(ctx)
    ben = ClinicDesk.open(ctx).register_patient(name="Ben Okafor",
                                                date_of_birth=date(1975, 9, 30)).patient
    monday = _next_monday()
    window, desk = _open_desk(qtbot, ctx)
    qtbot.waitUntil(lambda: desk.waitlist.patient.count() == 2, timeout=10000)
    schedule, waitlist = desk.schedule, desk.waitlist
    schedule.date.setDate(monday)
    qtbot.waitUntil(lambda: len(schedule.slot_texts()) == 4, timeout=10000)
    schedule.patient.setCurrentIndex(schedule.patient.findData(rosa))
    schedule.slots.setCurrentRow(1)  # 09:30
    qtbot.mouseClick(schedule.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: schedule.appointments.rowCount() == 1, timeout=10000)

    # Ben waits for Dr. Ito in the next two weeks (the default window)
    desk.pages.setCurrentWidget(waitlist)
    waitlist.patient.setCurrentIndex(waitlist.patient.findData(ben.id))
    waitlist.provider.setCurrentIndex(waitlist.provider.findData(provider_id))
    waitlist.notes.setText("mornings")
    qtbot.mouseClick(waitlist.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(waitlist.rows()) == 1, timeout=10000)
    assert waitlist.rows()[0][:2] == ["Ben Okafor", "Dr. Aiko Ito"]
    assert waitlist.rows()[0][3:] == ["mornings", ""]  # nothing freed yet

    # Rosa cancels: her 09:30 is offered to Ben
    desk.pages.setCurrentWidget(schedule)
    schedule.appointments.selectRow(0)
    qtbot.mouseClick(schedule.action_buttons["cancel"], Qt.MouseButton.LeftButton)
    freed = f"{monday:%a %d %b} 09:30 with Dr. Aiko Ito"
    qtbot.waitUntil(lambda: waitlist.rows() and waitlist.rows()[0][4] == freed, timeout=10000)
    desk.pages.setCurrentWidget(waitlist)
    waitlist.table.selectRow(0)
    qtbot.mouseClick(waitlist.offer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: waitlist.rows() == [], timeout=10000)
    assert waitlist.message.text().startswith("Booked the freed slot: CONF-")
    qtbot.waitUntil(lambda: "09:30–10:00" not in schedule.slot_texts(), timeout=10000)
    qtbot.waitUntil(lambda: schedule.appointments.rowCount() == 2, timeout=10000)
    shown = sorted(tuple(schedule.appointments.item(r, c).text() for c in range(3))
                   for r in range(2))
    assert shown == [("09:30", "Ben Okafor", "Scheduled"), ("09:30", "Rosa Diaz", "Cancelled")]


def test_the_assistant_books_for_the_chosen_patient_after_a_yes(qtbot, ctx):
    _, rosa = _clinic(ctx)
    monday = _next_monday()
    window, desk = _open_desk(qtbot, ctx)
    schedule, chat = desk.schedule, desk.assistant
    schedule.patient.setCurrentIndex(schedule.patient.findData(rosa))
    qtbot.waitUntil(lambda: chat.patient_hint.text() == "Booking for Rosa Diaz.",
                    timeout=10000)
    schedule.date.setDate(monday)
    qtbot.waitUntil(lambda: len(schedule.slot_texts()) == 4, timeout=10000)

    def say(text: str, turns: int) -> str:
        qtbot.keyClicks(chat.input, text)
        qtbot.keyClick(chat.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(chat.said) == turns, timeout=15000)
        who, reply = chat.said[-1]
        assert who == "Assistant"
        return reply

    offered = say(f"I need an appointment with Dr. Ito on {monday:%B} {monday.day} "
                  "in the morning", 2)
    assert all(t in offered for t in ("09:00", "09:30", "10:00", "10:30")), offered
    held = say("10:00 please", 4)
    assert "10:00" in held and "yes" in held.lower()
    assert schedule.appointments.rowCount() == 0  # nothing booked before the yes
    done = say("yes", 6)
    assert "CONF-" in done
    qtbot.waitUntil(lambda: schedule.appointments.rowCount() == 1, timeout=10000)
    assert [schedule.appointments.item(0, c).text() for c in range(4)] == \
        ["10:00", "Rosa Diaz", "Scheduled", done.split("is ")[-1].rstrip(".")]
    assert "10:00–10:30" not in schedule.slot_texts()


def test_the_provider_list_searches_and_shows_hours(qtbot, ctx):
    _clinic(ctx)
    access = ClinicDesk.open(ctx).access("manage_providers")
    ctx.clinic.providers.register(access, ProviderCreate(
        email="dr.carter@harbor.example", name="Dr. Ben Carter", department="Cardiology",
        specialties=["cardiology"],
        availability={"tuesday": [{"start": "13:00", "end": "17:00"}],
                      "thursday": [{"start": "08:00", "end": "12:00"},
                                   {"start": "13:00", "end": "15:00"}]}))
    window, desk = _open_desk(qtbot, ctx)
    providers = desk.providers
    desk.pages.setCurrentWidget(providers)
    qtbot.waitUntil(lambda: len(providers.rows()) == 2, timeout=10000)
    assert sorted(r[0] for r in providers.rows()) == ["Dr. Aiko Ito", "Dr. Ben Carter"]
    qtbot.keyClicks(providers.search, "cardio")
    qtbot.keyClick(providers.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(providers.rows()) == 1, timeout=10000)
    name, specialties, department, _licence, hours = providers.rows()[0]
    assert (name, specialties, department) == ("Dr. Ben Carter", "cardiology", "Cardiology")
    assert hours == "Tue 13:00–17:00; Thu 08:00–12:00, 13:00–15:00"
    providers.search.clear()
    qtbot.keyClicks(providers.search, "nobody-by-this-name")
    qtbot.keyClick(providers.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: providers.rows() == [], timeout=10000)
    assert providers.message.text() == "No provider matches."


def test_a_days_answer_arriving_late_never_replaces_the_chosen_days(qtbot, ctx, monkeypatch):
    """The desk first asks for today, then the person picks Monday: today's answer, held
    back until Monday's is shown, must not replace it (ops finish in any order)."""
    import threading

    from ui import ops

    _clinic(ctx)
    monday = _next_monday()
    release = threading.Event()
    real_day = ClinicDesk.day

    def slow_unless_monday(self, *, provider_id, day: date):  # noqa: ANN001, ANN202
        if day != monday:
            assert release.wait(10)
        return real_day(self, provider_id=provider_id, day=day)

    monkeypatch.setattr(ClinicDesk, "day", slow_unless_monday)
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.clinic is not None, timeout=10000)
    window.tabs.setCurrentWidget(window.clinic)
    view = window.clinic.schedule
    qtbot.waitUntil(lambda: view.provider.count() == 1, timeout=10000)
    view.date.setDate(monday)
    expected = ["09:00–09:30", "09:30–10:00", "10:00–10:30", "10:30–11:00"]
    qtbot.waitUntil(lambda: view.slot_texts() == expected, timeout=10000)
    release.set()  # today's answer (no hours: no slots) arrives now
    qtbot.waitUntil(lambda: ops.busy() == 0, timeout=10000)
    assert view.slot_texts() == expected
    assert view.day is not None and view.day.availability.date == monday
