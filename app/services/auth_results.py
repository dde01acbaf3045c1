"""What AuthService returns: frozen, typed. The API routes turn them into the two
documents' shapes (the insight API's token pair, the clinic API's login), the CLI and
the security dialog read them as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Account:
    """A local user of the vault (the API's users and the vault's owner)."""

    id: str
    email: str
    name: str | None
    is_owner: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> Account:
        return cls(id=row["id"], email=row["email"], name=row["name"],
                   is_owner=bool(row["is_owner"]))


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """A login's access token and the refresh token that renews it (rotating)."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int  # seconds the access token lives
    user: Account
    organization_id: str | None  # the organization a clinic login is scoped to


@dataclass(frozen=True, slots=True)
class PersonalToken:
    """A long-lived token for scripts, revoked ones too (the token itself is shown once,
    when it is made, and never stored)."""

    id: str
    created_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> PersonalToken:
        return cls(id=row["id"], created_at=row["created_at"], used_at=row["used_at"],
                   revoked_at=row["revoked_at"])
