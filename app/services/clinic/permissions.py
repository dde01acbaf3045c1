"""Roles and the permissions each grants: data, not code, so a test can walk it.

Every clinic route declares exactly one permission (see app/api/permits.py); a role
grants a set of them. A staff member may hold extra permissions of their own (the
document's `permissions` list on staff). `patient` and `caregiver` hold viewing and
booking permissions only over the patients they may see (see access.py).
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "manage_organization": "change the organization's settings",
    "view_organization": "see the organization, its stats, roles and departments",
    "manage_providers": "register and update providers",
    "view_providers": "see providers",
    "manage_staff": "register and update staff",
    "view_staff": "see staff",
    "manage_patients": "register and update patients, caregivers and their records",
    "view_patient_info": "see patients and their caregivers",
    "manage_appointments": "book, change and cancel appointments",
    "view_appointments": "see appointments and availability",
    "view_reports": "see analytics and reports",
    "generate_reports": "generate reports",
    "use_assistant": "talk to the scheduling assistant and the FAQ",
    "view_audit": "see the audit trail and security events",
}

_CLINICAL = {"view_organization", "view_providers", "view_staff", "view_patient_info",
             "view_appointments", "manage_appointments", "use_assistant"}
_PERSONAL = {"view_organization", "view_providers", "view_patient_info", "view_appointments",
             "manage_appointments", "use_assistant"}

ROLES: dict[str, frozenset[str]] = {
    "organization_owner": frozenset(PERMISSIONS),
    "admin": frozenset(PERMISSIONS),
    "practice_manager": frozenset(PERMISSIONS) - {"manage_organization"},
    "attending_physician": frozenset(_CLINICAL | {"manage_patients", "view_reports"}),
    "specialist": frozenset(_CLINICAL | {"view_reports"}),
    "registered_nurse": frozenset(_CLINICAL | {"manage_patients"}),
    "scheduler": frozenset(_CLINICAL - {"view_staff"}),
    "receptionist": frozenset(_CLINICAL | {"manage_patients"}),
    "patient": frozenset(_PERSONAL),
    "caregiver": frozenset(_PERSONAL),
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    "organization_owner": "Owns the organization (the vault's owner for clinics it created)",
    "admin": "Administers the organization",
    "practice_manager": "Runs the practice: people, schedules, reports, audit",
    "attending_physician": "Physician with patients of their own",
    "specialist": "Physician consulted for a specialty",
    "registered_nurse": "Nurse",
    "scheduler": "Books and changes appointments",
    "receptionist": "Front desk: registers patients and books appointments",
    "patient": "Sees their own record and appointments",
    "caregiver": "Acts for a patient within an active authorization",
}

PROVIDER_ROLES = ("attending_physician", "specialist", "registered_nurse")
STAFF_ROLES = ("practice_manager", "scheduler", "receptionist", "admin")
# Roles that see only some patients: their own record, or those they care for.
PERSONAL_ROLES = ("patient", "caregiver")


def granted(role: str | None, extra: frozenset[str] = frozenset()) -> frozenset[str]:
    """What `role` (plus a staff member's own `extra`) may do; unknown roles nothing."""
    return ROLES.get(role or "", frozenset()) | (extra & frozenset(PERMISSIONS))
