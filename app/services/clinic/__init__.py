"""The clinic front desk's services, shared by the API (/api/v1) and the desktop.

`ctx.clinic` is a `ClinicServices`:

- `access`         AccessService: membership, role and permission for one request
                   (`resolve(principal, organization_id, permission)` -> `Access`);
                   `deny(...)` and `require_patient(...)` refuse, audited.
- `organizations`  create (platform admin), get, stats, update_settings, roles,
                   departments, list_all.
- `providers`      register, register_bulk, get, update, list (+ weekly availability).
- `patients`       register (MRN), get, update, list, by_mrn, import_records.
- `caregivers`     add, list.
- `staff`          register, get, update, list.
- `audit`          trail, security_events, verify.

Rules every service keeps, and how issue 14 (`sched`) and 15 (`assist`) add theirs:

- A route declares one permission: `access: Annotated[Access, permit("manage_appointments")]`
  (app/api/permits.py); the route table is then listed by tests. Permissions and the
  roles granting them are data in `permissions.py` (PERMISSIONS, ROLES): scheduling
  uses `view_appointments` / `manage_appointments`, the assistant and FAQ
  `use_assistant`, analytics and reports `view_reports` / `generate_reports`. Add a
  new permission there (with the roles that get it); the RBAC test picks it up.
- Patient-scoped work checks `access.sees_patient(id)` / `access.books_for(id)` through
  `ctx.clinic.access.require_patient(access, id, booking=True)`: a patient acts for
  themself only, a caregiver only within an authorization in force today.
- Writes go through `vault.write()` (the one writer; a SQLAlchemy transaction; never
  nested), and the audit row is written on the same connection with
  `app.services.clinic.access.audit(conn, vault, access, "appointment.create",
  resource_type="appointment", resource_id=...)`; reads of patient data are audited
  the same way (so they run in `vault.write()` too).
- Per-organization numbers (`CONF-<YEAR>-<n>`) come from
  `vault.clinic.organizations.next_number(conn, organization_id=..., name="confirmation")`
  inside that transaction.
- Organization settings keys (stored by `PUT /organizations/{id}/settings`, validated
  by the sub-models in `settings.py`): `scheduling` (slotIntervalMinutes, buffers,
  holdMinutes, lateCancelHours, appointmentTypes), `faq` (entries {id, question,
  answer, category}), `fees`, `reminders`, `mrnPrefix`; read them with
  `scheduling_of(org.settings)`, `faq_of`, `fees_of`, `reminders_of`. Time zone and
  business hours are columns: `Organization.timezone`, `.business_hours`
  ({monday: {open, close} | {closed: true}}; `hours.opening(hours, "monday")`).
- Provider availability: `vault.clinic.providers.availability(conn, organization_id=,
  provider_id=)` gives `(weekday 0=Monday, "HH:MM", "HH:MM")` rows in local time.
- Errors: raise `OrganizationNotFound` / `UserNotFound` (404 with the document's
  codes), `NotFound` (404 NOT_FOUND), `ValidationFailed` (400 with details
  [{field, message}]), `Conflict` (409 DUPLICATE_ENTRY), `PermissionDenied` (403).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.events import EventBus
    from app.services.auth import AuthService
    from app.services.clinic.access import AccessService
    from app.services.clinic.audit import AuditService
    from app.services.clinic.organizations import OrganizationService
    from app.services.clinic.patients import PatientService
    from app.services.clinic.people import CaregiverService, StaffService
    from app.services.clinic.providers import ProviderService
    from app.services.clinic.scheduling.closures import ClosureService
    from app.services.clinic.scheduling.reminders import ReminderService
    from app.services.clinic.scheduling.service import SchedulingService
    from app.services.clinic.scheduling.waitlist import WaitlistService
    from app.services.imports import ImportService
    from storage.repos.scheduling.group import GroupWriter
    from storage.vault import Vault


class ClinicServices:
    def __init__(self, vault: Vault, auth: AuthService, imports: ImportService,
                 bus: EventBus | None = None) -> None:
        self._vault = vault
        self._bus = bus
        self._auth = auth
        self._imports = imports

    @cached_property
    def access(self) -> AccessService:
        from app.services.clinic.access import AccessService

        return AccessService(self._vault)

    @cached_property
    def organizations(self) -> OrganizationService:
        from app.services.clinic.organizations import OrganizationService

        return OrganizationService(self._vault, self._auth)

    @cached_property
    def audit(self) -> AuditService:
        from app.services.clinic.audit import AuditService

        return AuditService(self._vault)

    @cached_property
    def providers(self) -> ProviderService:
        from app.services.clinic.providers import ProviderService

        return ProviderService(self._vault, self._auth)

    @cached_property
    def patients(self) -> PatientService:
        from app.services.clinic.patients import PatientService

        return PatientService(self._vault, self._auth, self.access, self._imports)

    @cached_property
    def caregivers(self) -> CaregiverService:
        from app.services.clinic.people import CaregiverService

        return CaregiverService(self._vault, self._auth, self.access)

    @cached_property
    def staff(self) -> StaffService:
        from app.services.clinic.people import StaffService

        return StaffService(self._vault, self._auth)

    @cached_property
    def writes(self) -> GroupWriter:
        """The group commit that scheduling's writes and audited reads share."""
        from storage.repos.scheduling.group import GroupWriter

        return GroupWriter(self._vault)

    @cached_property
    def scheduling(self) -> SchedulingService:
        from app.services.clinic.scheduling.service import SchedulingService

        return SchedulingService(self._vault, self.access, self.writes, bus=self._bus)

    @cached_property
    def closures(self) -> ClosureService:
        from app.services.clinic.scheduling.closures import ClosureService

        return ClosureService(self._vault)

    @cached_property
    def waitlist(self) -> WaitlistService:
        from app.services.clinic.scheduling.waitlist import WaitlistService

        return WaitlistService(self._vault, self.access, self.writes)

    @cached_property
    def reminders(self) -> ReminderService:
        from app.services.clinic.scheduling.reminders import ReminderService

        return ReminderService(self._vault, lambda: self.scheduling.clock)
