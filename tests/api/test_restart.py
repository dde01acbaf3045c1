"""A `serve` killed with SIGKILL, in a burst of reads or an import: the vault opens again,
with the CLI and with `serve`, and the cut-short import is undone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from storage.vault import Vault
from tests.api.conftest import PASSWORD, USERS
from tests.conftest import PASSPHRASE
from tests.perf.ingest import generate

EXE = Path(sys.executable).with_name("healthinsight")


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "HEALTHINSIGHT_HOME": str(home), "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE,
            "HEALTHINSIGHT_LLM_ENGINE": "offline"}


def _serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([str(EXE), "serve", "--port", "0"], env=_env(home), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"API on (http://127\.0\.0\.1:\d+) ", line)
    assert match, f"serve did not start: {line!r}"
    return proc, match.group(1)


def _login(base: str) -> httpx.Client:
    reply = httpx.post(f"{base}/v1/auth/login", timeout=60,
                       json={"email": USERS["owner"][0], "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    token = reply.json()["data"]["access_token"]
    return httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})


def _reopens(home: Path) -> None:
    status = subprocess.run([str(EXE), "vault", "status"], env=_env(home), text=True,
                            capture_output=True, timeout=120)
    assert status.returncode == 0, status.stderr
    proc, base = _serve(home)
    try:
        with _login(base) as client:
            assert client.get("/v1/conversations").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM


@pytest.fixture
def served_home(users_vault_template: Path, tmp_path: Path) -> Path:
    import shutil

    home = tmp_path / "vault"
    shutil.copytree(users_vault_template, home)
    return home


def test_killed_in_a_read_burst(served_home: Path) -> None:
    proc, base = _serve(served_home)
    statuses: list[int] = []
    with _login(base) as client:
        def reads() -> None:
            for _ in range(30):
                try:
                    statuses.append(client.get("/v1/conversations").status_code)
                except httpx.HTTPError:
                    return  # the server died under us
        burst = [threading.Thread(target=reads) for _ in range(6)]
        for thread in burst:
            thread.start()
        while len(statuses) < 20:
            threading.Event().wait(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for thread in burst:
            thread.join()
    assert set(statuses) == {200}
    _reopens(served_home)


def test_killed_in_an_import(served_home: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    generate(export, 150_000)
    proc, base = _serve(served_home)
    with _login(base) as client:
        with export.open("rb") as fh:
            started = client.post("/v1/health-data/import",
                                  files=[("file", ("export.xml", fh, "text/xml"))])
        assert started.status_code == 202, started.text
        import_id = started.json()["data"]["import_id"]
        while True:
            status = client.get(f"/v1/health-data/import/{import_id}").json()["data"]
            assert status["status"] == "processing", "the import ended before the kill"
            if status["progress"]["records"] > 0:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert any((served_home / "uploads").rglob("export.xml"))  # left by the dead server
    _reopens(served_home)
    assert not (served_home / "uploads").exists() or not any((served_home / "uploads").rglob("*.*"))
    with Vault.open(served_home, passphrase=PASSPHRASE) as vault:
        row = vault.imports.get(import_id=import_id, owner_id=None)
        assert row is not None and row["status"] == "failed"
        left = vault.cursor().execute("SELECT count(*) FROM observations WHERE import_id = ?",
                                      [import_id]).fetchone()
        assert left == (0,)
