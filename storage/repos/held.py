"""What a repository keeps for the transaction of a connection until it commits: rows to
write in one statement just before the commit, counters moved in memory, answers given
for the transaction's state. Kept on the connection's info with the transaction it
belongs to, so what a rolled-back or finished transaction left is never taken for the
next one's (the transaction object stays alive while it is referenced there, so no later
transaction can be mistaken for it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

T = TypeVar("T")


def held(conn: sa.Connection, key: str, empty: Callable[[], T]) -> T:
    """What `conn`'s current transaction keeps under `key` (`empty()` at first)."""
    transaction = conn.get_transaction()
    if transaction is None:  # the info outlives checkouts: nothing may be kept unowned
        raise ValueError("only a transaction keeps anything for its commit")
    found = conn.info.get(key)
    if found is None or found[0] is not transaction:
        found = conn.info[key] = (transaction, empty())
    value: T = found[1]
    return value


def release(conn: sa.Connection, key: str) -> Any:
    """What `conn`'s current transaction kept under `key`, forgotten now (None if
    nothing, or only an earlier transaction's)."""
    found = conn.info.pop(key, None)
    if found is None or found[0] is not conn.get_transaction():
        return None
    return found[1]


def peek(conn: sa.Connection, key: str) -> Any:
    """What `conn`'s current transaction keeps under `key`, if it is in one and keeps
    anything there (None otherwise); nothing is made."""
    found = conn.info.get(key)
    transaction = conn.get_transaction()
    if found is None or transaction is None or found[0] is not transaction:
        return None
    return found[1]
