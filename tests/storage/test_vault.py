"""The encrypted vault: round trip, no plaintext on disk, keys, crash safety, threads."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import keyring
import keyring.backend
import pytest
import sqlalchemy as sa

from storage import migrations, schema
from storage.errors import VaultExists, VaultKeyError, VaultNotFound
from storage.vault import Vault
from tests.conftest import PASSPHRASE, TEST_SCRYPT_N, make_vault

MARKER = "ZEBRA-QUOKKA-7731-PLAINTEXT-CANARY"


def folder_digest(home: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.iterdir()) if p.is_file()}


def add_setting(vault: Vault, key: str, value: object) -> None:
    vault.settings.set(key, value)


def test_round_trip(vault_home: Path) -> None:
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        add_setting(v, "greeting", {"text": "hello", "n": 3})
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        assert v.settings.get("greeting") == {"text": "hello", "n": 3}
        info = v.info()
    assert info.cipher == "GCM"
    assert info.key_storage == "passphrase"
    assert info.schema_version >= 1
    assert set(info.row_counts) == set(schema.metadata.tables)


def test_create_refuses_existing_and_open_refuses_missing(vault_home: Path, tmp_path: Path) -> None:
    with pytest.raises(VaultExists):
        make_vault(vault_home)
    with pytest.raises(VaultNotFound):
        Vault.open(tmp_path / "nowhere", passphrase=PASSPHRASE)


def test_no_plaintext_on_disk(vault_home: Path) -> None:
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        with v.engine.begin() as conn:
            conn.execute(sa.insert(schema.patients).values(
                id="pat_1", name=MARKER, created_at=sa.func.now()))
        add_setting(v, "note", MARKER)
        # Leave data in the WAL too: a second write after the first checkpoint.
        add_setting(v, "note2", MARKER + "-wal")
        files = [p for p in vault_home.rglob("*") if p.is_file()]
        assert any(p.suffix == ".duckdb" for p in files)
        for path in files:  # while open (WAL present) ...
            data = path.read_bytes()
            assert MARKER.encode() not in data, path
            assert b"patients" not in data or path.name == "vault.json", path
    for path in vault_home.rglob("*"):  # ... and after close
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
            assert MARKER.encode("utf-16-le") not in path.read_bytes(), path
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        assert v.settings.get("note") == MARKER


def test_wrong_passphrase_leaves_vault_untouched(vault_home: Path) -> None:
    before = folder_digest(vault_home)
    with pytest.raises(VaultKeyError, match="wrong passphrase"):
        Vault.open(vault_home, passphrase="not the passphrase")
    with pytest.raises(VaultKeyError):
        Vault.open(vault_home, passphrase=None)
    assert folder_digest(vault_home) == before


def test_missing_key_file_is_a_key_error(vault_home: Path) -> None:
    (vault_home / "vault.key").unlink()
    before = folder_digest(vault_home)
    with pytest.raises(VaultKeyError, match="missing"):
        Vault.open(vault_home, passphrase=PASSPHRASE)
    assert folder_digest(vault_home) == before


def test_cli_wrong_passphrase_exits_2_with_one_line(vault_home: Path) -> None:
    before = folder_digest(vault_home)
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(vault_home),
           "HEALTHINSIGHT_PASSPHRASE": "wrong"}
    done = subprocess.run([sys.executable, "-m", "app.cli", "vault", "status"], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["healthinsight: wrong passphrase"]
    assert "Traceback" not in done.stderr
    assert folder_digest(vault_home) == before


def test_cli_init_and_status(tmp_path: Path) -> None:
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(tmp_path / "v"),
           "HEALTHINSIGHT_PASSPHRASE": "pw-for-cli", "PYTHON_KEYRING_BACKEND":
           "keyring.backends.fail.Keyring"}
    run = [sys.executable, "-m", "app.cli", "vault"]
    init = subprocess.run([*run, "init"], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    status = subprocess.run([*run, "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    assert f"location:        {tmp_path / 'v'}" in status.stdout
    assert "encryption:      AES-256-GCM" in status.stdout
    assert "key storage:     passphrase" in status.stdout
    assert f"schema version:  {migrations.SCHEMA_VERSION}" in status.stdout
    again = subprocess.run([*run, "init"], env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "already holds a vault" in again.stderr


def test_passphrase_change_rewraps_without_rewriting_database(vault_home: Path) -> None:
    db_before = folder_digest(vault_home)["vault.duckdb"]
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        with pytest.raises(VaultKeyError):
            v.change_passphrase("bad old", "new-pass")
        v.change_passphrase(PASSPHRASE, "new-pass")
    assert folder_digest(vault_home)["vault.duckdb"] == db_before
    with pytest.raises(VaultKeyError):
        Vault.open(vault_home, passphrase=PASSPHRASE)
    Vault.open(vault_home, passphrase="new-pass").close()
    assert (vault_home / "vault.key").stat().st_mode & 0o777 == 0o600


def test_keyring_path(tmp_path: Path, memory_keyring: keyring.backend.KeyringBackend) -> None:
    home = tmp_path / "kv"
    with Vault.create(home) as v:
        assert v.key_storage == "keyring"
        add_setting(v, "k", 1)
    assert not (home / "vault.key").exists()
    assert len(memory_keyring.items) == 1
    with Vault.open(home) as v:  # no passphrase needed
        assert v.settings.get("k") == 1
        with pytest.raises(VaultKeyError):
            v.change_passphrase("a", "b")
    memory_keyring.items.clear()
    with pytest.raises(VaultKeyError, match="missing from the OS keyring"):
        Vault.open(home)


def test_plaintext_keyring_is_never_used(tmp_path: Path) -> None:
    from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-not-found]

    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(VaultKeyError, match="passphrase is needed"):
            Vault.create(tmp_path / "pv")
        Vault.create(tmp_path / "pv2", passphrase="x", scrypt_n=TEST_SCRYPT_N).close()
        assert (tmp_path / "pv2" / "vault.key").exists()
    finally:
        keyring.set_keyring(previous)


CRASH_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from storage.vault import Vault
    v = Vault.open(Path(sys.argv[1]), passphrase=sys.argv[2])
    cur = v.cursor()
    with v.transaction() as t:
        t.execute("INSERT INTO patients (id, name, created_at) "
                  "SELECT 'committed_' || i, 'c', now() FROM range(5000) r(i)")
    cur.execute("BEGIN TRANSACTION")
    n = 0
    while True:
        cur.execute("INSERT INTO patients (id, name, created_at) "
                    f"SELECT 'pending_{n}_' || i, repeat('x', 200), now() FROM range(200000) r(i)")
        n += 1
        if n == 2:
            print("writing", flush=True)
""")


def test_sigkill_mid_transaction_keeps_committed_rows_only(vault_home: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CRASH_CHILD, str(vault_home), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Vault.open(vault_home, passphrase=PASSPHRASE) as v:
        cur = v.cursor()
        committed = cur.execute(
            "SELECT count(*) FROM patients WHERE id LIKE 'committed_%'").fetchone()
        pending = cur.execute("SELECT count(*) FROM patients WHERE id LIKE 'pending_%'").fetchone()
    assert committed == (5000,)
    assert pending == (0,)


def test_threads_read_and_write_without_losing_rows(vault: Vault) -> None:
    errors: list[BaseException] = []
    per_thread, threads = 200, 6

    def work(t: int) -> None:
        try:
            for i in range(per_thread):
                if i % 2:
                    with vault.engine.begin() as conn:
                        conn.execute(sa.insert(schema.patients).values(
                            id=f"t{t}_{i}", name="n", created_at=sa.func.now()))
                else:
                    with vault.transaction() as cur:
                        cur.execute("INSERT INTO patients (id, name, created_at) "
                                    "VALUES (?, 'n', now())", [f"t{t}_{i}"])
                vault.cursor().execute("SELECT count(*) FROM patients").fetchone()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    total = vault.cursor().execute("SELECT count(DISTINCT id) FROM patients").fetchone()
    assert total == (per_thread * threads,)


def test_no_encryption_extension_means_no_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    from storage import vault as vault_module
    from storage.errors import EncryptionUnavailable

    fake = tmp_path / "httpfs.duckdb_extension"
    fake.write_bytes(b"not a signed extension")
    monkeypatch.setattr(vault_module, "httpfs_extension_path", lambda: fake)
    with pytest.raises(EncryptionUnavailable, match="encryption extension"):
        make_vault(tmp_path / "v")
    assert not (tmp_path / "v" / "vault.duckdb").exists()
    assert list((tmp_path / "v").iterdir()) == []  # nothing half-made is left behind


def test_checkpoint_waits_for_no_one(vault: Vault) -> None:
    """An import's closing checkpoint must not fail the import while another thread
    (the API, say) is writing: it is skipped then, and done when nothing writes."""
    other = vault.cursor().cursor()  # another connection, as another thread has
    other.execute("USE vault")
    other.execute("BEGIN")
    other.execute("""UPDATE settings SET value = '"v"' WHERE key = 'schema_version'""")
    assert vault.checkpoint() is False
    other.execute("COMMIT")
    assert vault.checkpoint() is True
    assert vault.cursor().execute(
        "SELECT value FROM settings WHERE key = 'schema_version'").fetchone() == ('"v"',)


def test_idle_readers_hold_back_no_checkpoint(vault: Vault) -> None:
    """A read that returned one row (a SQLAlchemy ``.first()``, a repository's lookup on
    its thread's cursor) must end its statement: an idle reader holding it open made
    every later checkpoint fail and kept every later update's old rows in memory."""
    add_setting(vault, "theme", "dark")
    with vault.transaction() as cur:
        cur.execute("INSERT INTO patients (id, name, created_at) VALUES ('p1', 'n', now())")

    def read() -> None:
        assert vault.settings.get("theme") == "dark"
        assert vault.catalogue.patient(patient_id="p1") is not None
        assert vault.clinical.counts(patient_id="p1") == (0, 0)

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()  # its cursor and the pooled connection stay open, idle
    with vault.transaction() as cur:
        cur.execute("UPDATE patients SET name = 'm' WHERE id = 'p1'")
    assert vault.checkpoint() is True


def test_no_checkpoint_runs_under_an_import_bound(vault: Vault) -> None:
    """DuckDB invalidates a database whose checkpoint runs out of memory: every later
    statement fails until it is reopened. A log of many small commits and the unique
    index they grew (a clinic's day, an API session's imports) does not fit an import's
    bound, so under it DuckDB must not checkpoint by itself at a commit, and the
    import's own checkpoints run without the bound."""
    cur = vault.cursor()
    cur.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, v VARCHAR UNIQUE, w DOUBLE)")
    cur.execute("SET checkpoint_threshold = '1GB'")  # a log past DuckDB's 16 MB, unwritten
    for start in range(0, 300_000, 1000):
        with vault.transaction() as cur:
            cur.execute("INSERT INTO filler SELECT i, 'row ' || i, i FROM range(?, ?) r(i)",
                        [start, start + 1000])
    with vault.limit_resources(memory_limit="20MB"):  # then DuckDB's threshold again
        with vault.transaction() as cur:  # a commit of the import's, past the threshold
            cur.execute("UPDATE filler SET w = w + 1 WHERE id % 5 = 0")
        assert vault.checkpoint() is True
    rows = vault.cursor().execute("SELECT count(*), sum(w) FROM filler").fetchall()
    assert rows == [(300_000, sum(range(300_000)) + 60_000)]


def test_an_error_after_a_commit_in_a_transaction_is_the_one_raised(vault: Vault) -> None:
    """A bulk import commits chunk by chunk inside `transaction()`; when a later step
    fails outside a transaction, its own error is raised, not the rollback's "no
    transaction is active" (which hid the cause of a failed import in CI)."""
    with pytest.raises(ValueError, match="the step that failed"):
        with vault.transaction() as cur:
            cur.execute("INSERT INTO patients (id, name, created_at) VALUES ('p1', 'n', now())")
            cur.execute("COMMIT")  # a chunk committed; the next BEGIN never came
            raise ValueError("the step that failed")
    assert vault.cursor().execute("SELECT count(*) FROM patients").fetchall() == [(1,)]


def test_row_groups_are_half_duckdbs_default_after_every_open(vault_home: Path) -> None:
    """A bulk import checkpoints a row group at a time without its memory bound: a
    smaller row group is what keeps that checkpoint's memory, and the import's peak,
    small (storage/schema.py)."""
    for _ in range(2):  # a new vault, then the same one opened again
        vault = Vault.open(vault_home, passphrase=PASSPHRASE)
        try:
            cur = vault.cursor()
            cur.execute("CREATE TABLE IF NOT EXISTS wide (i BIGINT, s VARCHAR)")
            cur.execute("INSERT INTO wide SELECT i, 'row ' || i FROM range(150000) r(i)")
            assert vault.checkpoint() is True
            sizes = [count for (count,) in cur.execute(
                "SELECT max(count) FROM pragma_storage_info('wide') GROUP BY row_group_id"
            ).fetchall()]
        finally:
            vault.close()
        assert max(sizes) == 61_440
    assert sum(sizes) == 300_000
