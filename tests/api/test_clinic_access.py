"""Tenant isolation and RBAC, generated from the route table and the role table: every
route that declares a permission is tried by organization B's admin against organization
A's resources (404), and by a member of every role (403 exactly when the role lacks the
route's permission)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.api.permits import declared
from app.services.clinic.permissions import PERSONAL_ROLES, ROLES
from storage.schema import memberships
from tests.api.clinic import Org, make_org, patient_body, provider_body
from tests.api.conftest import PASSWORD, Api


def _routes(api: Api) -> dict[tuple[str, str], str]:
    routes = declared(api.server.app)
    assert len(routes) >= 18  # the table really was read
    return routes


def _seed(org: Org) -> dict[str, str]:
    """One resource of every kind in `org`: the ids to put in paths."""
    with org.admin as admin:
        provider = admin.post(org.url("/providers"), json=provider_body()).json()["data"]
        patient = admin.post(org.url("/patients"), json=patient_body()).json()["data"]
        staff = admin.post(org.url("/staff"), json={
            "email": f"staff@{org.slug}.example", "name": "Stan Staff"}).json()["data"]
    return {"organizationId": org.id, "providerId": provider["provider"]["id"],
            "patientId": patient["patient"]["id"], "staffId": staff["staff"]["id"]}


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "unknown_id"), path)


def _call(client: httpx.Client, method: str, url: str) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
    return client.request(method, url, json=body)


@pytest.fixture(scope="module")
def two_orgs(api: Api) -> tuple[Org, dict[str, str], Org, dict[str, str]]:
    a, b = make_org(api), make_org(api)
    return a, _seed(a), b, _seed(b)


def test_organization_b_gets_404_for_everything_of_organization_a(api: Api, two_orgs) -> None:
    a, a_ids, b, b_ids = two_orgs
    with b.admin as intruder, a.admin as owner:
        for (method, path), _ in sorted(_routes(api).items()):
            reply = _call(intruder, method, _url(path, a_ids))
            assert reply.status_code == 404, (method, path, reply.text)
            assert reply.json()["error"]["code"] == "ORGANIZATION_NOT_FOUND", (method, path)
            # B's own organization in the path, A's resource ids: not found either
            if "{" in path.replace("{organizationId}", ""):
                mixed = _call(intruder, method, _url(path, {**a_ids,
                                                            "organizationId": b.id}))
                assert mixed.status_code in (400, 404), (method, path, mixed.text)
                if method == "GET" and mixed.status_code == 404:  # people are users
                    assert mixed.json()["error"]["code"] in ("USER_NOT_FOUND", "NOT_FOUND"), \
                        (method, path)
        # and A's admin reaches A's resources through the same urls
        for (method, path), _ in sorted(_routes(api).items()):
            url = _url(path, a_ids)
            if method == "GET" and "unknown_id" not in url:  # resources it seeded
                params = {"date": "2027-01-11"} if path.endswith("/availability") else None
                assert owner.get(url, params=params).status_code == 200, path
    assert b_ids["organizationId"] == b.id


def _member(api: Api, org: Org, role: str, who: str = "member") -> httpx.Client:
    """A member of `org` with `role` and a password of their own (`who` tells apart two
    members of one role: the organizations are shared by the module's tests)."""
    vault = api.ctx.vault
    email = f"{role}.{who}@{org.slug}.example"
    with vault.write() as conn:
        user = vault.clinic.members.add_user(conn, email=email, name=role,
                                             password_hash=api.ctx.auth.hash_password(PASSWORD),
                                             must_change_password=False)
        vault.clinic.members.add(conn, organization_id=org.id, user_id=user["id"], role=role)
    with api.client() as anon:
        token = anon.post("/api/v1/auth/login", json={
            "email": email, "password": PASSWORD, "organizationSlug": org.slug}
        ).json()["data"]["token"]
    return httpx.Client(base_url=api.base, headers={"Authorization": f"Bearer {token}"},
                        timeout=60)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_is_refused_exactly_what_it_lacks(api: Api, two_orgs, role: str) -> None:
    a, a_ids, _, _ = two_orgs
    allowed = ROLES[role]
    with _member(api, a, role) as member:
        for (method, path), permission in sorted(_routes(api).items()):
            if role in PERSONAL_ROLES and "{patientId}" in path and permission in allowed:
                continue  # granted, then narrowed to their own patients (tested elsewhere)
            reply = _call(member, method, _url(path, a_ids))
            code = reply.json().get("error", {}).get("code") if reply.status_code >= 400 \
                else None
            if permission in allowed:
                assert code != "INSUFFICIENT_PERMISSIONS", (role, method, path)
            else:
                assert (reply.status_code, code) == (403, "INSUFFICIENT_PERMISSIONS"), (
                    role, method, path, reply.text)


def test_a_deactivated_membership_is_refused_on_the_next_request(api: Api, two_orgs) -> None:
    """Memberships are cached per (user, organization): a write to them must end it."""
    a, _, _, _ = two_orgs
    vault = api.ctx.vault
    with _member(api, a, "admin", "revoked") as member:
        assert member.get(a.url("/providers")).status_code == 200
        assert member.get(a.url("/providers")).status_code == 200  # now from the cache
        with vault.write() as conn:
            conn.execute(sa.update(memberships).where(
                memberships.c.organization_id == a.id,
                memberships.c.user_id == vault.clinic.members.user_by_email(
                    conn, email=f"admin.revoked@{a.slug}.example")["id"]
            ).values(is_active=False))
        reply = member.get(a.url("/providers"))
        assert reply.status_code == 404
        assert reply.json()["error"]["code"] == "ORGANIZATION_NOT_FOUND"
