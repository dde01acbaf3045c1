"""Where a chat conversation stands between messages.

Kept in memory by the server process: a conversation is a few minutes at the desk, its
holds expire on their own, and nothing in it is the record (appointments are). A
conversation belongs to the user and organization that started it; anyone else asking
for its id gets a fresh one.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Offer:
    """Slots offered for one provider and day, each a local HH:MM with its instant."""

    provider_id: str
    provider_name: str
    day: date
    slots: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True)
class Pending:
    """An action waiting for the person's yes: book a hold, move or cancel."""

    kind: str  # book | reschedule | cancel
    summary: str
    hold_id: str | None = None
    appointment_id: str | None = None
    scheduled_at: datetime | None = None
    expires_at: datetime | None = None
    provider_id: str | None = None


@dataclass
class ChatState:
    id: str
    organization_id: str
    user_id: str
    patient_id: str | None = None
    provider_id: str | None = None
    day: date | None = None
    purpose: str = "book"  # book | reschedule: what a chosen slot is for
    appointment_id: str | None = None  # the appointment being rescheduled
    offer: Offer | None = None
    pending: Pending | None = None
    turns: int = 0


@dataclass
class ChatStore:
    limit: int = 5000
    _states: dict[str, ChatState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, conversation_id: str | None, *, organization_id: str,
             user_id: str) -> ChatState:
        with self._lock:
            state = self._states.get(conversation_id or "")
            if state is None or (state.organization_id, state.user_id) != (organization_id,
                                                                            user_id):
                if len(self._states) >= self.limit:
                    self._states.pop(next(iter(self._states)))
                state = ChatState("conv_" + secrets.token_hex(8), organization_id, user_id)
                self._states[state.id] = state
            return state
