"""Settings: which engine writes the answers, and where Ollama is (kept in the vault)."""

from __future__ import annotations

from app.context import AppContext
from app.services import preferences
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

ENGINE_LABELS = {
    "auto": "Automatic (Ollama when it is running, else offline)",
    "ollama": "Always Ollama",
    "offline": "Offline (templated answers, no model)",
}


class SettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        settings = ctx.settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        self.engine = QComboBox()
        for key in preferences.ENGINES:
            self.engine.addItem(ENGINE_LABELS.get(key, key), key)
        self.engine.setCurrentIndex(max(0, self.engine.findData(settings.llm_engine)))
        self.host = QLineEdit(settings.ollama_host)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setCurrentText(settings.ollama_model)
        self.models_hint = QLabel("Looking for installed models…")
        self.models_hint.setObjectName("hint")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.hide()

        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("Ollama host", self.host)
        form.addRow("Model", self.model)
        form.addRow("", self.models_hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._look_for_models()

    def _look_for_models(self) -> None:
        settings = self._ctx.settings
        Op(lambda: preferences.installed_models(settings), parent=self) \
            .success(self._show_models).run_in_background()

    def _show_models(self, models: list[str]) -> None:
        typed = self.model.currentText()
        self.model.clear()
        self.model.addItems(models)
        self.model.setCurrentText(typed)
        self.models_hint.setText(f"{len(models)} models installed in Ollama." if models else
                                 "Ollama is not reachable; answers will use the offline engine.")

    def choices(self) -> dict[str, str]:
        return {"llm_engine": str(self.engine.currentData()),
                "ollama_host": self.host.text(), "ollama_model": self.model.currentText()}

    def save(self) -> None:
        ctx, choices = self._ctx, self.choices()
        (
            Op(lambda: preferences.save(ctx.vault, ctx.settings, **choices), parent=self)
            .success(lambda _: self.accept())
            .failure(lambda exc: (self.error.setText(describe(exc)[1]), self.error.show()))
            .run_in_background()
        )
