"""What the clinic services accept (the API's request bodies; the desktop builds the same).

Field names are the document's camelCase on the wire (aliases) and snake_case here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from app.services.clinic.models import Email, Id, Input, Text, Time
from app.services.clinic.permissions import PERMISSIONS, PROVIDER_ROLES, STAFF_ROLES
from app.services.clinic.settings import BusinessHours

Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(min_length=1, max_length=100)]
Phone = Annotated[str, Field(min_length=3, max_length=40)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
EmploymentType = Literal["full_time", "part_time", "contract", "per_diem"]
Permission = Literal[tuple(PERMISSIONS)]  # type: ignore[valid-type]
ProviderRole = Literal[PROVIDER_ROLES]  # type: ignore[valid-type]
StaffRole = Literal[STAFF_ROLES]  # type: ignore[valid-type]


class Address(Input):
    street: Text | None = None
    city: Short | None = None
    state: Short | None = None
    zip: Annotated[str, Field(max_length=20)] | None = None
    country: Short | None = None


class ContactInfo(Input):
    phone: Phone | None = None
    email: Email | None = None
    website: Annotated[str, Field(max_length=300)] | None = None


class AdminUser(Input):
    email: Email
    name: Name | None = None
    phone: Phone | None = None


class OrganizationCreate(Input):
    name: Name
    slug: Slug
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    type: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    size: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    address: Address | None = None
    contact_info: ContactInfo | None = None
    business_hours: BusinessHours | None = None
    subscription_tier: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    admin_user: AdminUser | None = None


class Interval(Input):
    start: Time
    end: Time


class WeeklyIntervals(Input):
    monday: Annotated[list[Interval], Field(max_length=24)] = []
    tuesday: Annotated[list[Interval], Field(max_length=24)] = []
    wednesday: Annotated[list[Interval], Field(max_length=24)] = []
    thursday: Annotated[list[Interval], Field(max_length=24)] = []
    friday: Annotated[list[Interval], Field(max_length=24)] = []
    saturday: Annotated[list[Interval], Field(max_length=24)] = []
    sunday: Annotated[list[Interval], Field(max_length=24)] = []


class Education(Input):
    degree: Short
    institution: Text
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None


class Certification(Input):
    name: Text
    issuing_body: Text | None = None
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None


class MemberFields(Input):
    """What providers and staff both have. name, role and isActive may be left out of
    an update but never set to null."""

    name: Name = None  # type: ignore[assignment]
    department: Short | None = None
    employment_type: EmploymentType | None = None
    phone: Phone | None = None
    is_active: bool = None  # type: ignore[assignment]


class ProviderFields(MemberFields):
    role: ProviderRole = None  # type: ignore[assignment]
    specialties: Annotated[list[Short], Field(max_length=20)] | None = None
    license_number: Short | None = None
    license_state: Short | None = None
    license_expiry: date | None = None
    education: Annotated[list[Education], Field(max_length=20)] | None = None
    certifications: Annotated[list[Certification], Field(max_length=50)] | None = None
    availability: WeeklyIntervals | None = None


class ProviderCreate(ProviderFields):
    email: Email
    name: Name
    role: ProviderRole = "attending_physician"


class ProviderUpdate(ProviderFields):
    """Only the fields sent change."""


class BulkProviders(Input):
    # Rows are validated one by one by the service, so one bad row fails alone.
    providers: Annotated[list[dict[str, object]], Field(min_length=1, max_length=500)]


class EmergencyContact(Input):
    name: Name
    relationship: Short | None = None
    phone: Phone | None = None
    email: Email | None = None


class InsuranceInfo(Input):
    provider: Text
    policy_number: Short | None = None
    group_number: Short | None = None
    subscriber_name: Name | None = None
    effective_date: date | None = None
    expiration_date: date | None = None


class MedicalHistory(Input):
    allergies: Annotated[list[Text], Field(max_length=100)] = []
    medications: Annotated[list[Text], Field(max_length=100)] = []
    conditions: Annotated[list[Text], Field(max_length=100)] = []
    surgeries: Annotated[list[Text], Field(max_length=100)] = []


class Preferences(Input):
    preferred_language: Annotated[str, Field(min_length=2, max_length=20)] | None = None
    communication_method: Literal["email", "sms", "phone", "mail"] | None = None
    appointment_reminders: bool | None = None


Gender = Literal["male", "female", "other", "unknown"]


class PatientFields(Input):
    email: Email | None = None
    name: Name = None  # type: ignore[assignment]  # never null
    date_of_birth: date | None = None
    gender: Gender | None = None
    phone: Phone | None = None
    address: Address | None = None
    emergency_contact: EmergencyContact | None = None
    insurance_info: InsuranceInfo | None = None
    medical_history: MedicalHistory | None = None
    preferences: Preferences | None = None


class PatientCreate(PatientFields):
    name: Name
    date_of_birth: date
    portal_access: bool = False  # create a login for the patient (needs an email)

    @model_validator(mode="after")
    def _portal_needs_email(self) -> PatientCreate:
        if self.portal_access and not self.email:
            raise ValueError("portalAccess needs an email")
        return self


class PatientUpdate(PatientFields):
    """Only the fields sent change."""


class CaregiverCreate(Input):
    caregiver_email: Email
    caregiver_name: Name
    relationship_type: Short
    authorization_level: Literal["full", "limited", "emergency_only"] = "limited"
    can_schedule_appointments: bool = False
    can_receive_medical_info: bool = False
    can_make_medical_decisions: bool = False
    can_access_portal: bool = False
    authorized_by: Id | None = None
    authorization_document: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    effective_date: date
    expiration_date: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> CaregiverCreate:
        if self.expiration_date is not None and self.expiration_date < self.effective_date:
            raise ValueError("expirationDate is before effectiveDate")
        return self


class WorkDay(Input):
    start: Time
    end: Time


class WorkSchedule(Input):
    monday: WorkDay | None = None
    tuesday: WorkDay | None = None
    wednesday: WorkDay | None = None
    thursday: WorkDay | None = None
    friday: WorkDay | None = None
    saturday: WorkDay | None = None
    sunday: WorkDay | None = None


class StaffFields(MemberFields):
    role: StaffRole = None  # type: ignore[assignment]
    permissions: Annotated[list[Permission], Field(max_length=len(PERMISSIONS))] | None = None
    work_schedule: WorkSchedule | None = None


class StaffCreate(StaffFields):
    email: Email
    name: Name
    role: StaffRole = "receptionist"


class StaffUpdate(StaffFields):
    """Only the fields sent change."""


class PasswordChange(Input):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=8, max_length=1024)]
