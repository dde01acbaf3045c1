"""Unlock: the vault's key is wrapped with a passphrase; ask for it until it is right."""

from __future__ import annotations

from app.context import AppContext
from app.services.vault_access import unlock_vault
from storage.errors import VaultKeyError
from ui.errors import describe
from ui.ops import Op
from ui.qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class UnlockDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("Unlock HealthInsight")
        self.setMinimumWidth(420)

        intro = QLabel(f"<h3>Unlock your vault</h3><p><code>{ctx.settings.home}</code></p>")
        intro.setWordWrap(True)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("passphrase")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.unlock_button = self.buttons.addButton(
            "Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        typed = self.passphrase.text()
        if not typed:
            self._show_error("Type the vault's passphrase.")
            return
        self._set_busy(True)
        (
            Op(lambda: unlock_vault(self._ctx, typed), parent=self)
            .success(lambda _: self.accept())
            .failure(self._failed)
            .run_in_background()
        )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, VaultKeyError) and "wrong" in str(exc).lower():
            self._show_error("Wrong passphrase. Please try again.")
            self.passphrase.selectAll()
        else:
            self._show_error(describe(exc)[1])
        self.passphrase.setFocus()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.unlock_button.setText("Unlocking…" if busy else "Unlock")
