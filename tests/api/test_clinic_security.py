"""Refused tokens are security events (bounded in number, holding no token), and logout
ends the access token's whole session."""

from __future__ import annotations

import time

import httpx
import jwt

from app.services.tokens import ALGORITHM, SECRET_KEY
from tests.api.clinic import NEW_PASSWORD, Org, make_org, patient_body
from tests.api.conftest import Api

FORGERY_SECRET = "not the vault's secret, but just as long as it is"


def _signed(api: Api, secret: str | None = None, **claims: object) -> str:
    return jwt.encode(claims, secret or api.ctx.vault.settings.get(SECRET_KEY),
                      algorithm=ALGORITHM)


def _admin_id(api: Api, org: Org) -> str:
    return str(api.ctx.vault.users.by_email(email=org.admin_email)["id"])


def _refusals(org: Org) -> list[dict]:
    with org.admin as admin:
        reply = admin.get(org.url("/security/events"),
                          params={"type": "invalid_token", "limit": 100})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"]["events"])


def test_every_kind_of_bad_token_is_a_security_event_without_its_contents(own_api) -> None:
    api = own_api()
    org = make_org(api)
    admin_id, now = _admin_id(api, org), int(time.time())
    token_id, personal = api.ctx.auth.personal_token(user_id=admin_id)
    api.ctx.auth.revoke(token_id)
    bad = {
        "malformed": "not.a.token",
        "bad_signature": _signed(api, FORGERY_SECRET, sub=admin_id, typ="access", iat=now,
                                 exp=now + 600),
        "expired": _signed(api, sub=admin_id, typ="access", iat=now - 7200, exp=now - 3600),
        "wrong_type": _signed(api, sub=admin_id, typ="refresh", iat=now, exp=now + 600),
        "revoked": personal,
    }
    with httpx.Client(base_url=api.base, timeout=60) as anon:
        for reason, token in bad.items():
            headers = {"Authorization": f"Bearer {token}"}
            # a request with a body is refused before the body is read: recorded as well
            got = (anon.post(org.url("/patients"), json=patient_body(), headers=headers)
                   if reason == "malformed" else anon.get(org.url("/patients"), headers=headers))
            assert got.status_code == 401, reason
            assert got.json()["error"]["code"] == "INVALID_CREDENTIALS", reason
    events = _refusals(org)
    reasons = sorted(e["details"]["reason"] for e in events)
    assert sorted(bad) == sorted(set(reasons))
    # the forged and malformed ones name nobody; the correctly signed ones their user
    by_reason = {e["details"]["reason"]: e for e in events}
    assert by_reason["bad_signature"]["userId"] is None
    assert by_reason["expired"]["userId"] == admin_id
    assert by_reason["revoked"]["userId"] == admin_id
    stored = str(api.ctx.vault.users.security_events(kind="invalid_token", limit=1000))
    for token in bad.values():
        for part in token.split("."):
            assert len(part) < 16 or part not in stored
    assert "patients" not in stored


def test_a_flood_of_forged_tokens_writes_few_rows_and_counts_them(own_api) -> None:
    api = own_api()
    org = make_org(api)
    now = int(time.time())
    with httpx.Client(base_url=api.base, timeout=60) as anon:
        for n in range(40):
            forged = _signed(api, FORGERY_SECRET, sub=f"usr_{n}", typ="access", iat=now,
                             exp=now + 600)
            assert anon.get(org.url(), headers={"Authorization": f"Bearer {forged}"}
                            ).status_code == 401
    events = [e for e in _refusals(org) if e["details"]["reason"] == "bad_signature"]
    # one row per reason and organization per minute, however many refusals: the
    # forty requests take seconds, so at most two windows
    assert 1 <= len(events) <= 2
    rows = api.ctx.vault.users.security_events(kind="invalid_token", limit=1000)
    assert len(rows) <= 2


def test_a_refused_token_of_no_organization_is_listed_for_the_platform_admin(own_api) -> None:
    """A bad token on a path that names no organization, of nobody's member, is the
    platform's: the vault owner (who made the organizations and owns them) sees it in
    their security events; an organization's own admin does not."""
    api = own_api()
    org = make_org(api)
    now = int(time.time())
    forged = _signed(api, FORGERY_SECRET, sub="usr_nobody", typ="access", iat=now,
                     exp=now + 600)
    with httpx.Client(base_url=api.base, timeout=60) as anon:
        assert anon.get("/v1/conversations", headers={"Authorization": f"Bearer {forged}"}
                        ).status_code == 401
        assert anon.post("/api/v1/auth/logout", headers={"Authorization": "Bearer not.a.token"}
                         ).status_code == 401
    with api.client("owner") as owner:
        reply = owner.get(org.url("/security/events"),
                          params={"type": "invalid_token", "limit": 100})
    assert reply.status_code == 200, reply.text
    events = reply.json()["data"]["events"]
    assert sorted(e["details"]["reason"] for e in events) == ["bad_signature", "malformed"]
    assert [e["userId"] for e in events] == [None, None]
    assert _refusals(org) == []


def test_logout_ends_the_access_token_and_its_session(api: Api) -> None:
    org = make_org(api)
    with httpx.Client(base_url=api.base, timeout=60) as anon:
        def login() -> dict[str, str]:
            token = anon.post("/api/v1/auth/login", json={
                "email": org.admin_email, "password": NEW_PASSWORD,
                "organizationSlug": org.slug}).json()["data"]["token"]
            return {"Authorization": f"Bearer {token}"}

        leaving, staying = login(), login()
        assert anon.get(org.url(), headers=leaving).status_code == 200
        out = anon.post("/api/v1/auth/logout", headers=leaving)
        assert out.status_code == 200, out.text
        assert out.json()["data"]["userId"] == _admin_id(api, org)
        for reply in (anon.get(org.url(), headers=leaving),
                      anon.post(org.url("/patients"), json=patient_body(), headers=leaving),
                      anon.post("/api/v1/auth/logout", headers=leaving)):
            assert reply.status_code == 401, reply.text
            error = reply.json()["error"]
            assert error["code"] == "INVALID_CREDENTIALS"
            assert error["timestamp"] and error["requestId"].startswith("req_")
        # another login of the same user is another session: it goes on
        assert anon.get(org.url(), headers=staying).status_code == 200
    assert "session_ended" in [e["details"]["reason"] for e in _refusals(org)]


def test_the_refusal_log_writes_once_per_key_and_window_within_a_cap() -> None:
    from app.services.auth_refusals import RefusalLog, Refused

    clock = [0.0]
    written: list[tuple[Refused, int]] = []
    log = RefusalLog(lambda event, count: written.append((event, count)), every=60.0, cap=2,
                     clock=lambda: clock[0])
    forged = Refused(refusal="bad_signature", channel="http", organization_id="org_a")
    expired = Refused(refusal="expired", channel="http", user_id="usr_1")
    other = Refused(refusal="malformed", channel="http")
    assert [log.refused(forged) for _ in range(5)] == [True] + [False] * 4
    assert log.refused(expired) is True
    assert log.refused(other) is False  # the window's cap of two rows is spent
    clock[0] = 61.0
    assert log.refused(forged) is True
    assert log.refused(other) is True
    assert [(e.refusal, n) for e, n in written] == [
        ("bad_signature", 1), ("expired", 1), ("bad_signature", 5), ("malformed", 2)]
