"""Shared fixtures: real encrypted vaults, built once per session and copied per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from storage.vault import Vault  # noqa: E402

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
PASSPHRASE = "correct horse battery staple"
# Tests wrap keys with a cheap scrypt cost; the product's default is 2**17.
TEST_SCRYPT_N = 2**12


def copy_vault(template: Path, folder: Path) -> Path:
    """A private copy of a template vault (templates are built once per session)."""
    home = folder / "vault"
    shutil.copytree(template, home)
    return home


def make_vault(home: Path) -> Vault:
    return Vault.create(home, passphrase=PASSPHRASE, use_keyring=False, scrypt_n=TEST_SCRYPT_N)


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.fail(f"shared test data not found at {TESTDATA}")
    return TESTDATA


@pytest.fixture(scope="session")
def empty_vault_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("template") / "vault"
    make_vault(home).close()
    return home


@pytest.fixture
def vault_home(empty_vault_template: Path, tmp_path: Path) -> Path:
    """A fresh, closed, empty vault folder (a copy of the session template)."""
    return copy_vault(empty_vault_template, tmp_path)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        yield v


@pytest.fixture
def memory_keyring() -> Iterator[keyring.backend.KeyringBackend]:
    """An in-memory OS keyring, made inside the fixture: keyring registers every backend
    class it sees, and a test class left registered would leak into later tests."""

    previous = keyring.get_keyring()  # resolved before the class below exists

    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 5  # type: ignore[assignment]
        items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    keyring.backend.KeyringBackend._classes.discard(MemoryKeyring)
