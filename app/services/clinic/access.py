"""Who may do what in an organization: membership, role, permissions, patient scope.

`AccessService.resolve` turns a signed-in principal and the organization of the path
into an `Access` for one permission, or refuses: not a member (or no such
organization) is OrganizationNotFound, so another tenant's organization looks exactly
like a missing one; a member without the permission is PermissionDenied, written to
the audit chain and the security events first. `audit()` is how every clinic service
writes its audit rows, on the connection of the change it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.services.clinic.errors import OrganizationNotFound
from app.services.clinic.once import Once
from app.services.clinic.permissions import granted
from app.services.errors import PermissionDenied

if TYPE_CHECKING:
    from app.services.auth import Principal
    from storage.vault import Vault


@dataclass(frozen=True)
class Access:
    """A member acting in one organization, allowed `permission` for this request.

    `patient_ids` is None for roles that see every patient of the organization, else the
    ids this user may see (a patient: their own; a caregiver: those an authorization in
    force today lets them receive information about); `booking_ids` likewise for
    booking appointments (a caregiver needs canScheduleAppointments)."""

    user_id: str
    organization_id: str
    role: str
    permissions: frozenset[str]
    permission: str
    timezone: str
    request_id: str | None = None
    patient_ids: frozenset[str] | None = None
    booking_ids: frozenset[str] | None = None

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    def sees_patient(self, patient_id: str) -> bool:
        return self.patient_ids is None or patient_id in self.patient_ids

    def books_for(self, patient_id: str) -> bool:
        return self.booking_ids is None or patient_id in self.booking_ids

    def today(self) -> date:
        """Today in the organization's time zone (authorizations are dated locally)."""
        return datetime.now(ZoneInfo(self.timezone)).date()


def audit(conn: sa.Connection, vault: Vault, access: Access, action: str, *,
          resource_type: str | None = None, resource_id: str | None = None,
          outcome: str = "success", details: dict[str, Any] | None = None) -> None:
    """One audit row for `access`'s user and organization, in `conn`'s transaction."""
    vault.audit.append(conn, action=action, user_id=access.user_id,
                       organization_id=access.organization_id, resource_type=resource_type,
                       resource_id=resource_id, outcome=outcome,
                       request_id=access.request_id, details=details)


@dataclass(frozen=True)
class _Known:
    """A member's Access as loaded while the membership tables' watch was at
    `generation`; a caregiver's scope is that of the local day `day`."""

    access: Access
    generation: int
    day: date | None


KNOWN_LIMIT = 10_000  # (user, organization) pairs kept before the cache starts over


class AccessService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._store = vault.clinic
        # Every clinic request resolves its member: kept per (user, organization) while
        # no write to a membership table (vault.clinic.changes) can have superseded it,
        # so a revoked membership is refused on the next request after its commit.
        self._known: dict[tuple[str, str], _Known] = {}
        self._once = Once()  # concurrent misses of one member load it once

    def resolve(self, principal: Principal, organization_id: str, permission: str, *,
                request_id: str | None = None, context: str | None = None) -> Access:
        """`member(...)` then `check(...)`: the Access for `permission`, or refuse."""
        access = self.member(principal, organization_id, permission, request_id=request_id,
                             context=context)
        self.check(access)
        return access

    def member(self, principal: Principal, organization_id: str, permission: str, *,
               request_id: str | None = None, context: str | None = None) -> Access:
        """The principal's Access in `organization_id`, not yet checked for `permission`.

        `context` is the X-Organization-Context header: it may name only one of the
        user's own organizations (PermissionDenied otherwise)."""
        store = self._store
        if context and context != organization_id:
            with store.read() as conn:
                foreign = store.members.get(conn, organization_id=context,
                                            user_id=principal.user_id) is None
        else:
            foreign = False
        if foreign:
            with self._vault.write() as conn:
                store.security.add(conn, kind="organization_context_refused",
                                   organization_id=None, user_id=principal.user_id,
                                   details={"request_id": request_id})
            raise PermissionDenied("X-Organization-Context names an organization you "
                                   "are not a member of")
        key = (principal.user_id, organization_id)

        def lookup() -> tuple[bool, _Known | None]:
            known = self._known.get(key)
            return self._valid(known), known

        known = self._once.get(key, lookup, lambda: self._load(principal, organization_id))
        assert known is not None  # found valid, or just loaded
        return replace(known.access, permission=permission, request_id=request_id)

    def known(self, principal: Principal, organization_id: str, permission: str, *,
              request_id: str | None = None) -> Access | None:
        """`member(...)` when it needs no read: the Access already loaded and still valid,
        else None. The API resolves most requests this way on its event loop, sparing
        each one a hand-off to the thread pool and back."""
        known = self._known.get((principal.user_id, organization_id))
        if not self._valid(known):
            return None
        assert known is not None
        return replace(known.access, permission=permission, request_id=request_id)

    def _valid(self, known: _Known | None) -> bool:
        """Loaded since the membership tables last changed (and, for a caregiver, today)."""
        return known is not None and known.generation == self._store.changes.generation and (
            known.day is None or known.day == known.access.today())

    def _load(self, principal: Principal, organization_id: str) -> _Known:
        """The member's Access read from the tables (the watch noted before reading)."""
        store = self._store
        generation = store.changes.generation
        with store.read() as conn:
            org = store.organizations.get(conn, organization_id=organization_id)
            member = org and store.members.get(conn, organization_id=organization_id,
                                               user_id=principal.user_id)
            if not org or not member or member.get("is_active") is False:
                raise OrganizationNotFound(f"no organization {organization_id}")
            role = str(member["role"])
            staff = store.staff.by_user(conn, organization_id=organization_id,
                                        user_id=principal.user_id)
            extra = frozenset((staff or {}).get("permissions") or [])
            access = Access(user_id=principal.user_id, organization_id=organization_id,
                            role=role, permissions=granted(role, extra),
                            permission="", timezone=org["timezone"] or "UTC")
            access = self._scope(conn, access)
        known = _Known(access=access, generation=generation,
                       day=access.today() if role == "caregiver" else None)
        with self._once.lock:
            if len(self._known) >= KNOWN_LIMIT:
                self._known.clear()
            self._known[(principal.user_id, organization_id)] = known
        return known

    def check(self, access: Access) -> None:
        """Refuse (audited) when the access's role does not grant its permission."""
        if access.permission not in access.permissions:
            self.deny(access, f"your role ({access.role}) does not allow {access.permission}")

    def deny(self, access: Access, message: str, *, resource_type: str | None = None,
             resource_id: str | None = None) -> None:
        """Write the denial to the audit chain and the security events, then raise."""
        with self._vault.write() as conn:
            audit(conn, self._vault, access, "permission.denied", outcome="denied",
                  resource_type=resource_type, resource_id=resource_id,
                  details={"permission": access.permission})
            self._store.security.add(conn, kind="permission_denied", user_id=access.user_id,
                                     organization_id=access.organization_id,
                                     details={"permission": access.permission,
                                              "request_id": access.request_id})
        raise PermissionDenied(message, [{"field": "permission", "message": access.permission}])

    def require_patient(self, access: Access, patient_id: str, *, booking: bool = False) -> None:
        """Refuse (audited) a patient this access may not see (or book for)."""
        allowed = access.books_for(patient_id) if booking else access.sees_patient(patient_id)
        if not allowed:
            self.deny(access, "you have no authorization in force for this patient",
                      resource_type="patient", resource_id=patient_id)

    def _scope(self, conn: sa.Connection, access: Access) -> Access:
        store = self._store
        if access.role == "patient":
            own = store.patients.by_user(conn, organization_id=access.organization_id,
                                         user_id=access.user_id)
            ids = frozenset([own["id"]] if own else [])
            return replace(access, patient_ids=ids, booking_ids=ids)
        if access.role == "caregiver":
            rows = store.caregivers.active_for_user(
                conn, organization_id=access.organization_id, user_id=access.user_id,
                on=access.today())
            sees = frozenset(r["patient_id"] for r in rows
                             if (r["permissions"] or {}).get("canReceiveMedicalInfo"))
            books = frozenset(r["patient_id"] for r in rows
                              if (r["permissions"] or {}).get("canScheduleAppointments"))
            return replace(access, patient_ids=sees, booking_ids=books)
        return access
