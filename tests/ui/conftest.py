"""UI fixtures: real widgets offscreen over a real encrypted vault."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import AppContext
from app.settings import Settings
from tests.conftest import PASSPHRASE, copy_vault
from ui import ops


def close_after_ops(context: AppContext) -> None:
    """As the app quits: the window's ops finish (or stop) before the vault closes, so no
    worker reads a closed vault (which failed them, and logged it, after every test)."""
    ops.shutdown()
    context.close()


def offline_settings(home: Path, **extra: object) -> Settings:
    """Settings for a test: this vault, the offline engine, no API server."""
    return Settings(home=home, llm_engine="offline", **extra)


@pytest.fixture
def locked_ctx(vault_home: Path) -> Iterator[AppContext]:
    """A context on an existing vault whose passphrase nobody has typed yet."""
    ctx = AppContext(offline_settings(vault_home))
    yield ctx
    close_after_ops(ctx)


@pytest.fixture
def ctx(vault_home: Path) -> Iterator[AppContext]:
    """A context on an open, empty encrypted vault."""
    context = AppContext(offline_settings(vault_home, passphrase=PASSPHRASE))
    _ = context.vault
    yield context
    close_after_ops(context)


BUNDLE = "Alfreda_Wyman_3287b938-4670-47eb-91e5-e0ce3df71405.json"


@pytest.fixture(scope="session")
def imported_template(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    """A vault holding one real Synthea patient, imported once per session."""
    from tests.conftest import make_vault

    home = tmp_path_factory.mktemp("ui-imported") / "vault"
    make_vault(home).close()
    context = AppContext(offline_settings(home, passphrase=PASSPHRASE))
    try:
        status = context.imports.run([testdata / "fhir_r4_synthea" / BUNDLE])
        assert status.status == "completed", status
    finally:
        context.close()
    return home


@pytest.fixture
def imported_ctx(imported_template: Path, tmp_path: Path) -> Iterator[AppContext]:
    """A context on a copy of the imported vault, offline engine."""
    home = copy_vault(imported_template, tmp_path)
    context = AppContext(offline_settings(home, passphrase=PASSPHRASE))
    _ = context.vault
    yield context
    close_after_ops(context)


@pytest.fixture(scope="package", autouse=True)
def collect_on_the_qt_thread() -> Iterator[None]:
    """As in the app: cycles holding widgets are collected on the Qt thread, never a worker."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    yield
    gc.collect()


MILLION = 1_000_000


@pytest.fixture(scope="session")
def million_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault with one patient and 1,000,000 records, built once per session."""
    from tests.conftest import make_vault
    from tests.ui.bulk import fill

    home = tmp_path_factory.mktemp("ui-million") / "vault"
    vault = make_vault(home)
    try:
        fill(vault, MILLION)
    finally:
        vault.close()
    return home


@pytest.fixture
def million_ctx(million_template: Path, tmp_path: Path) -> Iterator[AppContext]:
    home = copy_vault(million_template, tmp_path)
    context = AppContext(offline_settings(home, passphrase=PASSPHRASE))
    _ = context.vault
    yield context
    close_after_ops(context)
