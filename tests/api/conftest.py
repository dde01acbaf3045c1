"""A real uvicorn on an ephemeral loopback port over a real encrypted vault.

The session server runs over a copy of a template vault that already holds three
users (the owner, a second person, a clinic member), with rate limits high enough
that the suite never trips them; tests of limits and lockout start their own servers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.server import ApiServer
from app.context import AppContext
from app.services.auth import AuthService
from app.settings import Settings
from storage.vault import Vault
from tests.conftest import PASSPHRASE, make_vault

PASSWORD = "a long enough password"
USERS = {
    "owner": ("owner@example.org", "Olive Owner", None, None),
    "other": ("other@example.org", "Otto Other", None, None),
    "clinic": ("desk@clinic.example", "Dana Desk", "general-hospital", "staff"),
}
HIGH = (100_000, 60)


@dataclass
class Api:
    """A running server, its context and logged-in tokens per user."""

    server: ApiServer
    ctx: AppContext
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}"

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(who)}"} if who else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.server.stop()
            self.ctx.close()

    def token(self, who: str) -> str:
        if who not in self.users:
            email = USERS[who][0]
            with httpx.Client(base_url=self.base, timeout=60) as client:
                reply = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
            reply.raise_for_status()
            self.users[who] = reply.json()["data"]
        return str(self.users[who]["access_token"])


def api_settings(home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home, "passphrase": PASSPHRASE, "llm_engine": "offline",
        "ollama_host": "http://127.0.0.1:9", "rate_auth": HIGH, "rate_queries": HIGH,
        "rate_import": HIGH, "rate_general": HIGH, "rate_clinic": HIGH,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def users_vault_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("api-template") / "vault"
    vault = make_vault(home)
    auth = AuthService(vault, api_settings(home))
    for email, name, org, role in USERS.values():
        auth.add_user(email, PASSWORD, name=name, organization_slug=org, role=role)
    vault.close()
    return home


@pytest.fixture(scope="session")
def start_api(users_vault_template: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Api]]:
    """Start a server over a fresh copy of the users template, with settings overrides."""
    running: list[Api] = []

    def start(**overrides: Any) -> Api:
        home = tmp_path_factory.mktemp("api") / "vault"
        shutil.copytree(users_vault_template, home)
        settings = api_settings(home, **overrides)
        ctx = AppContext(settings, Vault.open(home, passphrase=PASSPHRASE))
        server = ApiServer(ctx, "127.0.0.1", 0)
        server.start()
        api = Api(server, ctx)
        running.append(api)
        return api

    yield start
    for api in running:
        api.close()


@pytest.fixture(scope="session")
def api(start_api: Callable[..., Api]) -> Api:
    """The session's shared server."""
    return start_api()


@pytest.fixture
def own_api(start_api: Callable[..., Api]) -> Iterator[Callable[..., Api]]:
    """Servers of this test alone (own vault copy and settings), stopped after it."""
    started: list[Api] = []

    def start(**overrides: Any) -> Api:
        started.append(start_api(**overrides))
        return started[-1]

    yield start
    for api in started:
        api.close()


OWNER_BUNDLE = "fhir_r4_synthea/Alfreda_Wyman_3287b938-4670-47eb-91e5-e0ce3df71405.json"
OTHER_BUNDLE = "fhir_r4_synthea/Louis_Maggio_2e275d4b-855a-4eb2-9021-5410aa8acd4f.json"


def _import(api: Api, who: str, bundle: Path) -> dict[str, Any]:
    from tests.api.helpers import upload, wait_for

    with api.client(who) as client:
        started = upload(client, bundle)
        assert started.status_code == 202, started.text
        import_id = started.json()["data"]["import_id"]
        done = wait_for(client, f"/v1/health-data/import/{import_id}")
    # here, not in the tests that use it: a failed import (its errors, and the service's
    # log of the exception's type and line) shows in the first test that asks for it
    assert done["status"] == "completed", done
    return done


@pytest.fixture(scope="session")
def owner_import(api: Api, testdata: Path) -> dict[str, Any]:
    """The owner's records (one Synthea bundle) imported through the API."""
    return _import(api, "owner", testdata / OWNER_BUNDLE)


@pytest.fixture(scope="session")
def other_import(api: Api, testdata: Path) -> dict[str, Any]:
    """A second person's records, imported by them."""
    return _import(api, "other", testdata / OTHER_BUNDLE)


@pytest.fixture(scope="session")
def owner_query(api: Api, owner_import: dict[str, Any]) -> dict[str, Any]:
    """A finished query of the owner's (with its conversation and chart)."""
    with api.client("owner") as client:
        reply = client.post("/v1/queries", json={"query": "What's my cholesterol trend?"})
        assert reply.status_code == 202, reply.text
        query_id = reply.json()["data"]["query_id"]
    # the run, not QueryService.wait: that one reads the stored query as the vault owner's
    # when the run has already ended, and this is a user's query
    api.ctx.queries.runs.wait(query_id, 240)
    with api.client("owner") as client:
        return dict(client.get(f"/v1/queries/{query_id}").json()["data"])
