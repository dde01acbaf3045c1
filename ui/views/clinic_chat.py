"""The scheduling assistant beside the schedule: the same chat service as
POST /organizations/{id}/chat, for the patient chosen at the desk. It offers real free
slots, holds the one chosen and books, moves or cancels only after a "yes"; the schedule
is refreshed when it does."""

from __future__ import annotations

import html
from collections.abc import Callable

from app.services.assist.results import ChatReply
from app.services.clinic_desk import ClinicDesk
from ui.qt import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget
from ui.views.clinic_parts import DeskPanel, title

CHANGED = frozenset({"appointment_booked", "appointment_rescheduled", "appointment_cancelled"})


class AssistantPanel(DeskPanel):
    def __init__(self, desk: ClinicDesk, patient_of: Callable[[], str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(desk, parent)
        self._patient_of = patient_of
        self.conversation_id: str | None = None
        self.said: list[tuple[str, str]] = []  # (who, text), as shown
        self.transcript = QTextBrowser()
        self.transcript.setAccessibleName("Conversation with the assistant")
        self.patient_hint = QLabel()
        self.patient_hint.setObjectName("hint")
        self.input = QLineEdit()
        self.input.setPlaceholderText('e.g. "Book Dr. Ito next Monday morning"')
        self.input.setAccessibleName("Message to the assistant")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("primary")
        self.new_button = QPushButton("New chat")
        self.input.returnPressed.connect(self.send)
        self.send_button.clicked.connect(self.send)
        self.new_button.clicked.connect(self.new_chat)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(title("Assistant"), 1)
        heading.addWidget(self.new_button)
        layout.addLayout(heading)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.patient_hint)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.show_patient()

    def show_patient(self) -> None:
        """Say whom the chat books for: the patient chosen in the schedule."""
        patient = self._patient_of()
        name = self.people.names.get(patient or "", "")
        self.patient_hint.setText(f"Booking for {name}." if name else
                                  "Choose a patient in the schedule to book for them.")

    def new_chat(self) -> None:
        self.conversation_id = None
        self.said.clear()
        self.transcript.clear()
        self.message.clear()

    def send(self) -> None:
        text = self.input.text().strip()
        if not text:
            return
        self.input.clear()
        self._say("You", text)
        self.send_button.setEnabled(False)
        desk, conversation, patient = self.desk, self.conversation_id, self._patient_of()
        self.run(lambda: desk.chat(text, conversation_id=conversation, patient_id=patient),
                 self._replied)

    def failed(self, exc: BaseException) -> None:
        self.send_button.setEnabled(True)
        super().failed(exc)

    def _replied(self, reply: ChatReply) -> None:
        self.send_button.setEnabled(True)
        self.conversation_id = reply.conversation_id
        self._say("Assistant", reply.response)
        if any(a.type in CHANGED for a in reply.available_actions):
            self.appointments_changed.emit()

    def _say(self, who: str, text: str) -> None:
        self.said.append((who, text))
        self.transcript.append(f"<p><b>{html.escape(who)}:</b> {html.escape(text)}</p>")
