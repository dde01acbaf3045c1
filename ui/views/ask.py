""""Ask the team": the question box, the team's live progress, and the answer.

Submitting and waiting happen in ops (never on the Qt thread); progress comes from
the event bus through the BusBridge; the finished answer is fetched with
`queries.wait` so it shows even if an event was missed.

Cancel (or Esc) while the team works asks the service to stop; the team stops at its
next step, the service stores the query as cancelled and reports it like any other end,
and the view then says "Cancelled" instead of showing an answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.context import AppContext
from app.services.conversation_views import ConversationDetail
from app.services.query_views import QueryResult, SubmittedQuery
from ui import ops
from ui.ops import Op
from ui.qt import (
    QFileDialog,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.views.answer import AnswerView
from ui.views.progress import ProgressPanel, progress_cancelled

WAIT_STEP_SECONDS = 0.5
# The answer view and the exports read the query as the API's JSON (the service's typed
# result, dumped once here), the same text a stored conversation holds.
Answer = tuple[dict[str, Any], dict[str, Any] | None]


def wait_for_answer(ctx: AppContext, query_id: str) -> Answer:
    """Runs in an op: the finished query and its chart figure (None when it has none)."""
    while True:
        try:
            result = ctx.queries.wait(query_id, WAIT_STEP_SECONDS)
        except TimeoutError:
            result = None
        if result is not None and result.status != "processing":
            break
        if ops.stopping():
            ctx.queries.cancel(query_id)
            raise TimeoutError("the app is closing")
    return _answer(ctx, result)


def load_answer(ctx: AppContext, query_id: str) -> Answer:
    result = ctx.queries.get(query_id, owner_id=None)
    if result is None:
        from app.services.errors import NotFound

        raise NotFound("this answer is no longer in the vault")
    return _answer(ctx, result)


def _answer(ctx: AppContext, result: QueryResult) -> Answer:
    return result.model_dump(mode="json"), figure_for(ctx, result)


def figure_for(ctx: AppContext, result: QueryResult) -> dict[str, Any] | None:
    if result.visualization is None:
        return None
    found = ctx.queries.get_visualization(result.visualization.component_id, owner_id=None)
    return found.figure if found is not None else None


class AskView(QWidget):
    conversation_changed = Signal(str)  # a question started or continued this conversation
    answered = Signal(dict)  # a finished query (the status bar shows its engine)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.conversation_id: str | None = None
        self.patient_id: str | None = None
        self.query_id: str | None = None
        self._busy = False  # a question is being submitted or answered
        self._cancel_asked = False  # Cancel was pressed for the question now running

        self.history = QListWidget()
        self.history.setMaximumHeight(120)
        self.history.itemClicked.connect(self._history_clicked)
        self.history.hide()
        self.progress = ProgressPanel()
        self.progress.hide()
        self.answer = AnswerView()
        self.answer.suggestion_chosen.connect(self.ask_example)
        self.answer.export_requested.connect(self.choose_export)
        self.exported: Path | None = None  # the last file an export wrote

        page = QWidget()
        page.setObjectName("answerPage")
        page_layout = QVBoxLayout(page)
        page_layout.addWidget(self.progress)
        page_layout.addWidget(self.answer)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)

        self.question = QPlainTextEdit()
        self.question.setPlaceholderText(
            "Ask about your records, e.g. What's my cholesterol trend over the last "
            "15 years?   (Ctrl+Enter to ask)")
        self.question.setFixedHeight(72)
        self.question.setAccessibleName("Your question for the medical team")
        self.ask_button = QPushButton("Ask the team")
        self.ask_button.setObjectName("primary")
        self.ask_button.clicked.connect(self.ask)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.question, activated=self.ask)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the team working on this question (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        # Esc anywhere in the window while the Ask tab shows, but only while a question runs.
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.ask_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.status = QLabel()
        self.status.setObjectName("hint")

        layout = QVBoxLayout(self)
        layout.addWidget(self.history)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self._set_busy(False)

    # --- asking -------------------------------------------------------------

    def ask_example(self, text: str) -> None:
        self.question.setPlainText(text)
        self.ask()

    def ask(self) -> None:
        text = self.question.toPlainText().strip()
        if not text or self._busy:
            return
        self._set_busy(True)
        self.answer.show_question(text)
        self.progress.reset()
        self.progress.show()
        ctx, conversation, patient = self._ctx, self.conversation_id, self.patient_id
        offline = ctx.settings.llm_engine == "offline"
        (
            Op(lambda: ctx.queries.submit(text, conversation_id=conversation,
                                          patient_id=patient, offline=offline), parent=self)
            .success(self._submitted)
            .failure(self._failed)
            .run_in_background()
        )

    def cancel(self) -> None:
        """Ask the service to stop the running question; its answer then says cancelled."""
        if self._busy and not self._cancel_asked:
            self._cancel_asked = True
            self.cancel_button.setEnabled(False)
            self._escape.setEnabled(False)
            self.status.setText("Cancelling…")
            if self.query_id is not None:  # else _submitted cancels as soon as it has an id
                self._cancel_query(self.query_id)

    def _cancel_query(self, query_id: str) -> None:
        # Only sets the run's stop flag (no vault access), so it is safe on the Qt thread.
        if not self._ctx.queries.cancel(query_id):
            self.status.setText("The team had already finished…")

    def _submitted(self, submitted: SubmittedQuery) -> None:
        self.query_id = submitted.query_id
        if self._cancel_asked:
            self._cancel_query(self.query_id)
        self.question.clear()
        if submitted.conversation_id != self.conversation_id:
            self.conversation_id = submitted.conversation_id
        if self.conversation_id:
            self.conversation_changed.emit(self.conversation_id)
        ctx, query_id = self._ctx, self.query_id
        (
            Op(lambda: wait_for_answer(ctx, query_id), parent=self)
            .success(self._finished)
            .failure(self._failed)
            .run_in_background()
        )

    def on_event(self, event: dict[str, Any]) -> None:
        if self.query_id is not None and event.get("query_id") == self.query_id:
            self.progress.handle(event)
            if progress_cancelled(event):
                self.status.setText("Cancelled")

    def _finished(self, answer: Answer) -> None:
        result, figure = answer
        self._set_busy(False)
        self.query_id = None
        self.progress.hide()  # what it shows mid-way is never presented as the answer
        if result.get("status") == "cancelled":
            self.status.setText("Cancelled")
            if not self.question.toPlainText().strip():  # ready to edit and ask again
                self.question.setPlainText(str(result.get("query") or ""))
        self.answer.show_answer(result, figure)
        self._add_history(result.get("query_id"), str(result.get("query") or ""))
        self.answered.emit(result)

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import show_exception

        self._set_busy(False)
        self.query_id = None
        self.progress.hide()
        show_exception(parent=self, exception=exc)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._cancel_asked = False
        self.ask_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self._escape.setEnabled(busy)
        self.status.setText("The team is working on your question… (Esc to cancel)" if busy
                            else "")

    # --- export -------------------------------------------------------------

    def choose_export(self, kind: str) -> None:
        result = self.answer.result
        if result is None:
            return
        name = "".join(c if c.isalnum() else "-" for c in str(result.get("query") or "answer"))
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the answer", f"{name.strip('-')[:50] or 'answer'}.{kind}",
            "PDF (*.pdf)" if kind == "pdf" else "Web page (*.html)")
        if path:
            self.export_to(kind, Path(path))

    def export_to(self, kind: str, path: Path) -> None:
        """Write the shown answer to `path` in an op; the status line says when done."""
        from ui import export

        result, figure = self.answer.result, self.answer.chart.figure
        if result is None:
            return
        meta = self.answer.meta.text()
        chart = self.answer.chart
        image = chart.grab().toImage() if kind == "pdf" and chart.isVisible() else None
        self.exported = None
        self.status.setText(f"Saving {path.name}…")
        (
            Op((lambda: export.save_pdf(path, result, image, meta)) if kind == "pdf" else
               (lambda: export.save_html(path, result, figure, meta)), parent=self)
            .success(self._exported)
            .failure(self._failed_export)
            .run_in_background()
        )

    def _exported(self, path: Path) -> None:
        self.exported = path
        self.status.setText(f"Saved {path}")

    def _failed_export(self, exc: BaseException) -> None:
        from ui.errors import show_exception

        self.status.setText("")
        if isinstance(exc, OSError):
            from app.services.errors import ServiceError

            exc = ServiceError(f"the answer could not be saved there ({exc.strerror})")
        show_exception(parent=self, exception=exc)

    # --- conversations ------------------------------------------------------

    def new_conversation(self) -> None:
        self.conversation_id = None
        self.history.clear()
        self.history.hide()
        self.answer.clear()
        self.question.setFocus()

    def open_conversation(self, conversation: ConversationDetail) -> None:
        """Show a stored conversation: its questions, and the answer to the last one."""
        self.conversation_id = conversation.id
        self.history.clear()
        queries = conversation.queries
        for query in queries:
            self._add_history(query.query_id, query.query)
        if queries:
            self.show_stored(queries[-1].query_id)
        else:
            self.answer.clear()

    def show_stored(self, query_id: str) -> None:
        ctx = self._ctx
        (
            Op(lambda: load_answer(ctx, query_id), parent=self)
            .success(lambda answer: self.answer.show_answer(*answer))
            .run_in_background()
        )

    def _add_history(self, query_id: Any, text: str) -> None:
        if not query_id:
            return
        for row in range(self.history.count()):
            if self.history.item(row).data(Qt.ItemDataRole.UserRole) == query_id:
                return
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, query_id)
        self.history.addItem(item)
        self.history.setVisible(self.history.count() > 1)

    def _history_clicked(self, item: QListWidgetItem) -> None:
        self.show_stored(str(item.data(Qt.ItemDataRole.UserRole)))
