"""The clinic's repositories behind one facade, `vault.clinic`.

Every method takes the connection it runs on (`read()` for reads, `vault.write()` for
changes, so a change and its audit row commit together) and, for clinic tables, the
organization it is scoped to. Rows come back as dicts; the services in
app/services/clinic turn them into frozen results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from storage.repos.clinic.members import MemberRepository
from storage.repos.clinic.organizations import OrganizationRepository
from storage.repos.clinic.patients import PatientRepository
from storage.repos.clinic.people import CaregiverRepository, StaffRepository
from storage.repos.clinic.providers import ProviderRepository
from storage.repos.clinic.security import SecurityEventRepository
from storage.repos.scheduling.watch import TableWatch
from storage.schema import caregivers, clinic_patients, memberships, organizations, staff

if TYPE_CHECKING:
    from storage.repos.audit import AuditRepository
    from storage.vault import Vault

# What a member's Access is made of: the organization, the membership and its role, the
# staff row's extra permissions, and the patient scope (own record, authorizations).
MEMBER_TABLES = frozenset(t.name for t in (organizations, memberships, staff, clinic_patients,
                                            caregivers))


class ClinicStore:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self.organizations = OrganizationRepository(vault.engine)
        self.members = MemberRepository()
        self.providers = ProviderRepository()
        self.patients = PatientRepository()
        self.caregivers = CaregiverRepository()
        self.staff = StaffRepository()
        self.security = SecurityEventRepository()
        # Moves on every write that can change who is a member with which role and scope:
        # the access service's cache of memberships is valid while it is unchanged.
        self.changes = TableWatch(vault.engine, MEMBER_TABLES)

    @property
    def audit(self) -> AuditRepository:
        return self._vault.audit

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self._vault.reads.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """`Vault.write()`: the one writer's transaction."""
        with self._vault.write() as conn:
            yield conn
