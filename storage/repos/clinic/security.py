"""Security events of one organization: its own, and its members' (failed logins,
lockouts, refused tokens carry a user but no organization); for the platform's admin
also those of no organization and no member (a forged token sent to /v1, say), which
would otherwise be listed nowhere."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import new_id, now, page_of
from storage.schema import memberships, security_events


class SecurityEventRepository:
    def add(self, conn: sa.Connection, *, kind: str, organization_id: str | None,
            user_id: str | None, details: dict[str, Any] | None = None) -> str:
        event_id = new_id("sec")
        conn.execute(sa.insert(security_events).values(
            id=event_id, occurred_at=now(), kind=kind, user_id=user_id,
            organization_id=organization_id, details=details or {}))
        return event_id

    def list(self, conn: sa.Connection, *, organization_id: str, kind: str | None = None,
             page: int = 1, limit: int = 20, platform: bool = False
             ) -> tuple[list[dict[str, Any]], int]:
        """With `platform`, the events of nobody's organization too: no organization
        named, and no user or one who is a member of no organization."""
        members = sa.select(memberships.c.user_id).where(
            memberships.c.organization_id == organization_id)
        unscoped = security_events.c.organization_id.is_(None)
        shown = [security_events.c.organization_id == organization_id,
                 sa.and_(unscoped, security_events.c.user_id.in_(members))]
        if platform:
            shown.append(sa.and_(unscoped, sa.or_(
                security_events.c.user_id.is_(None),
                security_events.c.user_id.not_in(sa.select(memberships.c.user_id)))))
        query = sa.select(security_events).where(sa.or_(*shown))
        if kind:
            query = query.where(security_events.c.kind == kind)
        query = query.order_by(security_events.c.occurred_at.desc(), security_events.c.id)
        return page_of(conn, query, page=page, limit=limit)
