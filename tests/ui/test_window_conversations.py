"""The Conversations tab: search, reopen, rename and delete (after a confirmation)."""

from __future__ import annotations

from ui.main_window import MainWindow
from ui.qt import QMessageBox, Qt


def _conversation(ctx, question: str) -> str:
    made = ctx.queries.create_conversation(owner_id=None, first_query=question)
    assert made.first_query is not None
    ctx.queries.wait(made.first_query.query_id, 60)
    return made.id


def test_search_reopen_rename_and_delete(qtbot, imported_ctx):
    ctx = imported_ctx
    chol = _conversation(ctx, "What's my cholesterol trend?")
    _conversation(ctx, "How well controlled is my blood pressure?")
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    view = window.conversations
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: len(view.titles()) == 2, timeout=10000)

    view.search.setText("CHOLESTEROL")  # a question's words, any case
    qtbot.waitUntil(lambda: view.titles() == ["What's my cholesterol trend?"], timeout=5000)
    view.search.setText("pressure")
    qtbot.waitUntil(lambda: len(view.titles()) == 1 and "blood pressure" in view.titles()[0],
                    timeout=5000)
    view.search.setText("no such words")
    qtbot.waitUntil(lambda: view.titles() == [], timeout=5000)
    assert view.empty.text() == "No conversation matches."
    assert not view.open_button.isEnabled()
    view.search.clear()
    qtbot.waitUntil(lambda: len(view.titles()) == 2, timeout=5000)

    # reopen: the Ask tab shows the stored answer
    row = next(i for i in range(view.list.count())
               if view.list.item(i).data(Qt.ItemDataRole.UserRole) == chol)
    view.list.setCurrentRow(row)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ask.answer.result is not None, timeout=10000)
    assert window.tabs.currentWidget() is window.ask
    assert window.ask.conversation_id == chol
    assert window.ask.answer.title.text() == "What's my cholesterol trend?"

    # rename
    window.tabs.setCurrentWidget(view)
    view.list.setCurrentRow(row)
    qtbot.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    view.rename_dialog.setTextValue("  Lipids 2024  ")
    view.rename_dialog.accept()
    qtbot.waitUntil(lambda: "Lipids 2024" in view.titles(), timeout=5000)
    assert ctx.queries.get_conversation(chol, owner_id=None).title == "Lipids 2024"
    qtbot.waitUntil(lambda: any(window.sidebar.conversations.item(i).text() == "Lipids 2024"
                                for i in range(window.sidebar.conversations.count())),
                    timeout=5000)

    # delete: Cancel keeps it, Delete removes it and its answers
    view.list.setCurrentRow(view.titles().index("Lipids 2024"))
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    assert "cannot be undone" in view.confirm.text()
    view.confirm.button(QMessageBox.StandardButton.Cancel).click()
    assert ctx.queries.get_conversation(chol, owner_id=None) is not None
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    delete = next(b for b in view.confirm.buttons() if b.text() == "Delete")
    delete.click()
    qtbot.waitUntil(lambda: len(view.titles()) == 1, timeout=5000)
    assert ctx.queries.get_conversation(chol, owner_id=None) is None
    assert window.ask.conversation_id is None  # the open conversation went with it
    qtbot.waitUntil(lambda: chol not in window.sidebar.conversation_ids(), timeout=5000)
