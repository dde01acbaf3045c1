"""The audit trail: who read or changed what, and when (never the data itself)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.schema import audit_events

if TYPE_CHECKING:
    from storage.vault import Vault


class AuditRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def record(self, *, action: str, user_id: str | None = None,
               organization_id: str | None = None, resource_type: str | None = None,
               resource_id: str | None = None, details: dict[str, Any] | None = None) -> str:
        event_id = f"aud_{secrets.token_hex(8)}"
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(audit_events).values(
                id=event_id, occurred_at=datetime.now(UTC), user_id=user_id,
                organization_id=organization_id, action=action, resource_type=resource_type,
                resource_id=resource_id, details=details or {}))
        return event_id

    def list(self, *, organization_id: str | None = None, user_id: str | None = None,
             action: str | None = None, start: datetime | None = None,
             end: datetime | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """One page of events, newest first, and the total matching count."""
        conditions = []
        if organization_id is not None:
            conditions.append(audit_events.c.organization_id == organization_id)
        if user_id is not None:
            conditions.append(audit_events.c.user_id == user_id)
        if action is not None:
            conditions.append(audit_events.c.action == action)
        if start is not None:
            conditions.append(audit_events.c.occurred_at >= start)
        if end is not None:
            conditions.append(audit_events.c.occurred_at <= end)
        where = sa.and_(sa.true(), *conditions)
        query = (sa.select(audit_events).where(where)
                 .order_by(audit_events.c.occurred_at.desc(), audit_events.c.id)
                 .limit(limit).offset((max(page, 1) - 1) * limit))
        total_query = sa.select(sa.func.count()).select_from(audit_events).where(where)
        with self._vault.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            total = int(conn.execute(total_query).scalar_one())
        return rows, total
