"""The bulk writer: parsers hand it plain rows, it stages them and writes them once.

Rows are buffered as tuples, turned into an Arrow batch (arrow.py) per batch and inserted
by one ``INSERT ... SELECT`` per table that normalizes (units, ranges, flags: see sql.py),
hashes each record's content and skips hashes already in the vault (a join;
DuckDB's ART indexes would slow bulk appends) or seen earlier in the batch.

Memory stays flat however large the file: rows are staged in small batches, written
every ``WRITE_EVERY`` rows, and each write is committed (``chunked``), because DuckDB
keeps a transaction's uncommitted rows in memory. A file stays all or nothing
logically: every row and patient the writer creates carries the import's id and this
unit's token (``import_unit``), and pipeline.py deletes them if the unit fails.

Writes run on a thread of the writer's own, one chunk in flight while the parser reads
the next (DuckDB releases the GIL, so parsing and inserting overlap); :meth:`wait`
joins it and raises what it raised. Everything that touches the cursor waits first.

Patients are resolved in Python as they are declared: by any identifier, else by
name and birth date, else created. Parsers refer to them by a key of their choosing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any, Protocol

import duckdb

from storage.errors import IngestError, error_kind
from storage.ingest import sql
from storage.ingest.arrow import Fields, Table
from storage.ingest.tables import OBSERVATION_FIELDS, OBSERVATION_TYPES, TABLES, TableSpec
from storage.repos.readings_sql import judged_insert
from storage.schema import ROW_GROUP_ROWS

Progress = Callable[[int, int], None]  # (records read, bytes read)
DEFAULT_NAME = "Me"  # the person a file without names belongs to
CODE, UNIT, EFFECTIVE = (OBSERVATION_FIELDS.index(f)
                         for f in ("code", "original_unit", "effective"))


log = logging.getLogger(__name__)


class ChunkJudge(Protocol):
    """What judges an import's chunks as they are written (MeasurementRepository)."""

    def crowded(self, *, unit: str, rows: int, days: tuple[date, date] | None) -> bool:
        """Whether a chunk of `rows` observations over `days` has its conflicts judged
        after the unit's last chunk."""

    def judge_written(self, cur: duckdb.DuckDBPyConnection, unit: str, *, crowded: bool,
                      last: bool) -> None:
        """The neighbour-dependent part, in the chunk's transaction."""

    def progress(self) -> object:
        """What it has judged so far (taken before a chunk is written)."""

    def rewind(self, progress: object) -> None:
        """Back to `progress`: the chunk it judged did not commit and is written again."""


class Writer:
    """Staging for one import unit (a file, or a folder read as one)."""

    BATCH = 5_000  # rows per Arrow batch
    # Staged rows are written, and committed when chunked, once this many pile up; later
    # chunks de-duplicate against earlier ones. DuckDB's memory for the statement that
    # writes a chunk (its rows held uncommitted, the de-duplication, the table's blocks)
    # grows with the chunk: 10,000 rows fit the import's 48 MB limit (app settings),
    # which keeps a whole `healthinsight import` process under 200 MB of RSS (about
    # 115 MB of it is the process before it reads a record: modules, the vault).
    WRITE_EVERY = 10_000
    # A chunked unit checkpoints itself after as many chunks as fill one of the vault's
    # row groups (storage/schema.py): each checkpoint then writes close to full row
    # groups, which later checkpoints leave alone. DuckDB's own checkpoints, every 16 MB
    # of log, would cut row groups at other points, and the vault's next checkpoint would
    # rewrite every pair of them into one (a second or more per million rows, at close).
    CHECKPOINT_EVERY = ROW_GROUP_ROWS // WRITE_EVERY
    MEMORY_FALLBACK = "256MB"  # DuckDB's limit after a chunk did not fit a lower one
    COMMIT_ATTEMPTS = 3  # a chunk whose commit conflicts with another writer's is retried

    def __init__(self, cur: duckdb.DuckDBPyConnection, *, owner_id: str | None, import_id: str,
                 source: str, file_label: str, on_progress: Progress | None = None,
                 batch_size: int | None = None, unit: str = "", chunked: bool = False,
                 patient_id: str | None = None,
                 widen_memory: Callable[[str], bool] | None = None,
                 checkpoint: Callable[[], bool] | None = None,
                 judge: ChunkJudge | None = None) -> None:
        self.cur = cur
        # with it, the chunk's insert stores each row's own judgement (readings_sql.
        # judged_insert), and this decides, in the chunk's transaction, what depends on
        # neighbours (MeasurementRepository.judge_written), so reads never judge
        self._judge = judge
        # raises the import's memory bound (storage/bounds.py); False when none is lower
        self._widen_memory = widen_memory
        # the vault's checkpoint, which runs without the import's memory bound (a
        # checkpoint out of memory invalidates the database: storage/bounds.py)
        self._checkpoint = checkpoint
        # A clinic import names its patient: whoever a file declares is that person,
        # and no patient row is created (records then belong to that clinic only).
        self.target = patient_id
        self.owner_id = owner_id
        self.import_id = import_id
        self.unit = unit
        self.chunked = chunked
        self.committed = False  # whether a chunk of this unit is already committed
        self.source = source
        self.file_label = file_label
        self.position_label = "record"
        self.batch_size = batch_size or self.BATCH
        self.on_progress = on_progress
        self.obs_rows: list[tuple[Any, ...]] = []
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
        self.warnings: list[str] = []
        self.read = 0  # records handed to the writer (before de-duplication)
        self.bytes_done = 0  # parsers advance this as they read
        self._keys: dict[str, str] = {}
        self._by_ident: dict[str, str] = {}
        self._by_name: dict[tuple[str, str | None], str] = {}
        self._birth: dict[str, str | None] = {}
        self._load_patients()
        self._staged: dict[str, Table] = {}
        self._staged_rows = 0
        self._keys_of_chunk = sql.ChunkKeys()
        self.write_every = self.WRITE_EVERY
        self._adapters: dict[str, Callable[[str], str]] = {}
        self._commits = 0
        self._new_patients = False  # inserted since the last commit
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    # --- patients --------------------------------------------------------

    def _load_patients(self) -> None:
        rows = self.cur.execute(
            "SELECT id, identifier_system, identifier, name, birth_date, extra FROM patients "
            "WHERE owner_id IS NOT DISTINCT FROM ?", [self.owner_id]).fetchall()
        for pid, system, ident, name, birth, extra in rows:
            idents = json.loads(extra).get("identifiers", []) if extra else []
            if ident:
                idents.append(f"{system or ''}|{ident}")
            self._index(pid, idents, name, birth.isoformat() if birth else None)

    def _index(self, pid: str, idents: Iterable[str], name: str, birth: str | None) -> None:
        for ident in idents:
            self._by_ident.setdefault(ident, pid)
        self._by_name.setdefault((name.lower(), birth), pid)
        self._birth[pid] = birth

    def patient(self, key: str, *, name: str | None, birth_date: str | None = None,
                identifiers: Iterable[tuple[str, str]] = (), given: str | None = None,
                family: str | None = None, sex: str | None = None,
                deceased: bool | None = None, deceased_date: str | None = None) -> str:
        """Declare a patient under `key`; returns the vault's patient id (matched or new).

        `deceased`/`deceased_date` are Patient.deceased[x]: a file that says the person
        died marks the matched patient too (a later export knows more than an earlier)."""
        if self.target is not None:
            self._keys[key] = self.target
            return self.target
        idents = [f"{s or ''}|{v}" for s, v in identifiers if v]
        birth = birth_date[:10] if birth_date else None
        name = name or " ".join(p for p in (given, family) if p) or "Unnamed patient"
        pid = next((self._by_ident[i] for i in idents if i in self._by_ident), None)
        if pid is None:
            pid = self._by_name.get((name.lower(), birth)) if birth else None
        if pid is None:
            pid = "pat_" + secrets.token_hex(8)
            first = idents[0].split("|", 1) if idents else [None, None]
            self.wait()
            self.cur.execute(
                "INSERT INTO patients (id, owner_id, identifier_system, identifier, given_name, "
                "family_name, name, birth_date, sex, extra, import_id, import_unit, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, TRY_CAST(? AS DATE), ?, ?, ?, ?, ?)",
                [pid, self.owner_id, first[0] or None, first[1], given, family, name, birth, sex,
                 json.dumps({"identifiers": idents}), self.import_id, self.unit,
                 datetime.now(UTC)])
            self._new_patients = True
        if deceased is not None or deceased_date:
            self.wait()
            self.cur.execute(
                "UPDATE patients SET deceased = CASE WHEN ? THEN true ELSE coalesce(deceased, "
                "false) END, deceased_date = coalesce(TRY_CAST(? AS DATE), deceased_date) "
                "WHERE id = ?", [bool(deceased or deceased_date), _full_date(deceased_date), pid])
        self._index(pid, idents, name, birth)
        self._keys[key] = pid
        return pid

    def default_patient(self, key: str, *, birth_date: str | None = None,
                        sex: str | None = None) -> str:
        """The person a file without names belongs to (Apple Health, C-CDA fragments).

        The owner's only patient, else the only one with that birth date, else the "Me"
        an earlier such file made (so forty C-CDA fragments make one person), else a new "Me".
        """
        if self.target is not None:
            self._keys[key] = self.target
            return self.target
        pids = set(self._birth)
        if birth_date:
            same = {p for p, b in self._birth.items() if b == birth_date[:10]}
            pids = same or pids
        if len(pids) != 1:
            birth = birth_date[:10] if birth_date else None
            me = self._by_name.get((DEFAULT_NAME.lower(), birth))
            pids = {me} if me else pids
        if len(pids) == 1:
            self._keys[key] = pids.pop()
            return self._keys[key]
        return self.patient(key, name=DEFAULT_NAME, birth_date=birth_date, sex=sex)

    def use_patient(self, key: str, patient_id: str) -> None:
        """Rows under `key` go to an existing vault patient (a reading typed in by hand)."""
        self._keys[key] = patient_id

    def patient_id(self, key: str) -> str | None:
        return self._keys.get(key)

    def knows(self, key: str) -> bool:
        """Whether `key` names a declared patient or a vault patient's identifier."""
        return key in self._keys or key in self._by_ident

    # --- rows ------------------------------------------------------------

    def observation(self, pos: int, **fields: Any) -> None:
        self.obs_rows.append(tuple(fields.get(f) for f in OBSERVATION_FIELDS[:-1]) + (pos,))
        self.read += 1
        if len(self.obs_rows) >= self.batch_size:
            self.flush()
            self._maybe_write()

    def add(self, table: str, pos: int, **fields: Any) -> None:
        spec = TABLES[table]
        self.rows[table].append(tuple(fields.get(f) for f in spec.fields[:-1]) + (pos,))
        self.read += 1
        if len(self.rows[table]) >= self.batch_size:
            self.flush()
            self._maybe_write()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    # --- writing ---------------------------------------------------------

    def _patient_ids(self, keys: list[Any], positions: list[int]) -> list[str]:
        out = []
        for key, pos in zip(keys, positions, strict=True):
            pid = self._keys.get(key) or self._by_ident.get(key)
            if pid is None:
                raise IngestError(self.file_label, f"{self.position_label} {pos}",
                                  f"refers to patient {key!r}, which is neither in the file "
                                  "nor in the vault")
            out.append(pid)
        return out

    def _stage(self, name: str, fields: Fields, rows: list[tuple[Any, ...]]) -> None:
        columns = [list(c) for c in zip(*rows, strict=True)]
        columns[0] = self._patient_ids(columns[0], columns[-1])
        try:
            self._staged.setdefault(name, Table(fields)).append(columns)
        except (ValueError, TypeError) as exc:
            raise IngestError(self.file_label, self.position_label + "s",
                              f"a field has the wrong type ({exc})") from None
        if name == "observations":  # every value has its column's type by now
            self._keys_of_chunk.add(columns[CODE], columns[UNIT], columns[EFFECTIVE])
        self._staged_rows += len(rows)

    def flush(self) -> None:
        """Turn buffered rows into Arrow batches (compact; written by :meth:`write`)."""
        if self.obs_rows:
            self._stage("observations", OBSERVATION_TYPES, self.obs_rows)
            self.obs_rows = []
        for name, rows in self.rows.items():
            if rows:
                self._stage(name, TABLES[name].types, rows)
                self.rows[name] = []
        self.report()

    def stage_observations(self, name: str, table: Table, adapter: Callable[[str], str],
                           codes: list[str | None], unit_names: list[str | None],
                           times: list[str | None]) -> None:
        """Stage observations in a parser's own compact shape; ``adapter(registered name)``
        is SQL selecting them in the observation staging shape (see apple_records), whose
        code, original_unit and effective columns hold `codes`, `unit_names` and `times`."""
        self._keys_of_chunk.add(codes, unit_names, times)
        if name in self._staged:
            self._staged[name].extend(table)
        else:
            self._staged[name] = table
        self._adapters[name] = adapter
        self.read += table.num_rows
        self._staged_rows += table.num_rows
        self.report()
        self._maybe_write()

    def _maybe_write(self) -> None:
        if self._staged_rows >= self.write_every:
            self.write()

    def write(self, *, last: bool = False) -> None:
        """Hand everything staged to the writing thread (after the chunk before it);
        `last`: the unit's last chunk (see :meth:`finish`)."""
        self.flush()
        self.wait()
        if not self._staged and not (last and self._judge is not None):
            return
        staged, source, keys = self._staged, self.source, self._keys_of_chunk
        self._staged, self._staged_rows, self._keys_of_chunk = {}, 0, sql.ChunkKeys()
        crowded = self._judge is not None and self._judge.crowded(
            unit=self.unit, rows=keys.rows, days=keys.days())
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._pending = self._pool.submit(self._write_chunk, staged, dict(self._adapters), source,
                                          keys, crowded, last)

    def finish(self) -> None:
        """Write what is staged as the unit's last chunk, whose transaction also judges
        what depends on the whole unit (the 7-day rule, once per unit), and wait for it."""
        self.write(last=True)
        self.wait()

    def wait(self, *, quiet: bool = False) -> None:
        """Join the chunk in flight; raise its error unless `quiet` (already failing)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            if quiet:
                pending.exception()
            else:
                pending.result()

    def _write_chunk(self, staged: dict[str, Table], adapters: dict[str, Callable[[str], str]],
                     source: str, keys: sql.ChunkKeys, crowded: bool, last: bool) -> None:
        """Insert a chunk and commit it when chunked; patients declared before it are
        committed first, so that rolling the chunk back cannot take them along. DuckDB's
        concurrency is optimistic: a commit that conflicts with what another writer
        committed meanwhile (a row with the same primary key, say) fails and rolls
        the chunk back, which is then written again, up to ``COMMIT_ATTEMPTS`` times,
        rather than failing the user's import."""
        if self.chunked and self._new_patients:
            self.cur.execute("COMMIT")
            self.committed, self._new_patients = True, False
            self.cur.execute("BEGIN TRANSACTION")
        for attempt in range(1, self.COMMIT_ATTEMPTS + 1):
            progress = self._judge.progress() if self._judge is not None else None
            self._write_uncommitted(staged, adapters, source, keys, crowded, last)
            if not self.chunked:
                return
            try:
                self.cur.execute("COMMIT")
                break
            except duckdb.TransactionException as exc:
                with contextlib.suppress(duckdb.Error):  # DuckDB may have ended it already
                    self.cur.execute("ROLLBACK")
                self.cur.execute("BEGIN TRANSACTION")  # for a retry, or the unit's rollback
                if attempt == self.COMMIT_ATTEMPTS:
                    raise
                # the kind only: a message may quote records
                log.warning("a chunk's commit failed (%s); writing it again", error_kind(exc))
                if self._judge is not None:
                    self._judge.rewind(progress)
        self.committed = True
        self._commits += 1
        if self._checkpoint is not None and self._commits % self.CHECKPOINT_EVERY == 0:
            self._checkpoint()  # skipped while another connection writes: DuckDB
            # refuses then, and the import's next checkpoint writes both
        self.cur.execute("BEGIN TRANSACTION")

    def _write_uncommitted(self, staged: dict[str, Table],
                           adapters: dict[str, Callable[[str], str]], source: str,
                           keys: sql.ChunkKeys, crowded: bool, last: bool) -> None:
        """A chunk's insert and judgement in the open transaction. A chunk that does not
        fit the import's memory bound (DuckDB needs more for unusually wide rows) is
        rolled back and written again with ``MEMORY_FALLBACK``, for the rest of the
        import, rather than failing the file."""
        try:
            self._insert_chunk(staged, adapters, source, keys)
            self._judge_chunk(crowded, last)
        except duckdb.OutOfMemoryException:
            if not self.chunked or self._widen_memory is None:
                raise
            self.cur.execute("ROLLBACK")
            # through the import's bound, never a SET of its own: readers running meanwhile
            # must keep DuckDB's default limit
            if not self._widen_memory(self.MEMORY_FALLBACK):
                self.cur.execute("BEGIN TRANSACTION")  # the unit's own rollback follows
                raise
            self.cur.execute("BEGIN TRANSACTION")
            self._insert_chunk(staged, adapters, source, keys)
            self._judge_chunk(crowded, last)

    def _insert_chunk(self, staged: dict[str, Table], adapters: dict[str, Callable[[str], str]],
                      source: str, keys: sql.ChunkKeys) -> None:
        """Normalize, de-duplicate and insert a chunk, one statement per table."""
        self.cur.register("hi_norm", sql.normalization(keys.pairs))
        window = keys.window()
        try:
            for name, table in sorted(staged.items()):
                stage = sql.stage(name)
                self.cur.register(stage, table)
                try:
                    adapter = adapters.get(name)
                    if adapter is not None:
                        stage = f"({adapter(stage)})"
                    self._insert(TABLES.get(name), stage, source, window)
                finally:
                    self.cur.unregister(sql.stage(name))
        finally:
            self.cur.unregister("hi_norm")

    def _judge_chunk(self, crowded: bool, last: bool) -> None:
        """The one place imports judge what they wrote (before the chunk commits)."""
        if self._judge is not None:
            self._judge.judge_written(self.cur, self.unit, crowded=crowded, last=last)

    def _insert(self, spec: TableSpec | None, stage: str, source: str,
                window: tuple[int, int] | None) -> None:
        """One table's insert (observations when `spec` is None); with a judge, the
        observations' insert stores each row's own judgement in the insert itself."""
        if spec is None:
            judged = None if self._judge is None else judged_insert
            statement = sql.observations_insert(stage, source, self.import_id, self.unit,
                                                window, judged=judged)
        else:
            statement = sql.generic_insert(spec, stage, source, self.import_id, self.unit)
        try:
            self.cur.execute(statement)
        except duckdb.Error as exc:
            self._bad_time(exc)
            raise

    def _bad_time(self, exc: duckdb.Error) -> None:
        """Name the position and value of a time the statement could not read."""
        found = re.search(sql.BAD_TIME + r"\|(\d+)\|(\w+)\|(.*)", str(exc))
        if found is not None:
            pos, field, value = found.groups()
            raise IngestError(self.file_label, f"{self.position_label} {pos}",
                              f"{field} is not a date or time: {value.strip()!r}") from None

    def report(self) -> None:
        if self.on_progress:
            self.on_progress(self.read, self.bytes_done)

    def close(self) -> None:
        self.wait(quiet=True)
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _full_date(value: str | None) -> str | None:
    """An ISO date or date-time of any precision as a day: "1967" -> "1967-01-01" (FHIR
    and HL7 allow a year or a month alone)."""
    if not value:
        return None
    day = value[:10]
    return day + "-01-01" if len(day) == 4 else day + "-01" if len(day) == 7 else day
