"""Settings pages for access: personal API tokens (create, list, revoke) and the vault's
passphrase. A new token is shown once, here; the vault keeps only its id."""

from __future__ import annotations

from datetime import datetime

from app.context import AppContext
from app.services.auth_results import PersonalToken
from app.services.vault_access import change_passphrase
from ui.errors import describe
from ui.ops import Op
from ui.qt import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _when(value: datetime | None) -> str:
    return str(value or "")[:16].replace("T", " ")


class TokensPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Token", "Created", "Last used", "State"])
        self.table.setAccessibleName("Personal tokens")
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.create_button = QPushButton("Create token")
        self.revoke_button = QPushButton("Revoke")
        self.create_button.clicked.connect(self.create)
        self.revoke_button.clicked.connect(self.revoke)
        self.new_token = QLineEdit()
        self.new_token.setReadOnly(True)
        self.new_token.setAccessibleName("The new token")
        self.new_token.hide()
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.new_token)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        ctx = self._ctx
        Op(lambda: ctx.auth.personal_tokens(), parent=self).success(self._show) \
            .failure(self._fail).run_in_background()

    def _show(self, tokens: list[PersonalToken]) -> None:
        self.table.setRowCount(len(tokens))
        for row, token in enumerate(tokens):
            state = "revoked " + _when(token.revoked_at) if token.revoked_at else "active"
            for col, text in enumerate((token.id, _when(token.created_at),
                                        _when(token.used_at) or "never", state)):
                item = QTableWidgetItem(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def rows(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(4)]
                for r in range(self.table.rowCount())]

    def create(self) -> None:
        """A token of the vault's owner: the person at this computer, whose account is
        made now if the command line never made one."""
        ctx = self._ctx
        Op(lambda: ctx.auth.personal_token(user_id=ctx.auth.owner_account().id),
           parent=self) \
            .success(self._created) \
            .failure(self._fail).run_in_background()

    def _created(self, made: tuple[str, str]) -> None:
        token_id, token = made
        self.new_token.setText(token)
        self.new_token.show()
        self.new_token.selectAll()
        self.message.setText(f"Token {token_id} created. Copy it now: it is shown only once. "
                             "Scripts send it as `Authorization: Bearer …`.")
        self.refresh()

    def revoke(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.message.setText("Choose a token to revoke.")
            return
        token_id, ctx = self.table.item(rows[0].row(), 0).text(), self._ctx
        Op(lambda: ctx.auth.revoke(token_id), parent=self) \
            .success(lambda _: (self.message.setText(f"Token {token_id} revoked."),
                                self.refresh())) \
            .failure(self._fail).run_in_background()

    def _fail(self, exc: BaseException) -> None:
        self.message.setText(describe(exc)[1])


class PassphrasePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.current, self.new, self.repeat = QLineEdit(), QLineEdit(), QLineEdit()
        for field, name in ((self.current, "Current passphrase"),
                            (self.new, "New passphrase"), (self.repeat, "New passphrase again")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(name)
        self.change_button = QPushButton("Change passphrase")
        self.change_button.clicked.connect(self.change)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        keyring = ctx.vault.key_storage != "passphrase"
        if keyring:
            form.addRow(QLabel("This vault's key is kept in the system keyring, so it has no "
                               "passphrase to change."))
        form.addRow("Current passphrase", self.current)
        form.addRow("New passphrase", self.new)
        form.addRow("Again", self.repeat)
        form.addRow("", self.change_button)
        form.addRow(self.message)
        for widget in (self.current, self.new, self.repeat, self.change_button):
            widget.setEnabled(not keyring)

    def change(self) -> None:
        ctx = self._ctx
        current, new, repeat = self.current.text(), self.new.text(), self.repeat.text()
        self.change_button.setEnabled(False)
        (
            Op(lambda: change_passphrase(ctx, current=current, new=new, repeat=repeat),
               parent=self)
            .success(lambda _: self._done("Passphrase changed. Use the new one from now on.",
                                          ok=True))
            .failure(lambda exc: self._done(describe(exc)[1], ok=False))
            .run_in_background()
        )

    def _done(self, text: str, *, ok: bool) -> None:
        self.change_button.setEnabled(True)
        self.message.setObjectName("hint" if ok else "errorText")
        self.message.setStyleSheet("")  # re-polish for the new object name
        self.message.setText(text)
        if ok:
            for field in (self.current, self.new, self.repeat):
                field.clear()
