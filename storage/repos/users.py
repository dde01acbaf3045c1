"""Users, their organization memberships, API tokens and security events.

Only what authentication needs lives here: the clinic's richer organization data is
managed by its own repository over the same `organizations` table. Emails are stored
lower-cased so look-ups are case-insensitive without a function index.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.repos.audit import start_chain
from storage.schema import api_tokens, memberships, organizations, security_events, users

if TYPE_CHECKING:
    from storage.vault import Vault


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _row(row: sa.Row | None) -> dict[str, Any] | None:
    return None if row is None else dict(row._mapping)


class UserRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    # --- users -----------------------------------------------------------

    def add(self, *, email: str, password_hash: str | None, name: str | None = None,
            is_owner: bool = False) -> dict[str, Any]:
        values = {
            "id": _new_id("usr"), "email": email.strip().lower(), "name": name,
            "password_hash": password_hash, "is_owner": is_owner, "failed_logins": 0,
            "locked_until": None, "is_active": True, "created_at": _now(),
        }
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(users).values(**values))
        return values

    def count(self) -> int:
        with self._vault.reads.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def get(self, *, user_id: str) -> dict[str, Any] | None:
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(sa.select(users).where(users.c.id == user_id)).first())

    def by_email(self, *, email: str) -> dict[str, Any] | None:
        query = sa.select(users).where(users.c.email == email.strip().lower())
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(query).first())

    def owner(self) -> dict[str, Any] | None:
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(sa.select(users).where(users.c.is_owner)).first())

    def record_login_failure(self, *, user_id: str, lock_after: int,
                             locked_until: datetime) -> bool:
        """Count a failed login; at `lock_after` failures lock the account. True if locked."""
        with self._vault.engine.begin() as conn:
            failures = conn.execute(
                sa.select(users.c.failed_logins).where(users.c.id == user_id)
            ).scalar_one()
            failures = int(failures or 0) + 1
            locked = failures >= lock_after
            values: dict[str, Any] = {"failed_logins": 0 if locked else failures}
            if locked:
                values["locked_until"] = locked_until
            conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))
        return locked

    def claim(self, *, user_id: str, email: str, password_hash: str,
              name: str | None) -> dict[str, Any]:
        """Give a passwordless account its email, password and name (the same id)."""
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(users).where(users.c.id == user_id).values(
                email=email.strip().lower(), password_hash=password_hash, name=name))
        claimed = self.get(user_id=user_id)
        assert claimed is not None
        return claimed

    def set_password(self, *, user_id: str, password_hash: str) -> None:
        """A new password, chosen by the user: no longer a temporary one."""
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(users).where(users.c.id == user_id)
                         .values(password_hash=password_hash, must_change_password=False))

    def record_login_success(self, *, user_id: str) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(users).where(users.c.id == user_id)
                         .values(failed_logins=0, locked_until=None))

    # --- organizations and memberships -----------------------------------

    def organization_by_slug(self, *, slug: str) -> dict[str, Any] | None:
        query = sa.select(organizations).where(organizations.c.slug == slug)
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(query).first())

    def organization_exists(self, *, organization_id: str) -> bool:
        query = sa.select(organizations.c.id).where(organizations.c.id == organization_id)
        with self._vault.reads.connect() as conn:
            return conn.execute(query).first() is not None

    def add_organization(self, *, name: str, slug: str) -> dict[str, Any]:
        now = _now()
        values = {"id": _new_id("org"), "name": name, "slug": slug, "type": None,
                  "details": {}, "is_active": True, "created_at": now, "updated_at": now}
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(organizations).values(**values))
            start_chain(conn, self._vault, values["id"])
        return values

    def add_membership(self, *, user_id: str, organization_id: str, role: str) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.delete(memberships).where(
                memberships.c.user_id == user_id,
                memberships.c.organization_id == organization_id))
            conn.execute(sa.insert(memberships).values(
                user_id=user_id, organization_id=organization_id, role=role,
                created_at=_now()))

    def memberships(self, *, user_id: str) -> list[dict[str, Any]]:
        query = (sa.select(memberships).where(memberships.c.user_id == user_id)
                 .order_by(memberships.c.created_at))
        with self._vault.reads.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def membership(self, *, user_id: str, organization_id: str) -> dict[str, Any] | None:
        query = sa.select(memberships).where(memberships.c.user_id == user_id,
                                             memberships.c.organization_id == organization_id)
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(query).first())

    # --- API tokens (refresh and personal) -------------------------------

    def add_token(self, *, user_id: str, kind: str, family: str | None = None,
                  expires_at: datetime | None = None) -> dict[str, Any]:
        values = {"id": _new_id("tok"), "user_id": user_id, "kind": kind, "family": family,
                  "expires_at": expires_at, "revoked_at": None, "used_at": None,
                  "created_at": _now()}
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(api_tokens).values(**values))
        return values

    def get_token(self, *, token_id: str) -> dict[str, Any] | None:
        with self._vault.reads.connect() as conn:
            return _row(conn.execute(
                sa.select(api_tokens).where(api_tokens.c.id == token_id)).first())

    def tokens(self, *, user_id: str, kind: str) -> list[dict[str, Any]]:
        query = (sa.select(api_tokens)
                 .where(api_tokens.c.user_id == user_id, api_tokens.c.kind == kind)
                 .order_by(api_tokens.c.created_at))
        with self._vault.reads.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def mark_token_used(self, *, token_id: str) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(api_tokens).where(api_tokens.c.id == token_id)
                         .values(used_at=_now()))

    def revoke_token(self, *, token_id: str) -> bool:
        """Revoke one token; False if there is no such live token."""
        live = sa.and_(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        with self._vault.engine.begin() as conn:
            if conn.execute(sa.select(api_tokens.c.id).where(live)).first() is None:
                return False
            conn.execute(sa.update(api_tokens).where(live).values(revoked_at=_now()))
        return True

    def revoke_family(self, *, family: str) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(api_tokens)
                         .where(api_tokens.c.family == family, api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=_now()))

    def family_revoked(self, *, family: str) -> bool:
        """Whether the session (refresh-token family) was ended, e.g. on token reuse."""
        query = sa.select(sa.func.count()).where(api_tokens.c.family == family,
                                                 api_tokens.c.revoked_at.is_not(None))
        with self._vault.reads.connect() as conn:
            return bool(conn.execute(query).scalar())

    # --- security events -------------------------------------------------

    def record_security_event(self, *, kind: str, user_id: str | None = None,
                              organization_id: str | None = None,
                              details: dict[str, Any] | None = None) -> str:
        event_id = _new_id("sec")
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(security_events).values(
                id=event_id, occurred_at=_now(), kind=kind, user_id=user_id,
                organization_id=organization_id, details=details or {}))
        return event_id

    def security_events(self, *, user_id: str | None = None, kind: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        query = sa.select(security_events)
        if user_id is not None:
            query = query.where(security_events.c.user_id == user_id)
        if kind is not None:
            query = query.where(security_events.c.kind == kind)
        query = query.order_by(security_events.c.occurred_at.desc()).limit(limit)
        with self._vault.reads.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
