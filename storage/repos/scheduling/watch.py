"""A number that changes whenever a write to some tables may have been committed, so a
cache of what those tables hold (an organization's zone and rules, a provider's hours,
closures) can tell it is stale without asking the database.

It listens on the engine: an INSERT, UPDATE or DELETE of a watched table (SQLAlchemy
Core, as every clinic write is) moves the number when it runs, and the connection that
ran it moves it again when it goes back to the pool, after its commit or rollback. A
reader that noted the number before loading and finds it unchanged after therefore
loaded data no later write can have superseded: a load that began before such a
commit is invalidated by the second move.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

MARK = "scheduling_watch_wrote"


class TableWatch:
    def __init__(self, engine: sa.Engine, tables: frozenset[str]) -> None:
        self._tables = tables
        self._lock = threading.Lock()
        self._generation = 0
        sa.event.listen(engine, "after_execute", self._executed)
        sa.event.listen(engine, "checkin", self._checked_in)

    @property
    def generation(self) -> int:
        return self._generation

    def _move(self) -> None:
        with self._lock:
            self._generation += 1

    def _executed(self, conn: sa.Connection, statement: Any, *_: Any) -> None:
        if isinstance(statement, sa.Insert | sa.Update | sa.Delete) and \
                statement.table.name in self._tables:  # type: ignore[union-attr]
            conn.info[MARK] = True  # the pool record's info: seen again at checkin
            self._move()

    def _checked_in(self, _dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop(MARK, False):
            self._move()
