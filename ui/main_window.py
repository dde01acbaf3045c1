"""The main window: sidebar, "Ask the team" and records tabs, menus and status bar.

It owns the things that live as long as the window: the bus bridge, and the local API
server when the API package provides one (started and stopped with the window).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.services import preferences
from app.services.conversation_views import ConversationDetail
from app.services.import_views import ImportStatus
from ui import window_state
from ui.events import BusBridge
from ui.ops import Op
from ui.qt import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
)
from ui.views.ask import AskView
from ui.views.conversations import ConversationsView
from ui.views.imports import ImportView
from ui.views.overview import OverviewView
from ui.views.records import RecordsView
from ui.views.sidebar import Sidebar


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, start_api: bool = True) -> None:
        super().__init__()
        self._ctx = ctx
        self.api: Any = None
        self._closed = False
        self.last_import: ImportStatus | None = None
        self.setWindowTitle("HealthInsight")
        self.resize(1280, 820)
        self.setMinimumSize(900, 600)

        self.sidebar = Sidebar(ctx)
        self.overview = OverviewView(ctx)
        self.ask = AskView(ctx)
        self.records = RecordsView(ctx)
        self.importer = ImportView(ctx)
        self.conversations = ConversationsView(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.addTab(self.ask, "Ask the team")
        self.tabs.addTab(self.records, "Records")
        self.tabs.addTab(self.importer, "Import")
        self.tabs.addTab(self.conversations, "Conversations")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 1010])
        self.setCentralWidget(splitter)

        self.sidebar.patient_changed.connect(self._patient_changed)
        self.sidebar.conversation_opened.connect(self._conversation_opened)
        self.sidebar.new_conversation.connect(self.ask.new_conversation)
        self.ask.conversation_changed.connect(self._conversation_changed)
        self.conversations.opened.connect(self._conversation_opened)
        self.conversations.changed.connect(self.sidebar.refresh_conversations)
        self.conversations.deleted.connect(
            lambda cid: cid == self.ask.conversation_id and self.ask.new_conversation())
        self.ask.answered.connect(self._answered)
        self.importer.imported.connect(self._imported)
        self.overview.question_chosen.connect(self.ask_question)
        self.overview.import_requested.connect(
            lambda: self.tabs.setCurrentWidget(self.importer))
        self.sidebar.patients_loaded.connect(self._patients_loaded)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.bridge = BusBridge(ctx.bus, self)
        self.bridge.event.connect(self.ask.on_event)

        self._build_menus()
        self._build_status_bar()
        self._tab_chosen = window_state.restore(self, self.tabs, ctx.settings.home)
        self.clinic: Any = None  # the Clinic desk tab, once the vault has an organization
        self._api_wanted = start_api  # tests and screenshots run without the server
        # The window paints first; then its contents load (their ops import the team and
        # the clinic on workers, which would hold the GIL while the first frame is drawn).
        QTimer.singleShot(0, self._load)

    def _load(self) -> None:
        if self._closed:
            return
        # What exists now (the modules, the window) lives as long as the app: frozen, a
        # full collection no longer walks it. It walked those 100,000 objects in 45-80 ms
        # on whichever thread ran it, holding the GIL: a Records page of 100 ms.
        gc.freeze()
        self.sidebar.refresh()
        self.conversations.refresh()
        self._open_clinic()
        self.refresh_engine()
        if self._api_wanted and self._ctx.settings.api_enabled:
            self._start_api()

    # --- chrome -----------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Import files…", "Ctrl+I", self.choose_files)
        self._action(file_menu, "Import &folder…", "Ctrl+Shift+I", self.choose_folder)
        file_menu.addSeparator()
        self._action(file_menu, "&Settings…", "Ctrl+,", self.open_settings)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        view_menu = self.view_menu = self.menuBar().addMenu("&View")
        for i in range(self.tabs.count()):
            self._action(view_menu, "&" + self.tabs.tabText(i), f"Ctrl+{i + 1}",
                         lambda index=i: self.tabs.setCurrentIndex(index))
        self._new_conversation = self._action(view_menu, "&New conversation", "Ctrl+N",
                                              self.ask.new_conversation)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action(help_menu, "&About HealthInsight", None, self._about)

    def _action(self, menu: Any, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.engine_label = QLabel("Engine: …")
        self.vault_label = QLabel(f"Vault: {self._ctx.settings.home}")
        self.api_label = QLabel("")
        self.api_label.hide()  # shown once the local API is starting
        self.activity = QLabel("")
        bar = self.statusBar()
        bar.addWidget(self.activity, 1)
        for label in (self.engine_label, self.api_label, self.vault_label):
            bar.addPermanentWidget(label)

    def refresh_engine(self) -> None:
        settings = self._ctx.settings
        Op(lambda: preferences.engine_status(settings), parent=self) \
            .success(lambda s: self._show_engine(s.engine, s.detail)).run_in_background()

    def _show_engine(self, engine: str, detail: str) -> None:
        name = "offline" if engine == "offline" else "Ollama " + engine.split(":", 1)[-1]
        self.engine_label.setText(f"Engine: {name}")
        self.engine_label.setToolTip(detail)

    def _answered(self, result: dict[str, Any]) -> None:
        if result.get("engine"):
            self._show_engine(str(result["engine"]), "the engine that wrote the last answer")

    def shortcuts(self) -> list[tuple[str, str]]:
        """(action, keys) for every menu action that has a shortcut, as Help lists them."""
        out = []
        for menu_action in self.menuBar().actions():
            for action in menu_action.menu().actions():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    out.append((action.text().replace("&", ""), keys))
        return out

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{name}</td><td>&nbsp;&nbsp;<b>{keys}</b></td></tr>"
                       for name, keys in self.shortcuts())
        rows += ("<tr><td>Ask the question typed</td><td>&nbsp;&nbsp;<b>Ctrl+Enter</b></td>"
                 "</tr><tr><td>Stop the team</td><td>&nbsp;&nbsp;<b>Esc</b></td></tr>")
        self.shortcuts_box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                                         f"<table>{rows}</table>", parent=self)
        self.shortcuts_box.open()

    def _about(self) -> None:
        from ui.about import AboutDialog

        self.about_dialog = AboutDialog(self)
        self.about_dialog.open()

    # --- records and conversations -----------------------------------------

    def _patient_changed(self, patient_id: str | None) -> None:
        if self.ask.conversation_id is not None and patient_id != self.ask.patient_id:
            self.ask.new_conversation()  # a conversation is about one person's records
        self.ask.patient_id = patient_id
        self.records.set_patient(patient_id)
        self.overview.set_patient(patient_id)

    def _patients_loaded(self, count: int) -> None:
        """The first time patients are known: the Overview once records exist, else Import."""
        if not self._tab_chosen:
            self._tab_chosen = True
            self.tabs.setCurrentWidget(self.overview if count else self.importer)

    def _tab_changed(self, _index: int) -> None:
        self._tab_chosen = True  # the person (or a restored state) chose; keep it

    def ask_question(self, text: str) -> None:
        self.tabs.setCurrentWidget(self.ask)
        self.ask.ask_example(text)

    def _conversation_changed(self, conversation_id: str) -> None:
        self.sidebar.refresh_conversations(select=conversation_id)
        self.conversations.refresh()

    def _conversation_opened(self, conversation: ConversationDetail) -> None:
        self.tabs.setCurrentWidget(self.ask)
        self.ask.open_conversation(conversation)

    # --- import -----------------------------------------------------------

    def choose_files(self) -> None:
        self.tabs.setCurrentWidget(self.importer)
        self.importer.choose_files()

    def choose_folder(self) -> None:
        self.tabs.setCurrentWidget(self.importer)
        self.importer.choose_folder()

    def import_paths(self, paths: list[Path]) -> None:
        self.tabs.setCurrentWidget(self.importer)
        self.importer.import_paths(paths)

    def _imported(self, status: ImportStatus) -> None:
        self.last_import = status
        self.sidebar.refresh_patients()
        self.records.refresh()
        self.overview.refresh()
        if self.clinic is None:
            self._open_clinic()  # an organization made meanwhile (through the local API)

    def open_settings(self) -> None:
        from ui.dialogs.settings import SettingsDialog

        self.settings_dialog = SettingsDialog(self._ctx, self)
        self.settings_dialog.accepted.connect(self._settings_saved)
        self.settings_dialog.open()

    def _settings_saved(self) -> None:
        from ui import resources
        from ui.qt import QApplication

        settings = self._ctx.settings
        self.refresh_engine()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            resources.set_appearance(app, settings.appearance)
        running = self.api is not None
        wanted = settings.api_enabled
        if running and (not wanted or self.api.port != settings.api_port):
            self.api.stop()
            self.api = None
            self.api_label.setText("API: off")
        if wanted and self.api is None and self._api_wanted:
            self._start_api()

    def _open_clinic(self) -> None:
        ctx = self._ctx

        def open_desk() -> Any:
            from app.services.clinic_presence import has_desk

            if not has_desk(ctx.vault):
                return None  # a personal vault: the clinic is never loaded
            # imported here, on the worker: the clinic's models take most of a second
            from app.services.clinic_desk import ClinicDesk

            return ClinicDesk.open(ctx)

        Op(open_desk, parent=self).success(self._show_clinic) \
            .failure(self._clinic_failed).run_in_background()

    def _clinic_failed(self, exc: BaseException) -> None:
        """The desk could not open: the window works without its tab; the log says why
        (the exception's type only)."""
        import logging

        logging.getLogger(__name__).warning("clinic desk unavailable: %s", type(exc).__name__)

    def _show_clinic(self, desk: Any) -> None:
        if desk is None or self.clinic is not None:
            return
        from ui.views.clinic import ClinicView

        self.clinic = ClinicView(desk)
        self.bridge.event.connect(self.clinic.on_event)
        index = self.tabs.addTab(self.clinic, "Clinic desk")
        action = self._action(self.view_menu, "&Clinic desk", f"Ctrl+{index + 1}",
                              lambda: self.tabs.setCurrentWidget(self.clinic))
        self.view_menu.removeAction(action)  # listed with the other tabs, before New
        self.view_menu.insertAction(self._new_conversation, action)

    # --- the local API server -----------------------------------------------

    def _start_api(self) -> None:
        if self._closed:
            return
        ctx = self._ctx

        def start() -> Any:
            # Imported here, on the worker: building the FastAPI app is most of a start's
            # CPU (its routes' pydantic schemas), and the window need not wait for it.
            from app.api.server import ApiServer

            server = ApiServer(ctx, ctx.settings.api_host, ctx.settings.api_port)
            server.start()
            return server

        self.api_label.setText("API: starting…")
        self.api_label.show()
        Op(start, parent=self).success(self._api_started).failure(self._api_failed) \
            .run_in_background()

    def _api_started(self, server: Any) -> None:
        if self._closed:
            server.stop()  # the window closed while the server was starting
            return
        self.api = server
        self.api_label.setText(f"API: {server.url}")
        self.api_label.setToolTip("The local API for scripts (loopback only); "
                                  "`healthinsight token` gives a token")

    def _api_failed(self, exc: BaseException) -> None:
        self.api_label.setText("API: off")
        self.api_label.setToolTip(f"The local API did not start: {exc}")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._closed:
            window_state.save(self, self.tabs, self._ctx.settings.home)
        self._closed = True
        self.bridge.close()
        if self.api is not None:
            try:
                self.api.stop()
            finally:
                self.api = None
        super().closeEvent(event)
