"""Where a chat conversation stands between messages, kept in the vault.

A conversation is a few minutes at the desk, but a server restart in the middle must
not lose what was offered or what waits for a yes, so its state is stored (encrypted,
like the appointments it leads to) after every turn. A conversation belongs to the
user and organization that started it; anyone else naming its id gets a fresh one.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from storage.vault import Vault


class Offer(BaseModel):
    """Slots offered for one provider and day, each a local HH:MM with its instant."""

    model_config = ConfigDict(frozen=True)
    provider_id: str
    provider_name: str
    day: date
    slots: tuple[tuple[str, datetime], ...]


class Pending(BaseModel):
    """An action waiting for the person's yes: book a hold, move or cancel."""

    model_config = ConfigDict(frozen=True)
    kind: str  # book | reschedule | cancel
    summary: str
    hold_id: str | None = None
    appointment_id: str | None = None
    scheduled_at: datetime | None = None
    expires_at: datetime | None = None
    provider_id: str | None = None


class ChatState(BaseModel):
    """Mutable within one turn (the flow moves it on), then saved whole."""

    id: str
    organization_id: str
    user_id: str
    patient_id: str | None = None
    provider_id: str | None = None
    day: date | None = None
    purpose: str = "book"  # book | reschedule: what a chosen slot is for
    appointment_id: str | None = None  # the appointment being rescheduled
    appointment_type: str | None = None  # as said, by the organization's type name
    reason: str | None = None  # as said, booked with the appointment
    urgency: str | None = None  # routine | urgent | emergency, from the context
    offer: Offer | None = None
    pending: Pending | None = None
    turns: int = 0


class ChatStore:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def open(self, conversation_id: str | None, *, organization_id: str,
             user_id: str) -> ChatState:
        """The stored conversation if this user of this organization started it, else a
        new one (not stored until `save`)."""
        row = None
        if conversation_id:
            with self._vault.clinic.read() as conn:
                row = self._vault.assist.chats.get(conn, organization_id=organization_id,
                                                   conversation_id=conversation_id)
        if row is None or row["user_id"] != user_id:
            return ChatState(id="conv_" + secrets.token_hex(8),
                             organization_id=organization_id, user_id=user_id)
        return ChatState.model_validate(row["state"])

    def save(self, state: ChatState) -> None:
        with self._vault.write() as conn:
            self._vault.assist.chats.save(
                conn, organization_id=state.organization_id, conversation_id=state.id,
                user_id=state.user_id, state=state.model_dump(mode="json"), turns=state.turns)
