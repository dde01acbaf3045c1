"""The main window: sidebar, "Ask the team" and records tabs, menus and status bar.

It owns the things that live as long as the window: the bus bridge, and the local API
server when the API package provides one (started and stopped with the window).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.context import AppContext
from app.services import preferences
from ui.events import BusBridge
from ui.importing import ImportSummaryDialog, start_import
from ui.ops import Op
from ui.qt import (
    QAction,
    QCloseEvent,
    QFileDialog,
    QKeySequence,
    QLabel,
    QMainWindow,
    QSplitter,
    Qt,
    QTabWidget,
)
from ui.views.ask import AskView
from ui.views.records import RecordsView
from ui.views.sidebar import Sidebar

IMPORT_FILTER = ("Health records (*.json *.ndjson *.xml *.zip *.csv);;All files (*)")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, start_api: bool = True) -> None:
        super().__init__()
        self._ctx = ctx
        self.api: Any = None
        self._closed = False
        self.last_import: dict[str, Any] | None = None
        self.setWindowTitle("HealthInsight")
        self.resize(1280, 820)
        self.setMinimumSize(900, 600)

        self.sidebar = Sidebar(ctx)
        self.ask = AskView(ctx)
        self.records = RecordsView(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.ask, "Ask the team")
        self.tabs.addTab(self.records, "Records")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([270, 1010])
        self.setCentralWidget(splitter)

        self.sidebar.patient_changed.connect(self._patient_changed)
        self.sidebar.conversation_opened.connect(self._conversation_opened)
        self.sidebar.new_conversation.connect(self.ask.new_conversation)
        self.ask.conversation_changed.connect(
            lambda cid: self.sidebar.refresh_conversations(select=cid))
        self.ask.answered.connect(self._answered)
        self.bridge = BusBridge(ctx.bus, self)
        self.bridge.event.connect(self.ask.on_event)

        self._build_menus()
        self._build_status_bar()
        self.sidebar.refresh()
        self.refresh_engine()
        if start_api:
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
        view_menu = self.menuBar().addMenu("&View")
        self._action(view_menu, "&Ask the team", "Ctrl+1", lambda: self.tabs.setCurrentIndex(0))
        self._action(view_menu, "&Records", "Ctrl+2", lambda: self.tabs.setCurrentIndex(1))
        self._action(view_menu, "&New conversation", "Ctrl+N", self.ask.new_conversation)
        help_menu = self.menuBar().addMenu("&Help")
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

    def _conversation_opened(self, conversation: dict[str, Any]) -> None:
        self.tabs.setCurrentWidget(self.ask)
        self.ask.open_conversation(conversation)

    # --- import -----------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import health records", "",
                                                IMPORT_FILTER)
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of health records")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        start_import(self._ctx, paths, parent=self, on_progress=self.activity.setText,
                     on_done=self._imported)

    def _imported(self, status: dict[str, Any]) -> None:
        self.last_import = status
        self.activity.setText("")
        self.sidebar.refresh_patients()
        self.records.refresh()
        self.import_summary = ImportSummaryDialog(status, self)
        self.import_summary.open()

    def open_settings(self) -> None:
        from ui.dialogs.settings import SettingsDialog

        self.settings_dialog = SettingsDialog(self._ctx, self)
        self.settings_dialog.accepted.connect(self.refresh_engine)
        self.settings_dialog.open()

    # --- the local API server -----------------------------------------------

    def _start_api(self) -> None:
        try:
            from app.api.server import ApiServer
        except ImportError:  # the API package is optional for the window
            return
        ctx = self._ctx

        def start() -> Any:
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
        self._closed = True
        self.bridge.close()
        if self.api is not None:
            try:
                self.api.stop()
            finally:
                self.api = None
        super().closeEvent(event)
