"""Helpers of the clinic API tests: an organization with its admin signed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.conftest import Api

NEW_PASSWORD = "a brand new password"


@dataclass
class Org:
    id: str
    slug: str
    base: str
    token: str  # the admin's, password already changed
    admin_email: str

    @property
    def admin(self) -> httpx.Client:
        """A new client signed in as the admin."""
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.token}"},
                            timeout=60)

    def url(self, tail: str = "") -> str:
        return f"/api/v1/organizations/{self.id}{tail}"


def first_login(api: Api, email: str, temporary: str, slug: str) -> httpx.Client:
    """Log in with a temporary password, change it, and return a client on a new token."""
    with api.client() as anon:
        token = anon.post("/api/v1/auth/login", json={
            "email": email, "password": temporary, "organizationSlug": slug}
        ).json()["data"]["token"]
        changed = anon.post("/api/v1/auth/change-password",
                            json={"currentPassword": temporary, "newPassword": NEW_PASSWORD},
                            headers={"Authorization": f"Bearer {token}"})
        assert changed.status_code == 200, changed.text
        token = anon.post("/api/v1/auth/login", json={
            "email": email, "password": NEW_PASSWORD, "organizationSlug": slug}
        ).json()["data"]["token"]
    return httpx.Client(base_url=api.base, headers={"Authorization": f"Bearer {token}"},
                        timeout=60)


def make_org(api: Api, *, slug: str | None = None, timezone: str = "America/Los_Angeles",
             **extra: Any) -> Org:
    slug = slug or f"clinic-{uuid.uuid4().hex[:8]}"
    email = f"admin@{slug}.example"
    with api.client("owner") as owner:
        reply = owner.post("/api/v1/organizations", json={
            "name": slug.title(), "slug": slug, "timezone": timezone,
            "adminUser": {"email": email, "name": "Ada Admin"}, **extra})
    assert reply.status_code == 201, reply.text
    data = reply.json()["data"]
    with first_login(api, email, data["adminUser"]["temporaryPassword"], slug) as admin:
        token = admin.headers["Authorization"].removeprefix("Bearer ")
    return Org(id=data["organization"]["id"], slug=slug, base=api.base, token=token,
               admin_email=email)


def provider_body(n: int = 0, **extra: Any) -> dict[str, Any]:
    return {"email": f"dr{n}.{uuid.uuid4().hex[:6]}@clinic.example", "name": f"Dr. Number {n}",
            "role": "attending_physician", "department": "Cardiology",
            "specialties": ["Cardiology"], "licenseNumber": f"CA-MD-{n:05d}",
            "licenseState": "CA", "licenseExpiry": "2030-12-31", **extra}


def patient_body(n: int = 0, **extra: Any) -> dict[str, Any]:
    return {"name": f"Pat Number {n}", "dateOfBirth": "1985-06-15", "gender": "female",
            "email": f"pat{n}.{uuid.uuid4().hex[:6]}@mail.example", **extra}


def say(org: Org, message: str, conversation: str | None = None,
        **context: Any) -> dict[str, Any]:
    """One turn with the organization's assistant as its admin; the reply's data."""
    body: dict[str, Any] = {"message": message, "context": context}
    if conversation:
        body["conversationId"] = conversation
    with org.admin as admin:
        reply = admin.post(org.url("/chat"), json=body)
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["data"])
