"""Reminders stored with their appointment: one row per channel, due `minutes_before`
the start; a reschedule moves them, a cancellation cancels them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import new_id, now, page_of, scoped
from storage.schema import reminders


class ReminderRepository:
    def add(self, conn: sa.Connection, *, organization_id: str, appointment_id: str,
            channels: list[str], minutes_before: int, starts_at: datetime) -> None:
        for channel in channels:
            conn.execute(sa.insert(reminders).values(
                id=new_id("rmd"), organization_id=organization_id,
                appointment_id=appointment_id, channel=channel, minutes_before=minutes_before,
                due_at=starts_at - timedelta(minutes=minutes_before), status="pending",
                created_at=now()))

    def of(self, conn: sa.Connection, *, organization_id: str,
           appointment_id: str) -> list[dict[str, Any]]:
        query = scoped(reminders, organization_id).where(
            reminders.c.appointment_id == appointment_id).order_by(reminders.c.channel)
        return [dict(r._mapping) for r in conn.execute(query)]

    def move(self, conn: sa.Connection, *, organization_id: str, appointment_id: str,
             starts_at: datetime) -> None:
        """A rescheduled appointment: pending reminders fall due relative to its new start."""
        for row in self.of(conn, organization_id=organization_id,
                           appointment_id=appointment_id):
            if row["status"] == "pending":
                due = starts_at - timedelta(minutes=int(row["minutes_before"]))
                conn.execute(sa.update(reminders).where(reminders.c.id == row["id"])
                             .values(due_at=due))

    def cancel(self, conn: sa.Connection, *, organization_id: str,
               appointment_id: str) -> None:
        conn.execute(sa.update(reminders).where(
            reminders.c.organization_id == organization_id,
            reminders.c.appointment_id == appointment_id, reminders.c.status == "pending")
            .values(status="cancelled"))

    def list(self, conn: sa.Connection, *, organization_id: str, due_at: datetime | None = None,
             appointment_ids: list[str] | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        """Reminders, earliest due first; with `due_at`, only pending ones due by then."""
        query = scoped(reminders, organization_id)
        if due_at is not None:
            query = query.where(reminders.c.status == "pending", reminders.c.due_at <= due_at)
        if appointment_ids is not None:
            query = query.where(reminders.c.appointment_id.in_(appointment_ids))
        return page_of(conn, query.order_by(reminders.c.due_at, reminders.c.id),
                       page=page, limit=limit)

    def mark_sent(self, conn: sa.Connection, *, organization_id: str, reminder_id: str,
                  at: datetime, delivery: str, ref: str) -> None:
        conn.execute(sa.update(reminders).where(
            reminders.c.organization_id == organization_id, reminders.c.id == reminder_id)
            .values(status="sent", sent_at=at, delivery=delivery, delivery_ref=ref))
