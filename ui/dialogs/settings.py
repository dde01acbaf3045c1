"""Settings: the engine that writes the answers (Ollama host and model, a connection test,
offline mode), the local API (on or off, its port), appearance, and the security pages
(personal tokens, the vault passphrase; ui/dialogs/security.py). Choices are kept in the
vault through app/services/preferences.py."""

from __future__ import annotations

from app.context import AppContext
from app.services import preferences
from ui.dialogs.security import PassphrasePage, TokensPage
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

ENGINE_LABELS = {
    "auto": "Automatic (Ollama when it is running, else offline)",
    "ollama": "Always Ollama",
    "offline": "Offline (templated answers, no model)",
}
APPEARANCE_LABELS = {"system": "Like the system", "light": "Light", "dark": "Dark"}


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        settings = ctx.settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.engine = QComboBox()
        self.engine.setAccessibleName("Engine")
        for key in preferences.ENGINES:
            self.engine.addItem(ENGINE_LABELS.get(key, key), key)
        self.engine.setCurrentIndex(max(0, self.engine.findData(settings.llm_engine)))
        self.host = QLineEdit(settings.ollama_host)
        self.host.setAccessibleName("Ollama host")
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setAccessibleName("Model")
        self.model.setCurrentText(settings.ollama_model)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self._look_for_models)
        self.models_hint = _hint("Looking for installed models…")
        self.api_enabled = QCheckBox("Run the local API for scripts while the app is open")
        self.api_enabled.setChecked(settings.api_enabled)
        self.api_port = QSpinBox()
        self.api_port.setRange(1024, 65535)
        self.api_port.setValue(settings.api_port)
        self.api_port.setAccessibleName("API port")
        self.appearance = QComboBox()
        self.appearance.setAccessibleName("Appearance")
        for key in preferences.APPEARANCES:
            self.appearance.addItem(APPEARANCE_LABELS.get(key, key), key)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(settings.appearance)))
        self.tokens = TokensPage(ctx)
        self.passphrase = PassphrasePage(ctx)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()

        self.pages = QTabWidget()
        self.pages.addTab(self._engine_page(), "Answers")
        self.pages.addTab(self._api_page(), "Local API")
        self.pages.addTab(self.tokens, "Tokens")
        self.pages.addTab(self.passphrase, "Vault")
        self.pages.addTab(self._appearance_page(), "Appearance")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._look_for_models()

    def _engine_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Engine", self.engine)
        form.addRow("Ollama host", self.host)
        form.addRow("Model", self.model)
        form.addRow("", self.test_button)
        form.addRow("", self.models_hint)
        form.addRow("", _hint("Offline answers use the same computed findings with "
                              "templated prose; nothing leaves this computer either way."))
        return page

    def _api_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.api_enabled)
        form.addRow("Port", self.api_port)
        form.addRow("", _hint("The API listens on 127.0.0.1 only and needs a token (see "
                              "Tokens). A change applies when you save."))
        return page

    def _appearance_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Appearance", self.appearance)
        return page

    def _look_for_models(self) -> None:
        from app.settings import Settings

        probe = Settings(home=self._ctx.settings.home, ollama_host=self.host.text().strip(),
                         ollama_model=self.model.currentText())
        self.models_hint.setText(f"Asking {probe.ollama_host}…")
        self.test_button.setEnabled(False)
        Op(lambda: preferences.installed_models(probe), parent=self) \
            .success(self._show_models).run_in_background()

    def _show_models(self, models: list[str]) -> None:
        self.test_button.setEnabled(True)
        typed = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(typed)
        self.models_hint.setText(
            f"Connected: {len(models)} model{'s' if len(models) != 1 else ''} installed in "
            "Ollama." if models else
            "Ollama is not reachable there; answers will use the offline engine.")

    def choices(self) -> dict[str, object]:
        return {"llm_engine": str(self.engine.currentData()),
                "ollama_host": self.host.text(), "ollama_model": self.model.currentText(),
                "api_enabled": self.api_enabled.isChecked(), "api_port": self.api_port.value(),
                "appearance": str(self.appearance.currentData())}

    def save(self) -> None:
        ctx, choices = self._ctx, self.choices()
        (
            Op(lambda: preferences.save(ctx.vault, ctx.settings, **choices), parent=self)
            .success(lambda _: self.accept())
            .failure(lambda exc: (self.error.setText(describe(exc)[1]), self.error.show()))
            .run_in_background()
        )
