"""Scheduling's repositories behind one facade, `vault.scheduling`.

Like the clinic's (storage/repos/clinic), every method takes the connection it runs on
and the organization it is scoped to. Decisions that must not race (is this span free?
then insert) run on the connection of `Vault.write()`, the vault's one writer: the
check and the insert are one transaction that no other writer interleaves with, which
is what makes "exactly one of twenty concurrent bookings succeeds" hold.
"""

from __future__ import annotations

from storage.repos.scheduling.appointments import ACTIVE, AppointmentRepository
from storage.repos.scheduling.closures import ClosureRepository
from storage.repos.scheduling.holds import HoldRepository
from storage.repos.scheduling.reminders import ReminderRepository
from storage.repos.scheduling.waitlist import WaitlistRepository

__all__ = ["ACTIVE", "SchedulingStore"]


class SchedulingStore:
    def __init__(self) -> None:
        self.appointments = AppointmentRepository()
        self.holds = HoldRepository()
        self.closures = ClosureRepository()
        self.waitlist = WaitlistRepository()
        self.reminders = ReminderRepository()
