"""What the clinic services return: frozen, typed, and the API's response schemas too
(app/api/schemas/clinic.py wraps them in the document's envelope)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.services.clinic.models import Result


class Pagination(Result):
    page: int
    limit: int
    total: int
    pages: int

    @classmethod
    def of(cls, *, page: int, limit: int, total: int) -> Pagination:
        return cls(page=page, limit=limit, total=total, pages=(total + limit - 1) // limit)


class Credentials(Result):
    """A temporary password is shown once; the user must change it at first login."""

    temporary_password: str | None
    must_change_password: bool


class OrganizationSummary(Result):
    id: str
    name: str
    slug: str
    type: str | None
    onboarding_status: str
    created_at: datetime


class AdminCredentials(Result):
    id: str
    email: str
    temporary_password: str | None


class OrganizationCreated(Result):
    organization: OrganizationSummary
    admin_user: AdminCredentials | None


class Organization(Result):
    id: str
    name: str
    slug: str
    type: str | None
    size: str | None
    address: dict[str, Any] | None
    contact_info: dict[str, Any] | None
    business_hours: dict[str, Any]
    timezone: str
    onboarding_status: str
    subscription_tier: str | None
    is_active: bool
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None


class OrganizationStats(Result):
    total_users: int
    total_providers: int
    total_patients: int
    total_staff: int
    appointments_this_month: int
    appointments_last_month: int
    appointment_completion_rate: float
    average_booking_time: float | None  # days from booking to visit, this month
    subscription_status: str
    last_activity: datetime | None


class Role(Result):
    name: str
    description: str
    permissions: list[str]


class Roles(Result):
    roles: list[Role]


class Department(Result):
    name: str
    providers: int
    staff: int


class Departments(Result):
    departments: list[Department]


class Person(Result):
    """What every person of an organization (provider, staff member, patient) has."""

    id: str
    organization_id: str
    user_id: str | None  # their login, if they have one
    email: str | None
    name: str


class UserRef(Result):
    id: str
    email: str
    name: str | None
    user_type: str


class OrganizationUser(Result):
    id: str
    primary_role: str
    department: str | None = None
    license_number: str | None = None
    specialties: list[str] | None = None
    is_active: bool
    registration_date: datetime | None = None


class PatientRef(Result):
    id: str
    email: str | None
    name: str
    medical_record_number: str
    date_of_birth: date | None
    user_type: str = "patient"


class Patient(Person):
    medical_record_number: str
    date_of_birth: date | None
    gender: str | None
    phone: str | None
    address: dict[str, Any] | None
    emergency_contact: dict[str, Any] | None
    insurance_info: dict[str, Any] | None
    medical_history: dict[str, Any] | None
    preferences: dict[str, Any] | None
    user_type: str = "patient"
    is_active: bool
    registration_date: datetime
    updated_at: datetime | None


class PatientRegistered(Result):
    patient: PatientRef
    organization_user: OrganizationUser
    credentials: Credentials | None


class PatientPage(Result):
    patients: list[Patient]
    pagination: Pagination


class Caregiver(Result):
    id: str
    patient_id: str
    user_id: str | None
    caregiver_email: str | None
    caregiver_name: str
    relationship_type: str | None
    authorization_level: str | None
    can_schedule_appointments: bool
    can_receive_medical_info: bool
    can_make_medical_decisions: bool
    can_access_portal: bool
    authorized_by: str | None
    authorization_document: str | None
    effective_date: date | None
    expiration_date: date | None
    is_active: bool  # the authorization is in force today (in the clinic's time zone)
    created_at: datetime


class CaregiverAdded(Result):
    caregiver: Caregiver
    credentials: Credentials | None


class Caregivers(Result):
    caregivers: list[Caregiver]


class Staff(Person):
    role: str | None
    department: str | None
    employment_type: str | None
    phone: str | None
    permissions: list[str]
    work_schedule: dict[str, Any]
    is_active: bool
    created_at: datetime
    updated_at: datetime | None


class StaffRegistered(Result):
    user: UserRef
    organization_user: OrganizationUser
    staff: Staff
    credentials: Credentials


class StaffPage(Result):
    staff: list[Staff]
    pagination: Pagination


class AuditEvent(Result):
    id: str
    timestamp: datetime
    user_id: str | None
    organization_id: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: str | None
    request_id: str | None
    details: dict[str, Any]


class AuditPage(Result):
    events: list[AuditEvent]
    pagination: Pagination


class SecurityEvent(Result):
    id: str
    type: str
    timestamp: datetime
    user_id: str | None
    details: dict[str, Any]


class SecurityPage(Result):
    events: list[SecurityEvent]
    pagination: Pagination


class PasswordChanged(Result):
    user_id: str
    must_change_password: bool


class SignedOut(Result):
    user_id: str
    signed_out_at: datetime
