"""One live owner per vault, and nothing a dead owner left stops the next open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storage.errors import VaultInUse
from storage.vault import Vault
from tests.conftest import PASSPHRASE

# Spills a sort to tmp/ under a small memory limit, says so, then waits to be killed.
SPILLER = textwrap.dedent("""
    import sys, threading, time
    from pathlib import Path
    from storage.vault import Vault
    vault = Vault.open(Path(sys.argv[1]), passphrase=sys.argv[2])
    cur = vault.cursor()
    cur.execute("SET memory_limit = '24MB'")
    cur.execute("SET preserve_insertion_order = false")
    def sort():
        cur.execute("SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS s FROM range(4000000) "
                    "t(i) ORDER BY s").fetchall()
    threading.Thread(target=sort, daemon=True).start()
    tmp = Path(sys.argv[1]) / "tmp"
    while not (tmp.is_dir() and any(tmp.iterdir())):
        time.sleep(0.01)
    print("spilling", flush=True)
    time.sleep(600)
""")


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(home), "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def test_spill_files_of_a_killed_owner_do_not_stop_the_next_open(vault_home: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", SPILLER, str(vault_home), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "spilling"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert any((vault_home / "tmp").iterdir())  # the dead owner's encrypted spill files
    status = _cli(vault_home, "vault", "status")
    assert status.returncode == 0, status.stderr
    with Vault.open(vault_home, passphrase=PASSPHRASE) as vault:
        assert vault.settings.get("schema_version") is not None
        assert not (vault_home / "tmp").exists() or not any((vault_home / "tmp").iterdir())


def test_leftover_temporary_and_upload_files_are_removed_on_open(vault_home: Path) -> None:
    (vault_home / "tmp").mkdir()
    (vault_home / "tmp" / "duckdb_temp_storage_S32K-0.tmp").write_bytes(os.urandom(65536))
    (vault_home / "uploads" / "job").mkdir(parents=True)
    (vault_home / "uploads" / "job" / "export.xml").write_bytes(b"<HealthData/>")
    with Vault.open(vault_home, passphrase=PASSPHRASE) as vault:
        vault.cursor().execute("SELECT count(*) FROM range(10)").fetchall()
        assert not (vault_home / "tmp" / "duckdb_temp_storage_S32K-0.tmp").exists()
        assert not (vault_home / "uploads" / "job").exists()


def test_a_second_process_is_told_who_holds_the_vault(vault_home: Path) -> None:
    with Vault.open(vault_home, passphrase=PASSPHRASE):
        status = _cli(vault_home, "vault", "status")
        with pytest.raises(VaultInUse, match=f"in use by process {os.getpid()}"):
            Vault.open(vault_home, passphrase=PASSPHRASE)
    assert status.returncode == 2
    assert status.stderr.strip() == f"healthinsight: the vault is in use by process {os.getpid()}"
    assert status.stdout == ""
    assert _cli(vault_home, "vault", "status").returncode == 0  # released on close
