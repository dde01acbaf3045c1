"""The left column: whose records (patient picker) and the conversations so far."""

from __future__ import annotations

from app.context import AppContext
from app.services.conversation_views import ConversationPage
from app.services.records import PatientSummary, RecordsService
from ui.ops import Op
from ui.qt import (
    QComboBox,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

ROLE = Qt.ItemDataRole.UserRole


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class Sidebar(QFrame):
    patient_changed = Signal(object)  # a patient id, or None when the vault has none
    conversation_opened = Signal(object)  # the stored ConversationDetail, with its queries
    new_conversation = Signal()
    patients_loaded = Signal(int)  # how many patients the vault has (after each refresh)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("sidebar")
        self.setMinimumWidth(230)
        self.patients = QComboBox()
        self.patients.setAccessibleName("Whose records")
        self.patients.currentIndexChanged.connect(self._patient_picked)
        self.new_button = QPushButton("New conversation")
        self.new_button.clicked.connect(self._new_clicked)
        self.conversations = QListWidget()
        self.conversations.setAccessibleName("Conversations so far")
        self.conversations.setWordWrap(True)
        self.conversations.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversations.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversations.itemClicked.connect(self._conversation_clicked)
        self.empty = QLabel("No conversations yet.\nAsk the team a question.")
        self.empty.setObjectName("hint")

        layout = QVBoxLayout(self)
        layout.addWidget(_title("Patient"))
        layout.addWidget(self.patients)
        layout.addWidget(_title("Conversations"))
        layout.addWidget(self.new_button)
        layout.addWidget(self.conversations, 1)
        layout.addWidget(self.empty)

    @property
    def patient_id(self) -> str | None:
        value = self.patients.currentData(ROLE)
        return str(value) if value else None

    def refresh(self) -> None:
        self.refresh_patients()
        self.refresh_conversations()

    # --- patients -----------------------------------------------------------

    def refresh_patients(self) -> None:
        ctx = self._ctx
        Op(lambda: RecordsService(ctx.vault).patients(owner_id=None), parent=self) \
            .success(self._show_patients).run_in_background()

    def _show_patients(self, patients: list[PatientSummary]) -> None:
        current = self.patient_id
        self.patients.blockSignals(True)
        self.patients.clear()
        for patient in patients:
            label = patient.name or patient.id
            if patient.birth_date:
                label += f"  (born {patient.birth_date[:10]})"
            self.patients.addItem(label, patient.id)
        if not patients:
            self.patients.addItem("No records yet: File › Import…", None)
        index = max(0, self.patients.findData(current, ROLE)) if current else 0
        self.patients.setCurrentIndex(index)
        self.patients.blockSignals(False)
        if self.patient_id != current:
            self.patient_changed.emit(self.patient_id)
        self.patients_loaded.emit(len(patients))

    def _patient_picked(self, _index: int) -> None:
        self.patient_changed.emit(self.patient_id)

    def patient_names(self) -> list[str]:
        return [self.patients.itemText(i) for i in range(self.patients.count())
                if self.patients.itemData(i, ROLE)]

    # --- conversations ------------------------------------------------------

    def refresh_conversations(self, select: str | None = None) -> None:
        ctx = self._ctx
        (
            Op(lambda: ctx.queries.list_conversations(owner_id=None, page=1, limit=100,
                                                  sort_by="date", order="desc"), parent=self)
            .success(lambda page: self._show_conversations(page, select))
            .run_in_background()
        )

    def _show_conversations(self, page: ConversationPage, select: str | None) -> None:
        self.conversations.clear()
        for conversation in page.conversations:
            item = QListWidgetItem(conversation.title or "Conversation")
            item.setData(ROLE, conversation.id)
            item.setToolTip(conversation.last_query or "")
            self.conversations.addItem(item)
            if conversation.id == select:
                self.conversations.setCurrentItem(item)
        self.empty.setVisible(self.conversations.count() == 0)

    def conversation_ids(self) -> list[str]:
        return [str(self.conversations.item(i).data(ROLE))
                for i in range(self.conversations.count())]

    def _conversation_clicked(self, item: QListWidgetItem) -> None:
        conversation_id = str(item.data(ROLE))
        ctx = self._ctx
        (
            Op(lambda: ctx.queries.get_conversation(conversation_id, owner_id=None), parent=self)
            .success(lambda found: found and self.conversation_opened.emit(found))
            .run_in_background()
        )

    def _new_clicked(self) -> None:
        self.conversations.clearSelection()
        self.new_conversation.emit()
