"""First run: there is no vault yet, so make one (passphrase twice, or the OS keyring)."""

from __future__ import annotations

from app.context import AppContext
from app.services.vault_access import (
    MIN_PASSPHRASE,
    check_new_passphrase,
    create_vault,
    keyring_available,
)
from storage.errors import StorageError
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class FirstRunDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setWindowTitle("Welcome to HealthInsight")
        self.setMinimumWidth(460)

        intro = QLabel(
            "<h3>Your private health vault</h3>"
            "<p>Your records are kept encrypted on this computer, in<br>"
            f"<code>{ctx.settings.home}</code></p>"
            "<p>Nothing leaves your machine.</p>"
        )
        intro.setWordWrap(True)
        self.use_keyring = QCheckBox("Keep the key in this computer's keyring (no passphrase)")
        self.use_keyring.setVisible(keyring_available())
        self.use_keyring.setChecked(keyring_available())
        self.use_keyring.toggled.connect(self._keyring_toggled)

        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(f"at least {MIN_PASSPHRASE} characters")
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Repeat it", self.repeat)
        self.hint = QLabel("If you forget the passphrase, the vault cannot be opened.")
        self.hint.setObjectName("hint")

        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(
            "Create vault", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.use_keyring)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._keyring_toggled(self.use_keyring.isChecked())

    def _keyring_toggled(self, on: bool) -> None:
        for field in (self.passphrase, self.repeat):
            field.setEnabled(not on)
        self.hint.setVisible(not on)

    def submit(self) -> None:
        keyring = self.use_keyring.isChecked()
        first, second = self.passphrase.text(), self.repeat.text()
        if not keyring:
            try:
                check_new_passphrase(first, second)
            except StorageError as exc:
                self._show_error(exc)
                return
        self._set_busy(True)
        (
            Op(lambda: create_vault(self._ctx, passphrase=None if keyring else first,
                                    use_keyring=keyring), parent=self)
            .success(lambda _: self.accept())
            .failure(self._failed)
            .run_in_background()
        )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self.error.setText(describe(exc)[1])
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)
        self.create_button.setText("Creating…" if busy else "Create vault")
        if busy:
            self.error.hide()
