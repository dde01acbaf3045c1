"""UI fixtures: real widgets offscreen over a real encrypted vault."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import AppContext
from app.settings import Settings
from tests.conftest import PASSPHRASE


def offline_settings(home: Path, **extra: object) -> Settings:
    """Settings for a test: this vault, the offline engine, no API server."""
    return Settings(home=home, llm_engine="offline", **extra)


@pytest.fixture
def locked_ctx(vault_home: Path) -> Iterator[AppContext]:
    """A context on an existing vault whose passphrase nobody has typed yet."""
    ctx = AppContext(offline_settings(vault_home))
    yield ctx
    ctx.close()


@pytest.fixture
def ctx(vault_home: Path) -> Iterator[AppContext]:
    """A context on an open, empty encrypted vault."""
    context = AppContext(offline_settings(vault_home, passphrase=PASSPHRASE))
    _ = context.vault
    yield context
    context.close()
