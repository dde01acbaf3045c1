"""The SDK's clinic half against a real loopback server: an organization created by the
vault owner, its admin's first login and password change, patients, providers,
settings and the FAQ, with typed snake_case models read from camelCase answers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest

from app.client import AsyncHealthInsightClient, ClientError, HealthInsightClient
from app.services.clinic.provider_results import ProviderRegistered
from app.services.clinic.results import Patient, PatientRegistered
from tests.api.conftest import PASSWORD, USERS, Api

NEW = "the admin's own password"


def test_organization_people_settings_and_faq(own_api: Callable[..., Api]) -> None:
    api = own_api()  # its patients would join the shared vault's people
    slug = f"sdk-{uuid.uuid4().hex[:8]}"
    with HealthInsightClient(api.base, email=USERS["owner"][0], password=PASSWORD) as owner:
        created = owner.organizations.create(
            name="SDK Clinic", slug=slug, timezone="Europe/Berlin",
            contact_info={"phone": "+49-30-1234"},
            admin_user={"email": f"admin@{slug}.example", "name": "Ada Admin"})
    assert created.organization.slug == slug
    assert created.organization.onboarding_status == "pending"
    temporary = created.admin_user.temporary_password
    org_id = created.organization.id

    with HealthInsightClient(api.base, email=f"admin@{slug}.example",
                             password=temporary) as admin:
        with pytest.raises(ClientError) as first:
            admin.clinic(org_id).get()
        assert first.value.status == 403 and first.value.code == "PASSWORD_CHANGE_REQUIRED"
        admin.change_password(temporary, NEW)
        clinic = admin.clinic(org_id)
        assert clinic.get().timezone == "Europe/Berlin"

        patient = clinic.patients.create(name="Pat Doe", date_of_birth="1985-06-15",
                                         gender="female", email=f"pat@{slug}.example")
        assert isinstance(patient, PatientRegistered)
        mrn = patient.patient.medical_record_number
        assert re.fullmatch(r"[A-Z0-9]+-\d{4}-\d{6}", mrn), mrn
        again = clinic.patients.get(patient.patient.id)
        assert isinstance(again, Patient) and again.name == "Pat Doe"
        assert [p.id for p in clinic.patients.list(search="Pat").patients] == [again.id]

        provider = clinic.providers.create(
            email=f"dr.smith@{slug}.example", name="Dr. John Smith",
            role="attending_physician", department="Cardiology",
            availability={"monday": [{"start": "09:00", "end": "12:00"}]})
        assert isinstance(provider, ProviderRegistered)
        assert provider.credentials.must_change_password is True
        listed = clinic.providers.list()
        assert [p.name for p in listed.providers] == ["Dr. John Smith"]

        clinic.update_settings(faq=[{"question": "What are your visiting hours?",
                                     "answer": "10:00 to 20:00.", "category": "general_info"}])
        hit = clinic.faq("when can my family visit?")
        assert hit.answered and hit.source is not None
        assert hit.source.question == "What are your visiting hours?"
        miss = clinic.faq("do you repair bicycles?")
        assert not miss.answered and "+49-30-1234" in miss.answer
        with pytest.raises(ClientError) as bad:
            clinic.patients.get("pat_missing")
        assert bad.value.status == 404


@pytest.mark.asyncio
async def test_async_clinic(api: Api) -> None:
    slug = f"sdk-{uuid.uuid4().hex[:8]}"
    async with AsyncHealthInsightClient(api.base, email=USERS["owner"][0],
                                        password=PASSWORD) as owner:
        created = await owner.organizations.create(name="Async Clinic", slug=slug,
                                                   timezone="UTC")
        got = await owner.clinic(created.organization.id).get()
    assert got.slug == slug and got.timezone == "UTC"
