"""DuckDB's memory and thread bounds, held per operation.

DuckDB's settings are process-wide: a bulk import that bounds memory to keep its RSS
small would bound every reader running meanwhile too, and a burst of reads then fails
with out-of-memory at the import's limit. So a bound is a request held by one
operation (:meth:`Bounds.bounded`, the import), and readers are operations too
(:meth:`Bounds.reading`: every SQLAlchemy connection checkout and every medical-team
run). While any reader runs, memory and threads are DuckDB's defaults; when the last
reader leaves, the import's bound comes back; when the import ends, everything is
reset. The import may go past its bound while readers run: reads that work matter
more than a flat memory curve. Settings that do not touch readers (allocator flushing,
the checkpoint threshold) stay the import's for its whole run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

# bounds a reader must not inherit; the others stay the import's while it runs
READER_SENSITIVE = ("memory_limit", "threads")


class Bounds:
    def __init__(self, root: duckdb.DuckDBPyConnection, lock: threading.Lock) -> None:
        self._root = root
        self._root_lock = lock  # the vault's lock on its root connection
        self._state = threading.Lock()
        self._held: dict[str, str] = {}
        self._readers = 0
        self._applied: dict[str, str] = {}  # reader-sensitive values now set

    @contextmanager
    def bounded(self, values: dict[str, str]) -> Iterator[None]:
        """Hold `values` (DuckDB setting -> value) while the block runs; then reset them."""
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
                self._reset([n for n in names if n not in READER_SENSITIVE])

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
            if self._held:  # reset whatever is set now, not what the books say is set:
                self._reset([n for n in READER_SENSITIVE if n in self._held])
                self._applied = {}

    def leave_reader(self) -> None:
        with self._state:
            self._readers = max(0, self._readers - 1)
            if self._readers == 0 and self._held:
                self._settle()

    def _settle(self) -> None:
        """Make the reader-sensitive settings what the operations now running want."""
        wanted = ({} if self._readers else
                  {k: v for k, v in self._held.items() if k in READER_SENSITIVE})
        if wanted == self._applied:
            return
        gone = [name for name in self._applied if name not in wanted]
        self._reset(gone)
        self._applied = {}
        try:
            self._set(wanted)
        except duckdb.Error:  # e.g. more is in use than the bound allows right now: the
            self._reset(list(wanted))  # import runs unbounded until the next change
            return
        self._applied = wanted

    def _set(self, values: dict[str, str]) -> None:
        with self._root_lock:
            for name, value in values.items():
                self._root.execute(f"SET {name} = ?", [value])

    def _reset(self, names: list[str]) -> None:
        with self._root_lock:
            for name in names:
                self._root.execute(f"RESET {name}")
