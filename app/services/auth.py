"""Local users and API tokens: argon2id passwords, JWTs signed with a secret in the vault.

Access tokens live an hour (settings.access_token_minutes) and are checked without the
database except for a few-seconds cache of the user row. Refresh tokens rotate: each
use marks its row used and issues the next one in the same family; presenting a used
one again means it leaked, so the whole family is revoked and a security event is
written. The family is the session: access tokens carry it (`sid`) and are refused
once it is revoked, so the session ends whole, not when its access tokens expire.
Logging out revokes the family, so every access token of that login ends with it
(a personal token's logout revokes that token). Personal tokens (for scripts) never
expire but are revocable rows. Repeated failed logins lock the account for
settings.login_lock_minutes. Every refused token is a security event, written at a
bounded rate (app/services/auth_refusals.py).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.services.auth_refusals import EVENT_KIND, RefusalLog, Refused
from app.services.auth_results import Account, IssuedTokens, PersonalToken
from app.services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.services.tokens import CACHE_SECONDS, SECRET_KEY, AuthFailed, TokenSigner

if TYPE_CHECKING:
    from app.settings import Settings
    from storage.vault import Vault

MIN_PASSWORD = 8
# The owner account of a vault that only the desktop has used: no password, so nobody
# can log in as it; `user add` later gives it a real email and password.
IMPLICIT_OWNER = "owner@this-computer.local"


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    user_id: str
    email: str
    name: str | None
    is_owner: bool
    token_kind: str  # access | personal
    organization_id: str | None = None
    role: str | None = None  # the role in organization_id, once checked (clinic API)
    must_change_password: bool = False  # signed in with a temporary password
    session_id: str | None = None  # the login (refresh family) an access token belongs to
    token_id: str | None = None  # a personal token's row

    @property
    def owner_key(self) -> str | None:
        """The owner_id of this user's rows: None for the vault's owner (shared contract)."""
        return None if self.is_owner else self.user_id


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class AuthService:
    def __init__(self, vault: Vault, settings: Settings) -> None:
        self._vault = vault
        self._settings = settings
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_hex(8))
        self._tokens = TokenSigner(vault.settings.get_or_create(
            SECRET_KEY, lambda: secrets.token_hex(32)))
        self._refresh_lock = threading.Lock()
        self._cache: dict[str, tuple[float, Any]] = {}
        self._refusals = RefusalLog(self._write_refusal)

    @property
    def access_seconds(self) -> int:
        return self._settings.access_token_minutes * 60

    # --- users -----------------------------------------------------------

    def add_user(self, email: str, password: str, *, name: str | None = None,
                 organization_slug: str | None = None, role: str | None = None) -> Account:
        """A new local user; the vault's first user becomes its owner."""
        email = email.strip().lower()
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise ValidationFailed("invalid email address", [{"field": "email",
                                                              "message": "not an email address"}])
        if len(password) < MIN_PASSWORD:
            raise ValidationFailed(f"the password needs at least {MIN_PASSWORD} characters",
                                   [{"field": "password", "message": "too short"}])
        repo = self._vault.users
        if repo.by_email(email=email) is not None:
            raise Conflict(f"a user with email {email} already exists",
                           [{"field": "email", "message": "already registered"}])
        org = repo.organization_by_slug(slug=organization_slug) if organization_slug else None
        if organization_slug:
            store = self._vault.clinic
            with store.read() as conn:
                elsewhere = store.members.email_organizations(conn, email=email)
            if elsewhere - {org["id"] if org else ""}:
                raise Conflict(f"{email} is registered with another organization",
                               [{"field": "email", "message": "already registered elsewhere"}])
        owner = repo.owner()
        if owner is not None and not owner["password_hash"]:
            # the implicit owner (the desktop made it): the first real user becomes it,
            # keeping its tokens and organizations
            user = repo.claim(user_id=owner["id"], email=email,
                              password_hash=self._hasher.hash(password), name=name)
        else:
            user = repo.add(email=email, password_hash=self._hasher.hash(password), name=name,
                            is_owner=owner is None)
        if organization_slug:
            if org is None:
                org = repo.add_organization(name=organization_slug, slug=organization_slug)
            repo.add_membership(user_id=user["id"], organization_id=org["id"],
                                role=role or "member")
        return Account.of(user)

    def owner_account(self) -> Account:
        """The vault's owner, made now (passwordless, `IMPLICIT_OWNER`) on a vault nobody
        ran `user add` on: a person who only uses the desktop still owns personal tokens
        and organizations without ever seeing an account."""
        repo = self._vault.users
        owner = repo.owner()
        if owner is None:
            owner = repo.add(email=IMPLICIT_OWNER, password_hash=None, name="Vault owner",
                             is_owner=True)
        return Account.of(owner)

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def change_password(self, user_id: str, current: str, new: str) -> None:
        """Replace a password after checking the current one; clears must-change."""
        user = self._vault.users.get(user_id=user_id)
        if user is None or not self._verify(user["password_hash"] or self._dummy_hash, current):
            raise AuthFailed("credentials", "the current password is not correct")
        if len(new) < MIN_PASSWORD:
            raise ValidationFailed(f"the password needs at least {MIN_PASSWORD} characters",
                                   [{"field": "newPassword", "message": "too short"}])
        if new == current:
            raise ValidationFailed("the new password must differ from the current one",
                                   [{"field": "newPassword", "message": "same as current"}])
        self._vault.users.set_password(user_id=user_id, password_hash=self._hasher.hash(new))
        self._cache.pop(f"usr:{user_id}", None)

    # --- login and tokens ------------------------------------------------

    def login(self, email: str, password: str, *,
              organization_slug: str | None = None) -> IssuedTokens:
        """Check the password and issue an access + refresh pair (and the user)."""
        repo = self._vault.users
        user = repo.by_email(email=email)
        if user is None or not user["is_active"] or not user["password_hash"]:
            self._verify(self._dummy_hash, password)  # same cost whether or not it exists
            repo.record_security_event(kind="login_failed", details={"reason": "unknown_user"})
            raise AuthFailed("credentials", "invalid email or password")
        locked_until = _aware(user["locked_until"])
        if locked_until is not None and locked_until > _now():
            repo.record_security_event(kind="login_refused_locked", user_id=user["id"])
            raise AuthFailed("locked", "too many failed logins; the account is locked for now",
                             {"locked_until": locked_until.isoformat()})
        if not self._verify(user["password_hash"], password):
            until = _now() + timedelta(minutes=self._settings.login_lock_minutes)
            locked = repo.record_login_failure(
                user_id=user["id"], lock_after=self._settings.login_lock_after,
                locked_until=until)
            repo.record_security_event(kind="login_failed", user_id=user["id"])
            if locked:
                repo.record_security_event(kind="account_locked", user_id=user["id"],
                                           details={"until": until.isoformat()})
            raise AuthFailed("credentials", "invalid email or password")
        organization_id = None
        if organization_slug is not None:
            org = repo.organization_by_slug(slug=organization_slug)
            member = org and repo.membership(user_id=user["id"], organization_id=org["id"])
            if not member:
                repo.record_security_event(kind="login_failed", user_id=user["id"],
                                           details={"reason": "not_a_member"})
                raise AuthFailed("credentials", "invalid email, password or organization")
            organization_id = org["id"]
        repo.record_login_success(user_id=user["id"])
        family = "fam_" + secrets.token_hex(8)
        return self._pair(user, family, organization_id)

    def refresh(self, refresh_token: str) -> IssuedTokens:
        """Rotate: the presented token is spent and a new pair issued in its family."""
        try:
            claims = self._tokens.decode(refresh_token, "refresh")
        except AuthFailed as exc:
            self._refused(exc, channel="refresh")
            raise
        repo = self._vault.users
        with self._refresh_lock:
            row = repo.get_token(token_id=str(claims.get("jti")))
            if row is None or row["kind"] != "refresh":
                raise AuthFailed("invalid", "unknown refresh token")
            if row["used_at"] is not None or row["revoked_at"] is not None:
                if row["family"]:
                    repo.revoke_family(family=row["family"])
                    self._cache.pop(f"sid:{row['family']}", None)
                repo.record_security_event(kind="token_reuse", user_id=row["user_id"],
                                           details={"family": row["family"]})
                raise AuthFailed("invalid", "this refresh token was already used; its "
                                 "session has been revoked, log in again")
            repo.mark_token_used(token_id=row["id"])
        user = repo.get(user_id=row["user_id"])
        if user is None or not user["is_active"]:
            raise AuthFailed("invalid", "the user no longer exists")
        return self._pair(user, row["family"], claims.get("org"))

    def personal_token(self, *, user_id: str | None = None) -> tuple[str, str]:
        """(token id, token) for scripts: no expiry, revocable. Default: the vault owner."""
        repo = self._vault.users
        user = repo.owner() if user_id is None else repo.get(user_id=user_id)
        if user is None:
            raise NotFound("no such user" if user_id else
                           "the vault has no users yet: add one with `healthinsight user add`")
        row = repo.add_token(user_id=user["id"], kind="personal")
        claims = {"sub": user["id"], "typ": "personal", "jti": row["id"],
                  "iat": int(time.time())}
        return row["id"], self._tokens.sign(claims)

    def personal_tokens(self, *, user_id: str | None = None) -> list[PersonalToken]:
        """The personal tokens of a user (default: the vault owner), revoked ones too."""
        repo = self._vault.users
        user = repo.owner() if user_id is None else repo.get(user_id=user_id)
        return [] if user is None else [
            PersonalToken.of(row) for row in repo.tokens(user_id=user["id"], kind="personal")]

    def revoke(self, token_id: str) -> None:
        if not self._vault.users.revoke_token(token_id=token_id):
            raise NotFound(f"no live token {token_id}")
        self._cache.clear()

    def logout(self, principal: Principal) -> None:
        """End the token `principal` came with: its whole session (the refresh family,
        so every access token of that login is refused from now on), or the personal
        token itself."""
        repo, ended = self._vault.users, time.monotonic() + CACHE_SECONDS
        if principal.session_id is not None:
            repo.revoke_family(family=principal.session_id)
            self._cache[f"sid:{principal.session_id}"] = (ended, True)
        elif principal.token_id is not None:
            repo.revoke_token(token_id=principal.token_id)
            self._cache[f"tok:{principal.token_id}"] = (ended, None)

    # --- checking tokens -------------------------------------------------

    def authenticate(self, token: str, *, channel: str = "http",
                     organization_id: str | None = None,
                     request_id: str | None = None) -> Principal:
        """The principal an access or personal token speaks for, or AuthFailed (recorded
        as a security event of `organization_id`, the organization the request named)."""
        try:
            return self._principal(token)
        except AuthFailed as exc:
            self._refused(exc, channel=channel, organization_id=organization_id,
                          request_id=request_id)
            raise

    def _principal(self, token: str) -> Principal:
        claims = self._tokens.claims(token)
        kind, subject = claims.get("typ"), str(claims["sub"])
        if kind not in ("access", "personal"):
            raise AuthFailed("invalid", "not an access token", refusal="wrong_type",
                             subject=subject)
        token_id = str(claims.get("jti")) if kind == "personal" else None
        if token_id is not None:
            row = self._cached(f"tok:{token_id}",
                               lambda: self._vault.users.get_token(token_id=token_id))
            if row is None or row["revoked_at"] is not None or row["user_id"] != subject:
                raise AuthFailed("invalid", "this token has been revoked", refusal="revoked",
                                 subject=subject)
        session = str(claims["sid"]) if kind == "access" and claims.get("sid") else None
        if session is not None and self._cached(
                f"sid:{session}", lambda: self._vault.users.family_revoked(family=session)):
            raise AuthFailed("invalid", "this session has ended; log in again",
                             refusal="session_ended", subject=subject)
        user = self._cached(f"usr:{subject}", lambda: self._vault.users.get(user_id=subject))
        if user is None or not user["is_active"]:
            raise AuthFailed("invalid", "the token's user no longer exists",
                             refusal="unknown_user")
        return Principal(user_id=user["id"], email=user["email"], name=user["name"],
                         is_owner=bool(user["is_owner"]), token_kind=kind,
                         organization_id=claims.get("org"),
                         must_change_password=bool(user.get("must_change_password")),
                         session_id=session, token_id=token_id)

    def _refused(self, exc: AuthFailed, *, channel: str, organization_id: str | None = None,
                 request_id: str | None = None) -> None:
        """Count a refused token toward the security events (rate-bounded)."""
        if exc.refusal is None:
            return
        if organization_id is not None and not self._cached(
                f"org:{organization_id}",
                lambda: self._vault.users.organization_exists(organization_id=organization_id)):
            organization_id = None  # only organizations that exist are keys of the log
        self._refusals.refused(Refused(refusal=exc.refusal, channel=channel,
                                       organization_id=organization_id, user_id=exc.subject,
                                       request_id=request_id))

    def _write_refusal(self, event: Refused, count: int) -> None:
        self._vault.users.record_security_event(
            kind=EVENT_KIND, user_id=event.user_id, organization_id=event.organization_id,
            details={"reason": event.refusal, "channel": event.channel, "count": count,
                     "request_id": event.request_id})

    def in_organization(self, principal: Principal,
                        organization_id: str | None = None) -> Principal:
        """The principal acting in an organization it belongs to, with its role there.

        The organization is the one asked for (the clinic API's X-Organization-Context),
        else the token's (clinic login), else the user's only membership.
        """
        wanted = organization_id or principal.organization_id
        rows = self._cached(f"mem:{principal.user_id}",
                            lambda: self._vault.users.memberships(user_id=principal.user_id))
        if wanted is None:
            if len(rows) != 1:
                raise PermissionDenied("this request needs an organization: log in with "
                                       "organizationSlug or send X-Organization-Context")
            wanted = rows[0]["organization_id"]
        member = next((r for r in rows if r["organization_id"] == wanted), None)
        if member is None:
            raise PermissionDenied("you are not a member of this organization")
        return replace(principal, organization_id=wanted, role=member["role"])

    # --- internals -------------------------------------------------------

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _pair(self, user: dict[str, Any], family: str,
              organization_id: str | None) -> IssuedTokens:
        now = int(time.time())
        expires = _now() + timedelta(days=self._settings.refresh_token_days)
        row = self._vault.users.add_token(user_id=user["id"], kind="refresh", family=family,
                                          expires_at=expires)
        access: dict[str, Any] = {"sub": user["id"], "typ": "access", "iat": now,
                                  "exp": now + self.access_seconds,
                                  "jti": secrets.token_hex(8), "sid": family}
        refresh: dict[str, Any] = {"sub": user["id"], "typ": "refresh", "iat": now,
                                   "exp": int(expires.timestamp()), "jti": row["id"],
                                   "fam": family}
        if organization_id:
            access["org"] = refresh["org"] = organization_id
        return IssuedTokens(access_token=self._tokens.sign(access),
                            refresh_token=self._tokens.sign(refresh), token_type="Bearer",
                            expires_in=self.access_seconds, user=Account.of(user),
                            organization_id=organization_id)

    def _cached(self, key: str, load: Any) -> Any:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now + CACHE_SECONDS, value)
        return value
