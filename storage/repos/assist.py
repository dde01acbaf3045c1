"""The assistant's conversations and the generated reports, `vault.assist`.

Like the clinic's repositories, every method takes the connection it runs on and the
organization it is scoped to (`scoped`), so another organization's row is not found.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, now, scoped
from storage.schema import chat_conversations as chats
from storage.schema import clinic_reports as reports


class ChatRepository:
    def get(self, conn: sa.Connection, *, organization_id: str,
            conversation_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(scoped(chats, organization_id)
                                    .where(chats.c.id == conversation_id)).first())

    def save(self, conn: sa.Connection, *, organization_id: str, conversation_id: str,
             user_id: str, state: dict[str, Any], turns: int) -> None:
        """Insert the conversation, or replace its state if it is already stored."""
        at = now()
        known = self.get(conn, organization_id=organization_id,
                         conversation_id=conversation_id)
        if known is None:
            conn.execute(sa.insert(chats).values(
                id=conversation_id, organization_id=organization_id, user_id=user_id,
                state=state, turns=turns, created_at=at, updated_at=at))
        else:
            conn.execute(sa.update(chats).where(chats.c.organization_id == organization_id,
                                                chats.c.id == conversation_id)
                         .values(state=state, turns=turns, updated_at=at))


class ReportRepository:
    def add(self, conn: sa.Connection, *, organization_id: str, report_id: str,
            **values: Any) -> None:
        conn.execute(sa.insert(reports).values(
            id=report_id, organization_id=organization_id, created_at=now(),
            **{c: values.get(c) for c in ("type", "format", "file_name", "media_type",
                                          "content", "delivery", "created_by")}))

    def get(self, conn: sa.Connection, *, organization_id: str,
            report_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(scoped(reports, organization_id)
                                    .where(reports.c.id == report_id)).first())


class AssistStore:
    def __init__(self) -> None:
        self.chats = ChatRepository()
        self.reports = ReportRepository()
