"""Login, refresh rotation, the clinic login, lockout, auth limits and token errors."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from websockets.sync.client import connect

from app.services.tokens import ALGORITHM, SECRET_KEY
from tests.api.conftest import PASSWORD, USERS, Api


def _login(api: Api, who: str, password: str = PASSWORD) -> dict:
    with api.client() as client:
        return client.post("/v1/auth/login",
                           json={"email": USERS[who][0], "password": password}).json()


def _ws_auth(api: Api, token: str) -> dict:
    """The server's first answer to an auth message on /ws."""
    with connect(f"{api.ws}/ws", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        return json.loads(ws.recv(timeout=10))


def test_login_returns_the_documented_pair(api: Api) -> None:
    body = _login(api, "owner")
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == api.ctx.settings.access_token_minutes * 60
    assert data["user"]["email"] == USERS["owner"][0]
    assert data["user"]["name"] == USERS["owner"][1]
    assert set(body["metadata"]) == {"timestamp", "request_id", "version"}
    assert _ws_auth(api, data["access_token"])["type"] == "auth_ok"


@pytest.mark.parametrize("email,password", [
    ("owner@example.org", "not the password"),
    ("nobody@example.org", PASSWORD),
])
def test_bad_credentials_are_auth_invalid(api: Api, email: str, password: str) -> None:
    with api.client() as client:
        reply = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "AUTH_INVALID"


def test_refresh_rotates_and_a_reused_token_revokes_the_session(api: Api) -> None:
    first = _login(api, "other")["data"]
    with api.client() as client:
        rotated = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200
        second = rotated.json()["data"]
        assert second["refresh_token"] != first["refresh_token"]
        assert second["user"] == first["user"]
        reused = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401
        assert reused.json()["error"]["code"] == "AUTH_INVALID"
        # the thief's replay also kills the legitimate successor
        after = client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert after.status_code == 401
    user_id = first["user"]["id"]
    kinds = [e["kind"] for e in api.ctx.vault.users.security_events(user_id=user_id)]
    assert "token_reuse" in kinds


def test_an_access_token_is_not_a_refresh_token(api: Api) -> None:
    with api.client() as client:
        reply = client.post("/v1/auth/refresh", json={"refresh_token": api.token("owner")})
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "AUTH_INVALID"


def _signed(api: Api, **claims: object) -> str:
    secret = api.ctx.vault.settings.get(SECRET_KEY)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def test_missing_invalid_and_expired_tokens(api: Api) -> None:
    owner_id = api.ctx.vault.users.by_email(email=USERS["owner"][0])["id"]
    now = int(time.time())
    expired = _signed(api, sub=owner_id, typ="access", iat=now - 7200, exp=now - 3600)
    forged = jwt.encode({"sub": owner_id, "typ": "access", "iat": now, "exp": now + 60},
                        "not the vault's secret, but just as long as it", algorithm=ALGORITHM)
    cases = {None: "AUTH_REQUIRED", "garbage": "AUTH_INVALID", forged: "AUTH_INVALID",
             expired: "AUTH_EXPIRED"}
    with api.client() as client:
        for token, code in cases.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            reply = client.get("/v1/conversations", headers=headers)
            assert reply.status_code == 401, token
            assert reply.json()["error"]["code"] == code, token
    assert _ws_auth(api, expired)["data"]["code"] == "AUTH_EXPIRED"


def test_clinic_login_has_the_clinic_shape_and_its_token_works_on_both_apis(api: Api) -> None:
    email = USERS["clinic"][0]
    with api.client() as client:
        reply = client.post("/api/v1/auth/login", json={
            "email": email, "password": PASSWORD, "organizationSlug": "general-hospital"})
        wrong_org = client.post("/api/v1/auth/login", json={
            "email": email, "password": PASSWORD, "organizationSlug": "elsewhere"})
        not_member = client.post("/api/v1/auth/login", json={
            "email": USERS["other"][0], "password": PASSWORD,
            "organizationSlug": "general-hospital"})
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"success", "data"}
    assert set(body["data"]) == {"token", "user"}
    org = api.ctx.vault.users.organization_by_slug(slug="general-hospital")
    assert body["data"]["user"]["organizationId"] == org["id"]
    assert body["data"]["user"]["email"] == email
    for refused in (wrong_org, not_member):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "INVALID_CREDENTIALS"
    principal = api.ctx.auth.authenticate(body["data"]["token"])
    assert principal.organization_id == org["id"]
    assert _ws_auth(api, body["data"]["token"])["type"] == "auth_ok"


def test_personal_tokens_work_until_revoked(api: Api) -> None:
    token_id, token = api.ctx.auth.personal_token()
    assert _ws_auth(api, token)["type"] == "auth_ok"
    api.ctx.auth.revoke(token_id)
    refused = _ws_auth(api, token)
    assert refused["type"] == "error" and refused["data"]["code"] == "AUTH_INVALID"


def test_repeated_failures_lock_the_account(own_api) -> None:
    api = own_api(login_lock_after=3, login_lock_minutes=10)
    for _ in range(3):
        assert _login(api, "owner", "wrong password")["error"]["code"] == "AUTH_INVALID"
    locked = _login(api, "owner")
    assert locked["success"] is False
    assert "locked" in locked["error"]["message"]
    assert "locked_until" in locked["error"]["details"]
    assert _login(api, "other")["success"] is True  # only that account
    user_id = api.ctx.vault.users.by_email(email=USERS["owner"][0])["id"]
    kinds = [e["kind"] for e in api.ctx.vault.users.security_events(user_id=user_id)]
    assert kinds.count("login_failed") == 3
    assert "account_locked" in kinds


def test_login_attempts_are_rate_limited_per_user(own_api) -> None:
    api = own_api(rate_auth=(2, 900))
    with api.client() as client:
        replies = [client.post("/v1/auth/login",
                               json={"email": USERS["owner"][0], "password": PASSWORD})
                   for _ in range(3)]
        other = client.post("/v1/auth/login",
                            json={"email": USERS["other"][0], "password": PASSWORD})
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["1", "0", "0"]
    assert all(r.headers["x-ratelimit-limit"] == "2" for r in replies)
    assert replies[2].json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert int(replies[2].headers["retry-after"]) > 0
    assert int(replies[2].headers["x-ratelimit-reset"]) > time.time()
    assert other.status_code == 200
