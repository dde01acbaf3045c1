"""Reads run each statement on its own (`Vault.reads`): no transaction is begun around
them, so none holds an old snapshot, and a write still commits all or nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage.vault import Vault

COUNT = sa.text("SELECT count(*) FROM settings WHERE key LIKE 'test.reads.%'")
ADD = sa.text("INSERT INTO settings (key, value) VALUES (:key, '1')")


def test_each_statement_of_a_read_sees_what_committed_before_it(vault: Vault) -> None:
    with vault.reads.connect() as conn:
        before = conn.execute(COUNT).scalar_one()
        with vault.engine.begin() as writer:
            writer.execute(ADD, {"key": "test.reads.one"})
        after = conn.execute(COUNT).scalar_one()  # a transaction begun earlier: before
    assert (before, after) == (0, 1)


def test_a_write_that_fails_still_leaves_nothing(vault: Vault) -> None:
    with pytest.raises(RuntimeError), vault.engine.begin() as writer:
        writer.execute(ADD, {"key": "test.reads.two"})
        raise RuntimeError("the write fails after its first statement")
    with vault.reads.connect() as conn:
        assert conn.execute(COUNT).scalar_one() == 0
