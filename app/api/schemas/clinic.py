"""The clinic API's bodies and answers: the services' own typed inputs and frozen
results (app/services/clinic/inputs.py, results.py), camelCase on the wire, here in
the document's envelope."""

from __future__ import annotations

from app.api.schemas.common import ClinicEnvelope
from app.services.clinic import provider_results as pr
from app.services.clinic import results as r
from app.services.clinic.inputs import (
    BulkProviders,
    CaregiverCreate,
    OrganizationCreate,
    PasswordChange,
    PatientCreate,
    PatientUpdate,
    ProviderCreate,
    ProviderUpdate,
    StaffCreate,
    StaffUpdate,
)
from app.services.clinic.settings import SettingsUpdate

OrganizationCreatedOut = ClinicEnvelope[r.OrganizationCreated]
OrganizationOut = ClinicEnvelope[r.Organization]
StatsOut = ClinicEnvelope[r.OrganizationStats]
RolesOut = ClinicEnvelope[r.Roles]
DepartmentsOut = ClinicEnvelope[r.Departments]
ProviderRegisteredOut = ClinicEnvelope[pr.ProviderRegistered]
ProviderOut = ClinicEnvelope[pr.Provider]
ProviderPageOut = ClinicEnvelope[pr.ProviderPage]
BulkOut = ClinicEnvelope[pr.BulkResult]
PatientRegisteredOut = ClinicEnvelope[r.PatientRegistered]
PatientOut = ClinicEnvelope[r.Patient]
PatientPageOut = ClinicEnvelope[r.PatientPage]
CaregiverAddedOut = ClinicEnvelope[r.CaregiverAdded]
CaregiversOut = ClinicEnvelope[r.Caregivers]
StaffRegisteredOut = ClinicEnvelope[r.StaffRegistered]
StaffOut = ClinicEnvelope[r.Staff]
StaffPageOut = ClinicEnvelope[r.StaffPage]
AuditPageOut = ClinicEnvelope[r.AuditPage]
SecurityPageOut = ClinicEnvelope[r.SecurityPage]
PasswordChangedOut = ClinicEnvelope[r.PasswordChanged]
SignedOutOut = ClinicEnvelope[r.SignedOut]

__all__ = [
    "BulkProviders", "CaregiverCreate", "OrganizationCreate", "PasswordChange",
    "PatientCreate", "PatientUpdate", "ProviderCreate", "ProviderUpdate", "SettingsUpdate",
    "StaffCreate", "StaffUpdate",
]
