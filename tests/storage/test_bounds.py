"""An import's memory bound is its own: readers run at DuckDB's defaults meanwhile, and
the bound is gone when the import ends, in the limit DuckDB enforces and not only in
the setting it reports."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa

from storage.errors import out_of_memory
from storage.vault import Vault

SETTINGS = "SELECT current_setting('memory_limit'), current_setting('threads')"
# the limit DuckDB's buffer pool enforces (current_setting reads the configuration,
# which DuckDB 1.5's RESET changes without changing the buffer pool)
ENFORCED = "SELECT memory_limit FROM pragma_database_size() LIMIT 1"
# a list aggregate cannot spill: about 60 MB that must fit in memory at once
HEAVY = "SELECT len(list(i::VARCHAR || 'padding-padding-')) FROM range(1000000) t(i)"


def test_readers_never_inherit_the_import_bound(vault: Vault) -> None:
    cur = vault.cursor()
    default = cur.execute(SETTINGS).fetchone()
    with vault.limit_resources(memory_limit="48MB", threads=2):  # the vault's default is 1
        bounded = cur.execute(SETTINGS).fetchone()
        with vault.reads.connect() as conn:  # every repository read checks one out
            in_reader = tuple(conn.execute(sa.text(SETTINGS)).one())
        with vault.reading():
            in_team_run = cur.execute(SETTINGS).fetchone()
        again = cur.execute(SETTINGS).fetchone()
    assert bounded != default and bounded is not None and bounded[1] == 2
    assert in_reader == default and in_team_run == default
    assert again == bounded  # the last reader left: the import's bound is back
    assert cur.execute(SETTINGS).fetchone() == default  # and gone after the import


def test_a_bound_once_lifted_no_longer_limits_queries(vault: Vault) -> None:
    """Every change of reader count and the import's end give the default limit back in
    the buffer pool: a query needing more than the bound runs in a reader during the
    import and by anyone after it."""
    cur = vault.cursor()
    enforced = cur.execute(ENFORCED).fetchone()
    with vault.limit_resources(memory_limit="16MB"):
        with pytest.raises(duckdb.OutOfMemoryException):
            cur.execute(HEAVY).fetchone()  # the bound is real
        with vault.reads.connect() as conn:
            conn.execute(sa.text("SELECT 1")).one()  # a reader came and went
        with vault.reading():
            assert cur.execute(HEAVY).fetchone() == (1_000_000,)
    assert cur.execute(ENFORCED).fetchone() == enforced
    assert cur.execute(HEAVY).fetchone() == (1_000_000,)


def test_the_import_widens_its_own_bound_only(vault: Vault) -> None:
    """A chunk that did not fit raises the import's bound, which readers still do not
    get; with no lower bound held there is nothing to widen."""
    cur = vault.cursor()
    default = cur.execute(ENFORCED).fetchone()
    assert not vault.widen_memory_bound("256MB")
    with vault.limit_resources(memory_limit="16MB"):
        assert vault.widen_memory_bound("256MB")
        assert not vault.widen_memory_bound("128MB")
        assert cur.execute(ENFORCED).fetchone() == ("244.1 MiB",)
        with vault.reading():
            assert cur.execute(ENFORCED).fetchone() == default
    assert cur.execute(ENFORCED).fetchone() == default


def test_out_of_memory_is_recognised_through_sqlalchemy(vault: Vault) -> None:
    cur = vault.cursor()
    (default,) = cur.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
    cur.execute("SET memory_limit = '2MB'")  # below what any reader gets, on purpose
    try:
        with vault.reads.connect() as conn:
            conn.execute(sa.text(HEAVY)).scalar()
    except sa.exc.DBAPIError as exc:
        caught: BaseException = exc
    finally:
        cur.execute("SET memory_limit = ?", [default])  # never RESET (see ENFORCED)
    assert out_of_memory(caught)
    assert not out_of_memory(ValueError("no"))
