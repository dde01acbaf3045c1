"""Agent fixtures: the Synthea FHIR bundles imported once per session with the real
ImportService into a template vault; tests open a copy (or share one read-only)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.events import EventBus
from app.services.imports import ImportService
from app.services.queries import QueryService
from app.settings import Settings
from storage.vault import Vault
from tests.conftest import PASSPHRASE, copy_vault, make_vault


@pytest.fixture(scope="session")
def synthea_files(testdata: Path) -> list[Path]:
    return sorted((testdata / "fhir_r4_synthea").glob("*.json"))


@pytest.fixture(scope="session")
def team_template(tmp_path_factory: pytest.TempPathFactory, synthea_files: list[Path]) -> Path:
    home = tmp_path_factory.mktemp("team") / "vault"
    vault = make_vault(home)
    service = ImportService(vault, Settings(home=home))
    result = service.run(synthea_files)
    service.close()
    vault.close()
    assert result["status"] == "completed", result["summary"]
    return home


@pytest.fixture(scope="session")
def shared_vault(team_template: Path, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Vault]:
    """One opened copy for tests that only read records (tools, analyses)."""
    home = tmp_path_factory.mktemp("shared") / "vault"
    shutil.copytree(team_template, home)
    vault = Vault.open(home, passphrase=PASSPHRASE)
    yield vault
    vault.close()


@pytest.fixture
def team_home(team_template: Path, tmp_path: Path) -> Path:
    return copy_vault(team_template, tmp_path)


@pytest.fixture
def team_vault(team_home: Path) -> Iterator[Vault]:
    with Vault.open(team_home, passphrase=PASSPHRASE) as vault:
        yield vault


@pytest.fixture
def service_factory(team_vault: Vault, team_home: Path) -> Iterator:
    """Build QueryServices on the copied vault (closed at the end); returns (service, events)."""
    made: list[QueryService] = []

    def make(**settings: object) -> tuple[QueryService, list[dict]]:
        bus = EventBus()
        events: list[dict] = []
        bus.subscribe(events.append)
        options = {"home": team_home, "llm_engine": "offline", **settings}
        if "ollama_host" in options:  # the field is read through its environment alias
            options["HEALTHINSIGHT_OLLAMA_HOST"] = options.pop("ollama_host")
        service = QueryService(team_vault, bus, Settings(**options))
        made.append(service)
        return service, events

    yield make
    for service in made:
        service.close()
