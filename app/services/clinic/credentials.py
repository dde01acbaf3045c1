"""Logins for the people a clinic registers: a user with a temporary password, shown
once, that must be changed at first login (403 PASSWORD_CHANGE_REQUIRED until then)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.clinic.results import Credentials
from app.services.errors import Conflict

if TYPE_CHECKING:
    from app.services.auth import AuthService
    from storage.repos.clinic import ClinicStore


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


def email_of_this_organization(conn: sa.Connection, store: ClinicStore, email: str, *,
                               organization_id: str, field: str) -> None:
    """Conflict (409 DUPLICATE_ENTRY) when someone of another organization has this email
    (any case): an email belongs to the people of one organization of the vault. The
    answer does not say which organization."""
    if store.members.email_organizations(conn, email=email) - {organization_id}:
        raise Conflict(f"{email.strip().lower()} is registered with another organization",
                       [{"field": field, "message": "already registered elsewhere"}])


def email_free(conn: sa.Connection, store: ClinicStore, email: str, *, organization_id: str,
               field: str) -> None:
    """Conflict (409 DUPLICATE_ENTRY) when a login with this email exists already, or
    the email is someone's in another organization."""
    email_of_this_organization(conn, store, email, organization_id=organization_id,
                               field=field)
    if store.members.user_by_email(conn, email=email) is not None:
        raise Conflict(f"a user with email {email.strip().lower()} already exists",
                       [{"field": field, "message": "already registered"}])


class NewLogin:
    """A hashed temporary password, made before the writer's transaction starts (argon2
    takes tens of milliseconds, which the one writer should not wait for)."""

    def __init__(self, auth: AuthService) -> None:
        self.password = temporary_password()
        self.password_hash = auth.hash_password(self.password)

    def create(self, conn: sa.Connection, store: ClinicStore, *, organization_id: str,
               email: str, name: str | None, role: str, field: str = "email") -> dict[str, Any]:
        """The user and its membership with `role`, on the caller's transaction."""
        email_free(conn, store, email, organization_id=organization_id, field=field)
        user = store.members.add_user(conn, email=email, name=name,
                                      password_hash=self.password_hash,
                                      must_change_password=True)
        store.members.add(conn, organization_id=organization_id, user_id=user["id"],
                          role=role)
        return user

    @property
    def credentials(self) -> Credentials:
        return Credentials(temporary_password=self.password, must_change_password=True)
