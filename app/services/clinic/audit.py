"""The audit trail and security events of an organization, and checking the chain.

Services write audit rows themselves (access.audit) in the transaction of the change;
this service reads them, records sign-ins and sign-outs, and verifies the hash chain
(`healthinsight audit verify`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from app.services.clinic.access import Access, audit
from app.services.clinic.errors import OrganizationNotFound
from app.services.clinic.results import (
    AuditEvent,
    AuditPage,
    Pagination,
    SecurityEvent,
    SecurityPage,
)
from storage.repos.audit import ChainCheck

if TYPE_CHECKING:
    from storage.vault import Vault


def instant(value: date | datetime | None, zone: str, *, end: bool) -> datetime | None:
    """A filter bound as an aware instant: a date is the organization's whole local day
    (from its first moment, or through its last), a time without a zone is UTC."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    day = value + timedelta(days=1) if end else value
    start = datetime.combine(day, time(), tzinfo=ZoneInfo(zone))
    return start - timedelta(microseconds=1) if end else start


class AuditService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def trail(self, access: Access, *, user_id: str | None = None, action: str | None = None,
              start: date | datetime | None = None, end: date | datetime | None = None,
              page: int = 1, limit: int = 20) -> AuditPage:
        rows, total = self._vault.audit.list(
            organization_id=access.organization_id, user_id=user_id, action=action,
            start=instant(start, access.timezone, end=False),
            end=instant(end, access.timezone, end=True), page=page, limit=limit)
        events = [AuditEvent(id=r["id"], timestamp=r["occurred_at"], user_id=r["user_id"],
                             organization_id=r["organization_id"], action=r["action"],
                             resource_type=r["resource_type"], resource_id=r["resource_id"],
                             outcome=r["outcome"], request_id=r["request_id"],
                             details=r["details"] or {}) for r in rows]
        with self._vault.write() as conn:  # reading the trail is itself audited
            audit(conn, self._vault, access, "audit.read", resource_type="audit")
        return AuditPage(events=events,
                         pagination=Pagination.of(page=page, limit=limit, total=total))

    def security_events(self, access: Access, *, kind: str | None = None, page: int = 1,
                        limit: int = 20) -> SecurityPage:
        """The organization's security events; the vault's owner (who runs the platform
        and owns its organizations) also sees the refusals that name no organization and
        no member of one, so every refused token is listed somewhere."""
        store = self._vault.clinic
        owner = self._vault.users.owner()
        with store.read() as conn:
            rows, total = store.security.list(
                conn, organization_id=access.organization_id, kind=kind, page=page,
                limit=limit, platform=owner is not None and owner["id"] == access.user_id)
        events = [SecurityEvent(id=r["id"], type=r["kind"], timestamp=r["occurred_at"],
                                user_id=r["user_id"], details=r["details"] or {})
                  for r in rows]
        return SecurityPage(events=events,
                            pagination=Pagination.of(page=page, limit=limit, total=total))

    def signed(self, action: str, *, user_id: str, organization_id: str | None,
               request_id: str | None) -> str:
        """A login or logout, on the organization's chain (the platform's without one);
        when it was recorded (ISO 8601, UTC)."""
        with self._vault.write() as conn:
            self._vault.audit.append(conn, action=action, user_id=user_id,
                                     organization_id=organization_id, resource_type="session",
                                     request_id=request_id)
        return datetime.now(UTC).isoformat().replace("+00:00", "Z")

    def verify(self, *, slug: str | None = None) -> ChainCheck:
        """Walk the chain of the organization `slug` (every chain without one)."""
        organization_id = None
        if slug is not None:
            store = self._vault.clinic
            with store.read() as conn:
                org = store.organizations.by_slug(conn, slug=slug)
            if org is None:
                raise OrganizationNotFound(f"no organization with slug {slug}")
            organization_id = org["id"]
        return self._vault.audit.verify(organization_id=organization_id)
