"""Agent fixtures: the Synthea FHIR bundles imported once per session with the real
ImportService into a template vault; tests open a copy (or share one read-only)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
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
    assert result.status == "completed", result.summary
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


# The C-CDA examples the evaluations ask about (file name prefixes).
CCDA = ("Results_Result_COVID_Positive", "Medications_No_Medications",
        "Results_Results_of_Basic_Metabolic_Panel_and_Troponin")


@dataclass(frozen=True)
class Imported:
    """One vault per file (the C-CDA examples all describe the same person, so one vault
    would merge them into one patient); file prefix -> (vault, its patient)."""

    patients: dict[str, tuple[Vault, str]]


@pytest.fixture(scope="session")
def other_vault(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Iterator[Imported]:
    """The evaluations' C-CDA examples and Apple export, each in a vault of its own."""
    files = {p: next((testdata / "ccda").glob(f"{p}*.xml")) for p in CCDA}
    files["apple"] = testdata / "apple_health" / "apple_health_parser_export.xml"
    patients = {}
    for prefix, path in files.items():
        home = tmp_path_factory.mktemp("eval") / "vault"
        vault = make_vault(home)
        service = ImportService(vault, Settings(home=home))
        result = service.run([path])
        service.close()
        assert result.status == "completed", result.summary
        rows = vault.cursor().execute("SELECT id FROM patients").fetchall()
        assert len(rows) == 1
        patients[prefix] = (vault, str(rows[0][0]))
    yield Imported(patients)
    for vault, _ in patients.values():
        vault.close()
