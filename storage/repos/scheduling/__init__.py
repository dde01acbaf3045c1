"""Scheduling's repositories behind one facade, `vault.scheduling`.

Like the clinic's (storage/repos/clinic), every method takes the connection it runs on
and the organization it is scoped to. Decisions that must not race (is this span free?
then insert) run on the connection of `Vault.write()`, the vault's one writer: the
check and the insert are one transaction that no other writer interleaves with, which
is what makes "exactly one of twenty concurrent bookings succeeds" hold. The check is
`guard.taken`, one statement just before the write; several requests may share the
transaction (`group.GroupWriter`, group commit).

`changes` is a `TableWatch` over the tables a calendar is made of (organizations,
providers, their weekly hours, closures): scheduling's cache of them is valid while its
generation is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa

from storage.repos.scheduling.appointments import AppointmentRepository
from storage.repos.scheduling.closures import ClosureRepository
from storage.repos.scheduling.holds import HoldRepository
from storage.repos.scheduling.reminders import ReminderRepository
from storage.repos.scheduling.waitlist import WaitlistRepository
from storage.repos.scheduling.watch import TableWatch
from storage.schema import availability, closures, organizations, providers

__all__ = ["SchedulingStore"]

CALENDAR_TABLES = frozenset(t.name for t in (organizations, providers, availability, closures))


class SchedulingStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.changes = TableWatch(engine, CALENDAR_TABLES)
        self.appointments = AppointmentRepository(engine)
        self.holds = HoldRepository()
        self.closures = ClosureRepository()
        self.waitlist = WaitlistRepository(engine)
        self.reminders = ReminderRepository()
