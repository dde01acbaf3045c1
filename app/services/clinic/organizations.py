"""Organizations: creation by the platform admin, details, stats, settings, roles and
departments. Stats are counted from the store, never invented."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa

from app.services.clinic import hours as wall
from app.services.clinic.access import Access, audit
from app.services.clinic.credentials import NewLogin
from app.services.clinic.errors import OrganizationNotFound
from app.services.clinic.inputs import OrganizationCreate
from app.services.clinic.permissions import ROLE_DESCRIPTIONS, ROLES
from app.services.clinic.results import (
    AdminCredentials,
    Department,
    Departments,
    Organization,
    OrganizationCreated,
    OrganizationStats,
    OrganizationSummary,
    Role,
    Roles,
)
from app.services.clinic.settings import SettingsUpdate
from app.services.errors import Conflict, PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from app.services.auth import AuthService, Principal
    from storage.vault import Vault


def check_timezone(name: str, field: str = "timezone") -> str:
    if name not in available_timezones():
        raise ValidationFailed(f"{name!r} is not an IANA time zone",
                               [{"field": field, "message": "not an IANA time zone name"}])
    return name


def default_prefix(slug: str) -> str:
    """The initials of the slug's words: general-hospital gives GH."""
    return "".join(part[0] for part in slug.split("-") if part).upper()[:8] or "MRN"


def _hours(model: Any) -> dict[str, Any]:
    given = model.model_dump(exclude_none=True)
    return {**{day: {"closed": True} for day in wall.WEEKDAYS}, **given}


class OrganizationService:
    def __init__(self, vault: Vault, auth: AuthService) -> None:
        self._vault = vault
        self._auth = auth
        self._store = vault.clinic

    # --- creating -------------------------------------------------------

    def create(self, principal: Principal, body: OrganizationCreate, *,
               request_id: str | None = None) -> OrganizationCreated:
        """A new organization; the vault owner (the platform admin) becomes its owner."""
        if not principal.is_owner:
            raise PermissionDenied("only the vault's owner (the platform admin) creates "
                                   "organizations")
        check_timezone(body.timezone)
        business = (_hours(body.business_hours) if body.business_hours is not None
                    else dict(wall.DEFAULT_HOURS))
        errors = wall.check_business_hours(business)
        if errors:
            raise ValidationFailed("invalid business hours", errors)
        login = NewLogin(self._auth) if body.admin_user else None
        details = {"size": body.size, "subscriptionTier": body.subscription_tier,
                   "address": body.address.model_dump(by_alias=True, exclude_none=True)
                   if body.address else None,
                   "contactInfo": body.contact_info.model_dump(by_alias=True, exclude_none=True)
                   if body.contact_info else None}
        store = self._store
        with store.write() as conn:
            if store.organizations.slug_taken(conn, slug=body.slug):
                raise Conflict(f"an organization with slug {body.slug} already exists",
                               [{"field": "slug", "message": "already taken"}])
            org = store.organizations.add(
                conn, name=body.name, slug=body.slug, type=body.type, timezone=body.timezone,
                business_hours=business, details=details,
                settings={"mrnPrefix": default_prefix(body.slug)})
            store.members.add(conn, organization_id=org["id"], user_id=principal.user_id,
                              role="organization_owner")
            admin = None
            if login is not None and body.admin_user is not None:
                user = login.create(conn, store, organization_id=org["id"],
                                    email=body.admin_user.email, name=body.admin_user.name,
                                    role="admin", field="adminUser.email")
                admin = AdminCredentials(id=user["id"], email=user["email"],
                                         temporary_password=login.password)
            self._vault.audit.append(conn, action="organization.create",
                                     user_id=principal.user_id, organization_id=org["id"],
                                     resource_type="organization", resource_id=org["id"],
                                     request_id=request_id)
        summary = OrganizationSummary(id=org["id"], name=org["name"], slug=org["slug"],
                                      type=org["type"], onboarding_status="pending",
                                      created_at=org["created_at"])
        return OrganizationCreated(organization=summary, admin_user=admin)

    def list_all(self) -> list[Organization]:
        """Every organization (the vault owner's view, for `healthinsight org list`)."""
        with self._store.read() as conn:
            return [self._public(conn, row) for row in self._store.organizations.all(conn)]

    def by_slug(self, slug: str) -> Organization:
        with self._store.read() as conn:
            row = self._store.organizations.by_slug(conn, slug=slug)
            if row is None:
                raise OrganizationNotFound(f"no organization with slug {slug}")
            return self._public(conn, row)

    # --- reading --------------------------------------------------------

    def get(self, access: Access) -> Organization:
        with self._store.read() as conn:
            row = self._store.organizations.get(conn, organization_id=access.organization_id)
            assert row is not None  # resolved by AccessService a moment ago
            return self._public(conn, row)

    def stats(self, access: Access) -> OrganizationStats:
        store, org_id = self._store, access.organization_id
        zone = ZoneInfo(access.timezone)
        local = datetime.now(zone)
        this_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        last_month = (this_month.replace(year=this_month.year - 1, month=12)
                      if this_month.month == 1 else this_month.replace(month=this_month.month - 1))
        next_month = (this_month.replace(year=this_month.year + 1, month=1)
                      if this_month.month == 12 else this_month.replace(month=this_month.month + 1))
        with store.read() as conn:
            org = store.organizations
            now_figures = org.appointment_figures(conn, organization_id=org_id,
                                                  start=this_month.astimezone(UTC),
                                                  end=next_month.astimezone(UTC))
            before = org.appointment_figures(conn, organization_id=org_id,
                                             start=last_month.astimezone(UTC),
                                             end=this_month.astimezone(UTC))
            rate = (100.0 * now_figures["completed"] / now_figures["total"]
                    if now_figures["total"] else 0.0)
            row = org.get(conn, organization_id=org_id)
            return OrganizationStats(
                total_users=store.members.count(conn, organization_id=org_id),
                total_providers=store.providers.count(conn, organization_id=org_id),
                total_patients=store.patients.count(conn, organization_id=org_id),
                total_staff=store.staff.count(conn, organization_id=org_id),
                appointments_this_month=now_figures["total"],
                appointments_last_month=before["total"],
                appointment_completion_rate=round(rate, 1),
                average_booking_time=(None if now_figures["lead_days"] is None
                                      else round(now_figures["lead_days"], 1)),
                subscription_status="active" if row and row["is_active"] else "inactive",
                last_activity=org.last_activity(conn, organization_id=org_id))

    def roles(self, access: Access) -> Roles:  # noqa: ARG002 - the same for every org
        return Roles(roles=[Role(name=name, description=ROLE_DESCRIPTIONS[name],
                                 permissions=sorted(perms)) for name, perms in ROLES.items()])

    def departments(self, access: Access) -> Departments:
        """Departments named by providers, staff, and the settings' `departments` list."""
        store, org_id = self._store, access.organization_id
        with store.read() as conn:
            providers = store.providers.department_counts(conn, organization_id=org_id)
            staff = store.staff.department_counts(conn, organization_id=org_id)
            row = store.organizations.get(conn, organization_id=org_id)
        named = set((row or {}).get("settings", {}).get("departments") or [])
        return Departments(departments=[
            Department(name=name, providers=providers.get(name, 0), staff=staff.get(name, 0))
            for name in sorted(named | set(providers) | set(staff))])

    # --- settings -------------------------------------------------------

    def update_settings(self, access: Access, body: SettingsUpdate) -> Organization:
        """Store the keys sent (validated); the rest stay as they were."""
        store, org_id = self._store, access.organization_id
        changes: dict[str, Any] = {}
        if body.timezone is not None:
            changes["timezone"] = check_timezone(body.timezone)
        if body.business_hours is not None:
            business = _hours(body.business_hours)
            errors = wall.check_business_hours(business)
            if errors:
                raise ValidationFailed("invalid business hours", errors)
            changes["business_hours"] = business
        keys = body.model_fields_set - {"business_hours", "timezone"}
        sent = body.model_dump(by_alias=True, mode="json", include=keys)
        with store.write() as conn:
            row = store.organizations.get(conn, organization_id=org_id)
            assert row is not None
            if sent:
                changes["settings"] = {**(row["settings"] or {}), **sent}
            if changes:
                store.organizations.update(conn, organization_id=org_id, **changes)
            audit(conn, self._vault, access, "organization.settings.update",
                  resource_type="organization", resource_id=org_id,
                  details={"keys": sorted(set(sent) | set(changes) - {"settings"})})
            return self._public(conn, store.organizations.get(conn, organization_id=org_id)
                                or row)

    # --- internals ------------------------------------------------------

    def onboarding(self, conn: sa.Connection, row: dict[str, Any]) -> str:
        """completed once business hours, a provider and a first patient exist."""
        business = row["business_hours"] or {}
        has_hours = any(wall.opening(business, day) for day in wall.WEEKDAYS)
        store = self._store
        done = (has_hours and store.providers.count(conn, organization_id=row["id"]) > 0
                and store.patients.count(conn, organization_id=row["id"]) > 0)
        return "completed" if done else "pending"

    def _public(self, conn: sa.Connection, row: dict[str, Any]) -> Organization:
        details = row["details"] or {}
        return Organization(
            id=row["id"], name=row["name"], slug=row["slug"], type=row["type"],
            size=details.get("size"), address=details.get("address"),
            contact_info=details.get("contactInfo"),
            business_hours=row["business_hours"] or {}, timezone=row["timezone"] or "UTC",
            onboarding_status=self.onboarding(conn, row),
            subscription_tier=details.get("subscriptionTier"), is_active=bool(row["is_active"]),
            settings=row["settings"] or {}, created_at=row["created_at"],
            updated_at=row["updated_at"])
