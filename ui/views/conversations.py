"""The Conversations tab: every conversation so far, searchable by title or question;
reopen one in the Ask tab, rename it, or delete it (after a confirmation that says
what goes: every question, answer and chart in it)."""

from __future__ import annotations

from app.context import AppContext
from app.services.conversation_views import ConversationSummary
from ui.ops import Op
from ui.qt import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

ROLE = Qt.ItemDataRole.UserRole


class ConversationsView(QWidget):
    opened = Signal(object)  # the stored ConversationDetail with its queries
    changed = Signal()  # renamed or deleted: other lists refresh
    deleted = Signal(str)  # the id of a deleted conversation

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._asked = 0
        self.rename_dialog: QInputDialog | None = None
        self.confirm: QMessageBox | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and questions, e.g. cholesterol")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search conversations")
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("primary")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.empty = QLabel()
        self.empty.setObjectName("hint")
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._debounce.start())

        buttons = QHBoxLayout()
        for button in (self.open_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self._enable()

    def refresh(self) -> None:
        ctx, text = self._ctx, self.search.text()
        self._asked += 1
        asked = self._asked
        (
            Op(lambda: ctx.queries.search_conversations(text, owner_id=None), parent=self)
            .success(lambda rows: asked == self._asked and self._show(rows))
            .run_in_background()
        )

    def _show(self, rows: list[ConversationSummary]) -> None:
        selected = self.selected_id()
        self.list.clear()
        for row in rows:
            when = (row.updated_at or row.created_at or "")[:16]
            count = row.query_count
            item = QListWidgetItem(f"{row.title}\n{when.replace('T', ' ')} · {count} "
                                   f"question{'s' if count != 1 else ''}")
            item.setData(ROLE, row.id)
            item.setToolTip(row.last_query or "")
            self.list.addItem(item)
            if row.id == selected:
                self.list.setCurrentItem(item)
        self.empty.setText("" if rows else ("No conversation matches." if self.search.text()
                                            else "No conversations yet."))
        self._enable()

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(ROLE)) if item is not None else None

    def titles(self) -> list[str]:
        return [self.list.item(i).text().split("\n")[0] for i in range(self.list.count())]

    def _enable(self) -> None:
        has = self.list.currentItem() is not None
        for button in (self.open_button, self.rename_button, self.delete_button):
            button.setEnabled(has)

    def open_selected(self) -> None:
        conversation_id, ctx = self.selected_id(), self._ctx
        if conversation_id is None:
            return
        (
            Op(lambda: ctx.queries.get_conversation(conversation_id, owner_id=None),
               parent=self)
            .success(lambda found: found and self.opened.emit(found))
            .run_in_background()
        )

    def rename_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename conversation")
        dialog.setLabelText("New title:")
        dialog.setTextValue(item.text().split("\n")[0])
        conversation_id = str(item.data(ROLE))
        dialog.accepted.connect(lambda: self._rename(conversation_id, dialog.textValue()))
        self.rename_dialog = dialog
        dialog.open()

    def _rename(self, conversation_id: str, title: str) -> None:
        ctx = self._ctx
        (
            Op(lambda: ctx.queries.rename_conversation(conversation_id, title, owner_id=None),
               parent=self)
            .success(lambda _: self._changed())
            .run_in_background()
        )

    def delete_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        conversation_id = str(item.data(ROLE))
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete conversation",
                          f"Delete “{item.text().split(chr(10))[0]}”? Every question, answer "
                          "and chart in it is removed from the vault. This cannot be undone.",
                          QMessageBox.StandardButton.Cancel, self)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: button is delete and self._delete(conversation_id))
        self.confirm = box
        box.open()

    def _delete(self, conversation_id: str) -> None:
        ctx = self._ctx
        (
            Op(lambda: ctx.queries.delete_conversation(conversation_id, owner_id=None),
               parent=self)
            .success(lambda _: (self.deleted.emit(conversation_id), self._changed()))
            .run_in_background()
        )

    def _changed(self) -> None:
        self.refresh()
        self.changed.emit()
