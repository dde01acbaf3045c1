"""Reading a statement's rows so that the statement ends.

DuckDB's ``fetchone`` leaves its statement open, and the cursor's transaction with it,
until that cursor runs its next statement (DuckDB 1.5, even for a result of one row).
An idle cursor then holds back every checkpoint ("other write transactions active")
and keeps the old version of every row updated after it in memory (judging a 1M-row
import in 20 statements grew to 1.9 GB that way, after one settings lookup). So
the vault's code never calls ``fetchone`` on a cursor: :func:`one_row` reads a single
row to the end, and a SQLAlchemy read connection ends what a ``.first()`` left unread
when it goes back to the pool (:func:`end_statement`, vault.ReadingDialect).
"""

from __future__ import annotations

from typing import Any

import duckdb

# What is left of an unread statement is read to its end when it is at most this many
# rows (a `.first()` of a lookup); a longer one is rolled back instead.
UNREAD_ROWS = 64


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The only row of a statement that returns at most one (None: none), read to its
    end."""
    rows = result.fetchall()
    return rows[0] if rows else None


def end_statement(cur: Any) -> None:
    """End the statement `cur` (a DuckDB cursor, or duckdb_engine's wrapper of one) ran
    last, if it was left partly read: read the rest when it is short, else roll it back
    (in autocommit DuckDB then says no transaction is active, but the statement is
    ended all the same)."""
    try:
        if len(cur.fetchmany(UNREAD_ROWS)) < UNREAD_ROWS:
            return
    except duckdb.InvalidInputException:  # no statement open
        return
    try:
        cur.rollback()
    except duckdb.TransactionException:
        pass
