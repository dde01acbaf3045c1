"""An import's memory bound is its own: readers run at DuckDB's defaults meanwhile."""

from __future__ import annotations

import sqlalchemy as sa

from storage.errors import out_of_memory
from storage.vault import Vault

SETTINGS = "SELECT current_setting('memory_limit'), current_setting('threads')"


def test_readers_never_inherit_the_import_bound(vault: Vault) -> None:
    cur = vault.cursor()
    default = cur.execute(SETTINGS).fetchone()
    with vault.limit_resources(memory_limit="48MB", threads=1):
        bounded = cur.execute(SETTINGS).fetchone()
        with vault.engine.connect() as conn:  # every repository read checks one out
            in_reader = tuple(conn.execute(sa.text(SETTINGS)).one())
        with vault.reading():
            in_team_run = cur.execute(SETTINGS).fetchone()
        again = cur.execute(SETTINGS).fetchone()
    assert bounded != default and bounded is not None and bounded[1] == 1
    assert in_reader == default and in_team_run == default
    assert again == bounded  # the last reader left: the import's bound is back
    assert cur.execute(SETTINGS).fetchone() == default  # and gone after the import


def test_out_of_memory_is_recognised_through_sqlalchemy(vault: Vault) -> None:
    vault.cursor().execute("SET memory_limit = '2MB'")
    try:
        with vault.engine.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM (SELECT md5(i::VARCHAR) s "
                                 "FROM range(300000) t(i) ORDER BY s)")).scalar()
    except sa.exc.DBAPIError as exc:
        caught: BaseException = exc
    finally:
        vault.cursor().execute("RESET memory_limit")
    assert out_of_memory(caught)
    assert not out_of_memory(ValueError("no"))
