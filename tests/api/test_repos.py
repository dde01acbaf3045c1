"""The user and audit repositories on a real vault, and the audit rows the API writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage.vault import Vault
from tests.api.conftest import Api


def test_audit_list_filters_and_pages(vault: Vault) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    ids = [vault.audit.record(action="patient.read" if n % 2 else "patient.update",
                              user_id=f"usr_{n % 3}", organization_id="org_a",
                              resource_type="patient", resource_id=f"pat_{n}")
           for n in range(7)]
    vault.audit.record(action="patient.read", organization_id="org_b")
    rows, total = vault.audit.list(organization_id="org_a")
    assert total == 7 and {r["id"] for r in rows} == set(ids)
    reads, total_reads = vault.audit.list(organization_id="org_a", action="patient.read")
    assert total_reads == 3 and all(r["action"] == "patient.read" for r in reads)
    mine, total_mine = vault.audit.list(user_id="usr_0")
    assert total_mine == len([n for n in range(7) if n % 3 == 0])
    page1, _ = vault.audit.list(organization_id="org_a", page=1, limit=4)
    page2, _ = vault.audit.list(organization_id="org_a", page=2, limit=4)
    assert len(page1) == 4 and len(page2) == 3
    assert not {r["id"] for r in page1} & {r["id"] for r in page2}
    window, _ = vault.audit.list(start=before, end=datetime.now(UTC) + timedelta(seconds=1))
    assert len(window) == 8
    assert vault.audit.list(start=datetime.now(UTC) + timedelta(hours=1))[1] == 0


def test_users_memberships_and_tokens(vault: Vault) -> None:
    users = vault.users
    user = users.add(email=" Someone@Example.ORG ", password_hash="x", name="S")
    assert users.by_email(email="someone@example.org")["id"] == user["id"]
    assert users.owner() is None and users.count() == 1
    org = users.add_organization(name="Clinic", slug="clinic")
    users.add_membership(user_id=user["id"], organization_id=org["id"], role="staff")
    users.add_membership(user_id=user["id"], organization_id=org["id"], role="admin")
    assert [m["role"] for m in users.memberships(user_id=user["id"])] == ["admin"]
    token = users.add_token(user_id=user["id"], kind="refresh", family="fam_1")
    users.add_token(user_id=user["id"], kind="refresh", family="fam_1")
    users.revoke_family(family="fam_1")
    assert all(t["revoked_at"] for t in users.tokens(user_id=user["id"], kind="refresh"))
    assert users.revoke_token(token_id=token["id"]) is False  # already revoked
    until = datetime.now(UTC) + timedelta(minutes=5)
    assert users.record_login_failure(user_id=user["id"], lock_after=2,
                                      locked_until=until) is False
    assert users.record_login_failure(user_id=user["id"], lock_after=2, locked_until=until)
    assert users.get(user_id=user["id"])["locked_until"] is not None
    users.record_login_success(user_id=user["id"])
    assert users.get(user_id=user["id"])["locked_until"] is None


def test_the_api_audits_queries_and_imports(api: Api, owner_query: dict[str, Any],
                                            owner_import: dict[str, Any]) -> None:
    owner_id = api.ctx.vault.users.by_email(email="owner@example.org")["id"]
    rows, _ = api.ctx.vault.audit.list(user_id=owner_id, limit=100)
    done = {(r["action"], r["resource_id"]) for r in rows}
    assert ("query.submit", owner_query["query_id"]) in done
    assert ("import.start", owner_import["import_id"]) in done
