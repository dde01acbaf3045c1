"""Asking the team offline, as the tests of answers do, and a vault of one file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from agents.llm import select_engine
from agents.synthesis import Synthesis
from agents.team.run import answer
from app.services.imports import ImportService
from app.settings import Settings
from storage.vault import Vault
from tests.conftest import make_vault


def ask(vault: Vault, patient: str, text: str) -> Synthesis:
    """The offline team's answer to `text` about `patient`."""
    with ThreadPoolExecutor(4) as pool:
        return answer(vault=vault, patient_id=patient, text=text,
                      engine=select_engine(mode="offline", host="http://127.0.0.1:9", model="x",
                                           timeout=1, offline=True),
                      emit=lambda *_: None, pool=pool, cancel=threading.Event(),
                      timeout=30).synthesis


@contextmanager
def imported(home: Path, path: Path) -> Iterator[Vault]:
    """A new vault at `home` holding what the import service makes of `path`."""
    vault = make_vault(home)
    service = ImportService(vault, Settings(home=home))
    result = service.run([path])
    service.close()
    assert result.status == "completed", result.summary
    try:
        yield vault
    finally:
        vault.close()
