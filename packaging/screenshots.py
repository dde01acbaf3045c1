"""`make screenshots`: PNGs of the desktop app, drawn offscreen, in ./screenshots/.

A throwaway demo vault (the invented patient of `healthinsight demo`) in a temporary
folder (invented data only), the offline engine, and the real window: import, overview,
an answer with its chart, records, an urgent answer, conversations, the clinic desk when
present, settings, the overview in dark appearance, and the first-run and unlock dialogs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.context import AppContext  # noqa: E402
from app.demo import write_demo_bundle  # noqa: E402
from app.settings import Settings  # noqa: E402
from storage.vault import Vault  # noqa: E402
from ui import ops, resources  # noqa: E402
from ui.dialogs.first_run import FirstRunDialog  # noqa: E402
from ui.dialogs.unlock import UnlockDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.qt import QApplication, Qt, QWidget  # noqa: E402

OUT = Path("screenshots")
PASSPHRASE = "screenshots only"


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.6) -> None:
    """Let layouts and the web view paint before grabbing."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, name: str) -> None:
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def ask(window: MainWindow, question: str) -> None:
    window.ask.answer.result = None
    window.ask.question.setPlainText(question)
    window.ask.ask()
    wait_until(lambda: window.ask.answer.result is not None)
    figure = window.ask.answer.chart.figure
    if figure and window.ask.answer.chart.uses_web:
        wait_until(lambda: window.ask.answer.chart.rendered_traces == len(figure["data"]))
    settle(1.0)


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def demo_clinic(ctx: AppContext) -> None:
    """An invented clinic: the owner account, one organization, a provider, patients."""
    from app.services.auth import Principal
    from app.services.clinic.inputs import OrganizationCreate, ProviderCreate
    from app.services.clinic_desk import ClinicDesk

    ctx.auth.add_user("owner@demo.example", "screenshots only, demo")
    owner = ctx.vault.users.owner()
    principal = Principal(user_id=owner["id"], email=owner["email"], name=None,
                          is_owner=True, token_kind="personal")
    ctx.clinic.organizations.create(principal, OrganizationCreate(
        name="Harbor Family Clinic", slug="harbor-family", timezone="America/Los_Angeles"))
    desk = ClinicDesk.open(ctx)
    assert desk is not None
    hours = {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]}
    ctx.clinic.providers.register(desk.access("manage_providers"), ProviderCreate(
        email="dr.ito@harbor.example", name="Dr. Aiko Ito", availability=hours))
    for name, born in (("Rosa Diaz", date(1980, 4, 2)), ("Sam Okafor", date(1992, 9, 14))):
        desk.register_patient(name=name, date_of_birth=born)


def show_tab(window: MainWindow, widget: QWidget, ready: Callable[[], bool]) -> None:
    window.tabs.setCurrentWidget(widget)
    wait_until(ready)
    settle()


def main() -> int:
    OUT.mkdir(exist_ok=True)
    app = QApplication(sys.argv[:1])
    resources.apply(app, "light")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "vault"
        Vault.create(home, passphrase=PASSPHRASE, use_keyring=False).close()
        settings = Settings(home=home, passphrase=PASSPHRASE, llm_engine="offline")
        ctx = AppContext(settings)
        try:
            demo = write_demo_bundle(Path(tmp))
            demo_clinic(ctx)
            window = MainWindow(ctx, start_api=False)
            window.resize(1360, 860)
            window.show()
            wait_until(lambda: window.sidebar.patients.count() > 0)
            # the desk's first reads done before the import starts (issue 10: an import
            # overlapping readers can still run out of memory at its bound)
            wait_until(lambda: window.clinic is not None
                       and window.clinic.waitlist.patient.count() > 0 and ops.busy() == 0)
            window.import_paths([demo])
            wait_until(lambda: window.last_import is not None)
            settle()
            save(window, "import")
            alex = lambda: window.sidebar.patients.findText(  # noqa: E731
                "Alex", Qt.MatchFlag.MatchStartsWith)
            wait_until(lambda: alex() >= 0)
            window.sidebar.patients.setCurrentIndex(alex())
            show_tab(window, window.overview, lambda: bool(window.overview.cards))
            save(window, "overview")
            window.tabs.setCurrentWidget(window.ask)
            ask(window, "What's my cholesterol trend over the last 15 years?")
            wait_until(lambda: bool(window.sidebar.conversation_ids()))
            settle()
            save(window, "ask")
            show_tab(window, window.records, lambda: window.records.model.rowCount() > 0
                     and window.records.model.peek(0) is not None)
            save(window, "records")
            window.tabs.setCurrentWidget(window.ask)
            window.ask.new_conversation()
            ask(window, "I have crushing chest pain")
            save(window, "ask-urgent")
            show_tab(window, window.conversations,
                     lambda: len(window.conversations.titles()) >= 2)
            save(window, "conversations")
            wait_until(lambda: window.clinic is not None)
            desk = window.clinic
            show_tab(window, desk, lambda: desk.schedule.patient.count() > 0)
            schedule = desk.schedule
            schedule.date.setDate(next_monday())
            wait_until(lambda: len(schedule.slot_texts()) > 0)
            schedule.slots.setCurrentRow(2)
            schedule.book()
            wait_until(lambda: schedule.appointments.rowCount() == 1
                       and any("Rosa" in t for t in schedule.week_column(0)))
            desk.assistant.input.setText("What times does Dr. Ito have next Monday morning?")
            desk.assistant.send()
            wait_until(lambda: len(desk.assistant.said) == 2)
            settle()
            save(window, "clinic")
            desk.pages.setCurrentWidget(desk.waitlist)
            desk.waitlist.patient.setCurrentIndex(1)  # Sam waits for any provider
            desk.waitlist.notes.setText("mornings only")
            desk.waitlist.add()
            wait_until(lambda: len(desk.waitlist.rows()) == 1)
            settle()
            save(window, "clinic-waitlist")
            desk.pages.setCurrentWidget(desk.providers)
            wait_until(lambda: len(desk.providers.rows()) > 0)
            settle()
            save(window, "clinic-providers")
            desk.pages.setCurrentWidget(schedule)
            window.open_settings()
            settle()
            save(window.settings_dialog, "settings")
            window.settings_dialog.reject()
            resources.set_appearance(app, "dark")
            show_tab(window, window.overview, lambda: bool(window.overview.cards))
            save(window, "overview-dark")
            resources.set_appearance(app, "light")
            window.close()

            fresh = AppContext(Settings(home=Path(tmp) / "new"))
            first_run = FirstRunDialog(fresh)
            first_run.show()
            settle()
            save(first_run, "first-run")
            unlock = UnlockDialog(AppContext(Settings(home=home)))
            unlock.show()
            settle()
            save(unlock, "unlock")
        finally:
            ops.shutdown()
            ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
