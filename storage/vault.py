"""The encrypted vault: one DuckDB database file in a folder of its own.

A process holds one root DuckDB connection with the vault ATTACHed under its key;
every thread works on its own cursor of that root (DuckDB's model for concurrency),
and SQLAlchemy gets cursors through ``creator=`` instead of opening its own
databases. Writes need the httpfs extension (DuckDB's built-in crypto is read-only),
loaded from the pip package with signature checks on; without it nothing opens.

DuckDB spills to temporary files when a query outgrows its memory limit: they go to
``tmp/`` inside the vault's folder and are encrypted (``temp_file_encryption``), so no
record reaches the disk in the clear. :meth:`Vault.limit_resources` bounds memory and
threads (the import service does, so big imports stay small).

Only one process opens a vault at a time: :class:`storage.lock.VaultLock` (an OS lock
on ``vault.lock``) is taken before DuckDB sees the file. Holding it means whatever a
previous owner left in ``tmp/`` (DuckDB's spill files, encrypted under that owner's
session keys and useless to anyone) and in ``uploads/`` (API uploads that were never
imported) is garbage, so opening removes it; without that, DuckDB refuses to open a
vault whose owner was killed in the middle of a spill.
"""

from __future__ import annotations

import hmac
import importlib.util
import json
import secrets
import shutil
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import duckdb_engine
import sqlalchemy as sa

from storage import migrations
from storage.bounds import Bounds
from storage.errors import EncryptionUnavailable, VaultExists, VaultKeyError, VaultNotFound
from storage.keys import SCRYPT_N, KeyringStore, PassphraseStore, new_key, usable_keyring
from storage.lock import VaultLock
from storage.results import end_statement, one_row
from storage.schema import ROW_GROUP_ROWS

if TYPE_CHECKING:
    from storage.repos.assist import AssistStore
    from storage.repos.audit import AuditRepository
    from storage.repos.catalogue import CatalogueRepository
    from storage.repos.clinic import ClinicStore
    from storage.repos.clinical import ClinicalRepository
    from storage.repos.conversations import ConversationRepository
    from storage.repos.imports import ImportRepository
    from storage.repos.measurements import MeasurementRepository
    from storage.repos.records import RecordRepository
    from storage.repos.scheduling import SchedulingStore
    from storage.repos.settings import SettingsRepository
    from storage.repos.users import UserRepository

# DuckDB's binding tries `import pandas` for every statement with parameters (to know a
# DataFrame when it sees one). Without pandas installed, each try walks sys.path under
# the import lock: 1-3 ms a statement, serialized across threads. Recording once that
# there is no pandas makes those imports fail at once, as they would anyway.
if importlib.util.find_spec("pandas") is None:
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]


class CachingDialect(duckdb_engine.Dialect):
    """duckdb_engine's dialect with SQLAlchemy's compiled-statement cache on.

    duckdb_engine sets `supports_statement_cache = False` (never verified upstream), so
    every statement was compiled afresh: about a tenth of a clinic request's CPU. Its
    compiler adds no SQL that depends on a statement's values (it only names types and
    TRY_CAST), and the PostgreSQL compiler it inherits is cached everywhere else, so one
    compiled form per statement shape is correct here too."""

    supports_statement_cache = True


class ReadingDialect(CachingDialect):
    """The dialect of `Vault.reads`, whose connections only read: each statement runs on
    its own (DuckDB's autocommit), with no transaction around it.

    SQLAlchemy begins a transaction on a connection's first statement (duckdb_engine
    sends BEGIN) and rolls it back when the connection is closed and again when the pool
    takes it back (duckdb_engine swallows the error a second ROLLBACK raises): three
    statements more for a read of one: a read connection cost 1.1 ms, now 0.7 ms.
    A read of several statements may see a commit land between them; none of ours
    decides a write from that (writes read inside `Vault.write()`)."""

    supports_statement_cache = True

    def do_begin(self, dbapi_connection: Any) -> None:
        """No BEGIN: the statements autocommit."""

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Nothing began, so nothing is rolled back; but a statement a ``.first()`` left
        unread is ended, or it would hold its transaction while the connection idles in
        the pool (results.py)."""
        end_statement(dbapi_connection)


sa.dialects.registry.register("duckdb.cached", __name__, "CachingDialect")
sa.dialects.registry.register("duckdb.reading", __name__, "ReadingDialect")

DB_FILE = "vault.duckdb"
META_FILE = "vault.json"
SPILL_DIR = "tmp"  # DuckDB's temporary files
UPLOADS_DIR = "uploads"  # files received by the API on their way to an import


@dataclass(frozen=True)
class VaultInfo:
    """What `vault status` shows; nothing here is secret."""

    location: Path
    vault_id: str
    schema_version: int
    cipher: str
    key_storage: str
    row_counts: dict[str, int]


def httpfs_extension_path() -> Path:
    """The signed httpfs build shipped by the `duckdb-extension-httpfs` wheel."""
    try:
        import duckdb_extension_httpfs
    except ImportError as exc:
        raise EncryptionUnavailable(
            "the duckdb-extension-httpfs package is not installed; the vault cannot be "
            "written encrypted, so it is not opened"
        ) from exc
    root = Path(duckdb_extension_httpfs.__file__).parent
    wanted = root / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not wanted.exists():
        raise EncryptionUnavailable(
            f"no httpfs extension for DuckDB {duckdb.__version__} in {root}; install "
            f"duckdb-extension-httpfs=={duckdb.__version__}"
        )
    return wanted


def _connect(db_path: Path, key: bytes) -> duckdb.DuckDBPyConnection:
    root = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_unsigned_extensions": False,
            # The vault's queries are small: a patient's series, a clinic's day, a group
            # commit's claims. Parallel execution costs them more in handing work between
            # threads than it saves (on 2 cores: 25-50 % off the medical team's tool
            # queries at 1M rows, 15 % off a clinic request's CPU), and a bulk import runs
            # on one thread anyway (app settings, db_threads).
            "threads": 1,
        },
    )
    try:
        root.execute(f"LOAD '{httpfs_extension_path()}'")
    except duckdb.Error as exc:
        root.close()
        raise EncryptionUnavailable(f"cannot load DuckDB's encryption extension: {exc}") from exc
    try:
        root.execute(f"ATTACH '{db_path}' AS vault (ENCRYPTION_KEY '{key.hex()}', "
                     f"ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
    except duckdb.InvalidInputException as exc:
        root.close()
        if "encryption key" in str(exc).lower():
            raise VaultKeyError("wrong key for this vault") from None
        raise
    root.execute("USE vault")
    tmp = str(db_path.parent / SPILL_DIR).replace("'", "''")
    root.execute(f"SET temp_directory = '{tmp}'")
    root.execute("SET temp_file_encryption = true")
    return root


class Vault:
    """The facade: connection, cursors, SQLAlchemy engine and one repository per area."""

    def __init__(self, home: Path, root: duckdb.DuckDBPyConnection, meta: dict[str, Any],
                 lock: VaultLock, key: bytes):
        self.home = home
        # Seals (MACs) are keyed by the vault's key, which no table holds: a row edited
        # with SQL alone cannot be given a valid seal (storage/repos/audit.py).
        self._seal_key = hmac.digest(key, b"healthinsight/seal/v1", "sha256")
        self.meta = meta
        self._root = root
        self._owner_lock = lock
        self._local = threading.local()
        # Weak, so a finished thread's cursor goes with its thread-local storage.
        self._cursors: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._bounds = Bounds(root, self._lock)
        self._writer = threading.Lock()
        # Writes go through `engine` (`engine.begin()`, `write()`); reads through `reads`.
        self.engine = self._pooled("duckdb+cached:///:memory:")
        self.reads = self._pooled("duckdb+reading:///:memory:")
        migrations.apply(self)
        # The clinic's and scheduling's table watches listen on the engine. SQLAlchemy's
        # listener lists are deques that a dispatch iterates: one added while another
        # thread checks a connection in raises "deque mutated during iteration" there
        # (and that checkin never returns its connection to the pool). So they are made
        # now, before the engine is shared, not by the first thread to want them.
        _ = self.clinic, self.scheduling

    def _pooled(self, url: str) -> sa.Engine:
        """An engine on cursors of the vault; every connection checked out of it counts
        as a reader (storage/bounds.py), writers included: a write during an import is
        not held to the import's bound either."""
        engine = sa.create_engine(url, creator=self._sqlalchemy_connection,
                                  poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=24)
        sa.event.listen(engine, "checkout", self._reader_checkout)
        sa.event.listen(engine, "checkin", self._reader_checkin)
        return engine

    def _reader_checkout(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        """A checked-out connection is a reader (storage/bounds.py). The mark lives on the
        pool's record, so a checkin SQLAlchemy reports twice (invalidation, a failed
        reset) leaves once: a reader count that drifted below zero would put the next
        reader under an import's memory bound."""
        if not record.info.get("reader"):
            record.info["reader"] = True
            self._bounds.enter_reader()

    def _reader_checkin(self, _dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop("reader", False):
            self._bounds.leave_reader()

    # --- opening ---------------------------------------------------------

    @classmethod
    def create(cls, home: Path, *, passphrase: str | None = None,
               use_keyring: bool = True, scrypt_n: int | None = None) -> Vault:
        """A new vault in `home`. Keyring when a real one exists, else the passphrase."""
        home = Path(home)
        if (home / DB_FILE).exists() or (home / META_FILE).exists():
            raise VaultExists(f"{home} already holds a vault")
        home.mkdir(parents=True, exist_ok=True)
        lock = _take(home)
        meta = {"vault_id": "vlt_" + secrets.token_hex(8),
                "created_at": datetime.now(UTC).isoformat()}
        key = new_key()
        backend = usable_keyring() if use_keyring else None
        if backend is None and not passphrase:
            raise VaultKeyError(
                "no OS keyring is available: a passphrase is needed "
                "(set HEALTHINSIGHT_PASSPHRASE or answer the prompt)"
            )
        try:
            root = _connect(home / DB_FILE, key)  # fails before any key is stored
        except BaseException:
            lock.release(remove=True)
            raise
        try:
            if backend is not None:
                KeyringStore(meta["vault_id"], backend).save(key)
                meta["key_storage"] = "keyring"
            else:
                store = PassphraseStore(home / "vault.key", scrypt_n=scrypt_n or SCRYPT_N)
                store.save(key, passphrase or "")
                meta["key_storage"] = "passphrase"
            (home / META_FILE).write_text(json.dumps(meta, indent=2))
        except BaseException:
            root.close()
            for name in (DB_FILE, DB_FILE + ".wal", "vault.key", META_FILE):
                (home / name).unlink(missing_ok=True)
            lock.release(remove=True)
            raise
        return cls(home, root, meta, lock, key)

    @classmethod
    def open(cls, home: Path, *, passphrase: str | None = None) -> Vault:
        home = Path(home)
        meta = read_meta(home)
        key = unlock_key(home, meta, passphrase)
        lock = _take(home)
        try:
            vault = cls(home, _connect(home / DB_FILE, key), meta, lock, key)
        except BaseException:
            lock.release()
            raise
        # The vault is locked to this process: an import still `processing` was cut short.
        vault.imports.undo_interrupted()
        return vault

    @property
    def uploads_dir(self) -> Path:
        """Where the API keeps received files until their import ends (inside the vault's
        folder, 0700, emptied on every open: never the system's temporary folder)."""
        folder = self.home / UPLOADS_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder

    @property
    def key_storage(self) -> str:
        return str(self.meta["key_storage"])

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the same key: the database file is not touched."""
        if self.key_storage != "passphrase":
            raise VaultKeyError("this vault's key is in the OS keyring; it has no passphrase")
        if not new:
            raise VaultKeyError("the new passphrase is empty")
        store = PassphraseStore(self.home / "vault.key")
        store.save(store.load(old), new)

    @contextmanager
    def limit_resources(self, *, memory_limit: str | None = None, threads: int | None = None,
                        allocator_flush: str | None = None) -> Iterator[None]:
        """Bound DuckDB's memory (e.g. "48MB"; beyond it, it spills to encrypted temporary
        files or fails) and worker threads while the block runs, have its allocator
        return freed pages to the system whenever an eviction frees more than
        `allocator_flush` (jemalloc otherwise keeps about a second's worth, some 50 MB
        during a bulk import); then reset them. Readers running meanwhile do not get
        the memory and thread bounds, and DuckDB does not checkpoint by itself under a
        memory bound: the import checkpoints with :meth:`checkpoint` (storage/bounds.py)."""
        chosen = {"memory_limit": memory_limit, "threads": threads,
                  "allocator_bulk_deallocation_flush_threshold": allocator_flush}
        with self._bounds.bounded({k: str(v) for k, v in chosen.items() if v}):
            yield

    def widen_memory_bound(self, memory_limit: str) -> bool:
        """Raise the running import's memory bound to `memory_limit` for the rest of it
        (a chunk did not fit under it); False when no lower bound is held."""
        return self._bounds.widen_memory(memory_limit)

    def reading(self) -> AbstractContextManager[None]:
        """Mark a block of reads (a medical-team run): no import bound applies to it.
        SQLAlchemy connections are marked by themselves, on checkout."""
        return self._bounds.reading()

    def checkpoint(self) -> bool:
        """Write the write-ahead log into the database file now, if no other write is
        under way; otherwise DuckDB checkpoints on a later commit (or, during a bulk
        import, at the import's next checkpoint). It runs as a reader, without any import
        bound: a checkpoint that runs out of memory leaves the database unusable until it
        is reopened (storage/bounds.py)."""
        try:
            with self._bounds.reading():
                self.cursor().execute("CHECKPOINT")
        except duckdb.TransactionException:
            return False
        return True

    # --- connections -----------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the vault (created on first use)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._new_cursor()
            self._local.cursor = cur
        return cur

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            cur = self._root.cursor()
            self._cursors.add(cur)
        cur.execute("USE vault")
        return cur

    def _sqlalchemy_connection(self) -> duckdb_engine.ConnectionWrapper:
        return duckdb_engine.ConnectionWrapper(self._new_cursor())

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing on this thread's cursor: commit on success, roll back on error."""
        cur = self.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException:
            # a COMMIT that failed in the block (a bulk import commits chunk by chunk) has
            # ended the transaction already: the error raised is that one, not "no
            # transaction is active"
            with suppress(duckdb.TransactionException):
                cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """The vault's one writer for clinic data: a SQLAlchemy transaction that holds the
        writer lock until it commits (or rolls back). Reads that decide a write (the next
        medical record number, whether a slot is free) run inside it, so two requests
        never decide on the same state; constraints back it up. Never nest it."""
        with self._writer, self.engine.begin() as conn:
            yield conn

    def seal(self, message: str) -> str:
        """HMAC-SHA256 of `message` under a key derived from the vault's key (hex)."""
        return hmac.new(self._seal_key, message.encode(), "sha256").hexdigest()

    def close(self) -> None:
        if "measurements" in self.__dict__:  # a judgement being stored finishes first
            self.measurements.wait_idle()
        self.engine.dispose()
        self.reads.dispose()
        with self._lock:
            for cur in list(self._cursors):
                cur.close()
            self._root.execute("USE memory")
            self._root.execute("DETACH vault")
            self._root.close()
        self._owner_lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what it holds ---------------------------------------------------

    def info(self) -> VaultInfo:
        from storage.schema import metadata

        cur = self.cursor()
        cipher = one_row(cur.execute(
            "SELECT cipher FROM duckdb_databases() WHERE database_name = 'vault'"
        ))
        counts = {
            name: int(cur.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
            for name in sorted(metadata.tables)
        }
        return VaultInfo(
            location=self.home,
            vault_id=str(self.meta["vault_id"]),
            schema_version=migrations.current_version(self),
            cipher=str(cipher[0]) if cipher and cipher[0] else "none",
            key_storage=self.key_storage,
            row_counts=counts,
        )

    @cached_property
    def settings(self) -> SettingsRepository:
        from storage.repos.settings import SettingsRepository

        return SettingsRepository(self)

    @cached_property
    def records(self) -> RecordRepository:
        from storage.repos.records import RecordRepository

        return RecordRepository(self)

    @cached_property
    def measurements(self) -> MeasurementRepository:
        """The query manager for observations (flags, quality, series by measure)."""
        from storage.repos.measurements import MeasurementRepository

        return MeasurementRepository(self)

    @cached_property
    def clinical(self) -> ClinicalRepository:
        """Medications, conditions and patients as the analysis tools read them."""
        from storage.repos.clinical import ClinicalRepository

        return ClinicalRepository(self)

    @cached_property
    def imports(self) -> ImportRepository:
        from storage.repos.imports import ImportRepository

        return ImportRepository(self)

    @cached_property
    def conversations(self) -> ConversationRepository:
        from storage.repos.conversations import ConversationRepository

        return ConversationRepository(self)

    @cached_property
    def users(self) -> UserRepository:
        from storage.repos.users import UserRepository

        return UserRepository(self)

    @cached_property
    def catalogue(self) -> CatalogueRepository:
        from storage.repos.catalogue import CatalogueRepository

        return CatalogueRepository(self)

    @cached_property
    def audit(self) -> AuditRepository:
        from storage.repos.audit import AuditRepository

        return AuditRepository(self)

    @cached_property
    def clinic(self) -> ClinicStore:
        from storage.repos.clinic import ClinicStore

        return ClinicStore(self)

    @cached_property
    def scheduling(self) -> SchedulingStore:
        from storage.repos.scheduling import SchedulingStore

        return SchedulingStore(self.engine)

    @cached_property
    def assist(self) -> AssistStore:
        """The assistant's conversations and generated reports."""
        from storage.repos.assist import AssistStore

        return AssistStore()


def _take(home: Path) -> VaultLock:
    """Lock `home` to this process and clear what a previous owner left behind."""
    lock = VaultLock(home)
    lock.acquire()
    for name in (SPILL_DIR, UPLOADS_DIR):
        shutil.rmtree(home / name, ignore_errors=True)
    return lock


def exists(home: Path) -> bool:
    return (Path(home) / META_FILE).exists()


def read_meta(home: Path) -> dict[str, Any]:
    meta_path = Path(home) / META_FILE
    if not meta_path.exists() or not (Path(home) / DB_FILE).exists():
        raise VaultNotFound(f"no vault in {home} (create one with `healthinsight vault init`)")
    return dict(json.loads(meta_path.read_text()))


def unlock_key(home: Path, meta: dict[str, Any], passphrase: str | None) -> bytes:
    if meta.get("key_storage") == "keyring":
        backend = usable_keyring()
        if backend is None:
            raise VaultKeyError("this vault's key is in the OS keyring, which is not available")
        return KeyringStore(str(meta["vault_id"]), backend).load()
    if not passphrase:
        raise VaultKeyError("this vault needs its passphrase (HEALTHINSIGHT_PASSPHRASE)")
    return PassphraseStore(Path(home) / "vault.key").load(passphrase)
