"""DuckDB's memory and thread bounds, held per operation.

DuckDB's settings are process-wide: a bulk import that bounds memory to keep its RSS
small would bound every reader running meanwhile too, and a burst of reads then fails
with out-of-memory at the import's limit. So a bound is a request held by one
operation (:meth:`Bounds.bounded`, the import), and readers are operations too
(:meth:`Bounds.reading`: every SQLAlchemy connection checkout and every medical-team
run). While any reader runs, memory and threads are DuckDB's defaults; when the last
reader leaves, the import's bound comes back; when the import ends, everything is
restored. The import may go past its bound while readers run: reads that work matter
more than a flat memory curve. Settings that do not touch readers (allocator flushing)
stay the import's for its whole run.

No checkpoint ever runs under a memory bound: DuckDB invalidates a database whose
checkpoint runs out of memory (every later statement fails until it is reopened), and
the log of a day's small commits, with the unique indexes they grew, can need more than
an import's bound to write out. So while a memory bound is held DuckDB does not
checkpoint by itself at a commit (`NO_AUTOMATIC_CHECKPOINT`), and whoever checkpoints
does it as a reader (Vault.checkpoint).

A bound is undone by setting the value the setting had when the vault opened, never
by ``RESET``: DuckDB (1.5) resets ``memory_limit``'s configured value on ``RESET`` but
leaves its buffer pool at the lower limit, so ``current_setting`` then reads 18.8 GiB
while every query still fails past the import's bound (``pragma_database_size()``
shows the limit the buffer pool enforces). DuckDB shows sizes rounded ("18.8 GiB" sets
a little less than the default it stands for), so opening sets each boundable setting
to the value it shows once; restoring that same text then gives the same limit again.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from storage.results import one_row

# bounds a reader must not inherit; the others stay the import's while it runs
READER_SENSITIVE = ("memory_limit", "threads")
BOUNDABLE = READER_SENSITIVE + ("allocator_bulk_deallocation_flush_threshold",
                                "checkpoint_threshold")
# held with every memory bound: a log DuckDB never reaches (its largest unit is the TB)
NO_AUTOMATIC_CHECKPOINT = {"checkpoint_threshold": "1000TB"}


def size_bytes(size: str) -> int:
    """A size as DuckDB spells it (``45.7 MiB``, ``1.8 GiB``) or as set (``256MB``, which
    DuckDB reads in powers of 1000)."""
    found = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(i?)B\s*", size)
    if found is None:
        raise ValueError(f"not a size: {size!r}")
    base = 1024 if found[3] else 1000
    return int(float(found[1]) * base ** " KMGT".index(found[2] or " "))


class Bounds:
    def __init__(self, root: duckdb.DuckDBPyConnection, lock: threading.Lock) -> None:
        self._root = root
        self._root_lock = lock  # the vault's lock on its root connection
        self._state = threading.Lock()
        self._held: dict[str, str] = {}
        self._readers = 0
        self._applied: dict[str, str] = {}  # reader-sensitive values now set
        self._defaults: dict[str, str] = {}  # what each setting is restored to
        with lock:
            for name in BOUNDABLE:
                row = one_row(root.execute("SELECT current_setting(?)", [name]))
                assert row is not None
                self._defaults[name] = str(row[0])
                root.execute(f"SET {name} = ?", [self._defaults[name]])

    @contextmanager
    def bounded(self, values: dict[str, str]) -> Iterator[None]:
        """Hold `values` (DuckDB setting -> value) while the block runs; then restore them."""
        unknown = set(values) - set(BOUNDABLE)
        if unknown:
            raise ValueError(f"not a boundable DuckDB setting: {sorted(unknown)}")
        if "memory_limit" in values:
            values = {**values, **NO_AUTOMATIC_CHECKPOINT}
        with self._state:
            self._held = dict(values)
            self._set({k: v for k, v in values.items() if k not in READER_SENSITIVE})
            self._settle()
        try:
            yield
        finally:
            with self._state:
                names = list(self._held)
                self._held = {}
                self._settle()
                self._restore([n for n in names if n not in READER_SENSITIVE])

    def widen_memory(self, value: str) -> bool:
        """Raise the held memory bound to `value` for the rest of the operation (a chunk
        did not fit under it); False when no lower memory bound is held, so running
        out of memory had another cause."""
        with self._state:
            held = self._held.get("memory_limit")
            if held is None or size_bytes(held) >= size_bytes(value):
                return False
            self._held["memory_limit"] = value
            self._settle()
            return True

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A reader runs in the block: no import bound applies meanwhile."""
        self.enter_reader()
        try:
            yield
        finally:
            self.leave_reader()

    def enter_reader(self) -> None:
        with self._state:
            self._readers += 1
            self._settle()

    def leave_reader(self) -> None:
        with self._state:
            self._readers = max(0, self._readers - 1)
            self._settle()

    def _settle(self) -> None:
        """Make the reader-sensitive settings what the operations now running want."""
        wanted = ({} if self._readers else
                  {k: v for k, v in self._held.items() if k in READER_SENSITIVE})
        if wanted == self._applied:
            return
        self._restore([name for name in self._applied if name not in wanted])
        self._applied = {}
        try:
            self._set(wanted)
        except duckdb.Error:  # e.g. more is in use than the bound allows right now: the
            self._restore(list(wanted))  # import runs unbounded until the next change
            return
        self._applied = wanted

    def _set(self, values: dict[str, str]) -> None:
        with self._root_lock:
            for name, value in values.items():
                self._root.execute(f"SET {name} = ?", [value])

    def _restore(self, names: list[str]) -> None:
        with self._root_lock:
            for name in names:
                self._root.execute(f"SET {name} = ?", [self._defaults[name]])
