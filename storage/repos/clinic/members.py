"""Clinic users: the login row of a provider, staff member, patient or caregiver, and
their membership (role) in an organization.

`UserRepository` opens a transaction per call, which suits logins; registering a
provider must create the user, the membership and the provider row in one transaction
(a bulk row that fails leaves no user behind), hence these versions on the caller's
connection. Emails are stored lower-cased, as UserRepository does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.repos.clinic.base import as_dict, as_dicts, count, new_id, now
from storage.schema import caregivers, clinic_patients, memberships, providers, staff, users

# The clinic tables whose rows name a person by email (users join through memberships).
PEOPLE_TABLES = (clinic_patients, caregivers, providers, staff)


class MemberRepository:
    def user_by_email(self, conn: sa.Connection, *, email: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(
            sa.select(users).where(users.c.email == email.strip().lower())).first())

    def email_organizations(self, conn: sa.Connection, *, email: str) -> set[str]:
        """The organizations where `email` (any case) belongs to someone: a member's login,
        a patient, a caregiver, a provider or a staff member.

        The one query that reads across organizations, and it returns organization ids
        only: an email belongs to one organization of the vault (issue 13), which no
        organization-scoped query can check."""
        wanted = email.strip().lower()
        parts = [sa.select(memberships.c.organization_id)
                 .join(users, users.c.id == memberships.c.user_id)
                 .where(sa.func.lower(users.c.email) == wanted)]
        parts += [sa.select(table.c.organization_id)
                  .where(sa.func.lower(table.c.email) == wanted) for table in PEOPLE_TABLES]
        return {str(r[0]) for r in conn.execute(sa.union(*parts))}

    def add_user(self, conn: sa.Connection, *, email: str, name: str | None,
                 password_hash: str, must_change_password: bool) -> dict[str, Any]:
        values = {"id": new_id("usr"), "email": email.strip().lower(), "name": name,
                  "password_hash": password_hash, "is_owner": False, "failed_logins": 0,
                  "locked_until": None, "is_active": True, "created_at": now(),
                  "must_change_password": must_change_password}
        conn.execute(sa.insert(users).values(**values))
        return values

    def add(self, conn: sa.Connection, *, organization_id: str, user_id: str,
            role: str) -> None:
        """Make `user_id` a member with `role` (replacing an earlier role there)."""
        key = sa.and_(memberships.c.user_id == user_id,
                      memberships.c.organization_id == organization_id)
        if conn.execute(sa.select(memberships.c.user_id).where(key)).first() is not None:
            conn.execute(sa.update(memberships).where(key).values(role=role, is_active=True))
            return
        conn.execute(sa.insert(memberships).values(
            user_id=user_id, organization_id=organization_id, role=role, created_at=now(),
            is_active=True))

    def get(self, conn: sa.Connection, *, organization_id: str,
            user_id: str) -> dict[str, Any] | None:
        return as_dict(conn.execute(sa.select(memberships).where(
            memberships.c.organization_id == organization_id,
            memberships.c.user_id == user_id)).first())

    def of_organization(self, conn: sa.Connection, *,
                        organization_id: str) -> list[dict[str, Any]]:
        query = (sa.select(memberships.c.user_id, memberships.c.role, users.c.email,
                           users.c.name, users.c.created_at)
                 .join(users, users.c.id == memberships.c.user_id)
                 .where(memberships.c.organization_id == organization_id)
                 .order_by(memberships.c.created_at))
        return as_dicts(conn.execute(query))

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return count(conn, memberships, organization_id)
