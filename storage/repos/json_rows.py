"""Many rows as one statement parameter: a JSON list of objects, read back into typed
columns by DuckDB's from_json.

DuckDB binds a Python list parameter element by element, a fraction of a millisecond
for each list: a statement taking eleven of them (a group commit's claims, one list
per field) spent more than half of its 9 ms binding them. One JSON text binds at once,
and the statement is the same for any number of rows, so SQLAlchemy compiles it once.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

# SQLAlchemy types (subclasses included, so BIGINT before INTEGER) as from_json names
# them. A JSON column's value travels as its text, serialized as SQLAlchemy would bind
# it, so what is stored is the same text as a row inserted with bound parameters.
_DUCKDB_TYPES: dict[type[sa.types.TypeEngine[Any]], str] = {
    sa.JSON: "VARCHAR", sa.String: "VARCHAR", sa.BigInteger: "BIGINT",
    sa.Integer: "INTEGER", sa.Boolean: "BOOLEAN", sa.DateTime: "TIMESTAMPTZ"}


def _duckdb_type(type_: sa.types.TypeEngine[Any]) -> str:
    for kind, name in _DUCKDB_TYPES.items():
        if isinstance(type_, kind):
            return name
    raise TypeError(f"no JSON reading for {type_!r}")


def rows_table(parameter: str, columns: dict[str, sa.types.TypeEngine[Any]]
               ) -> sa.TextualSelect:
    """SELECT the rows of the JSON bound as `parameter`, one column per entry."""
    shape = json.dumps([{name: _duckdb_type(type_) for name, type_ in columns.items()}],
                       separators=(",", ":")).replace(":", r"\:")  # a colon, not a bind
    return sa.text(f"SELECT unnest(from_json(:{parameter}, '{shape}'), recursive := true)"
                   ).columns(*[sa.column(name, type_) for name, type_ in columns.items()])


def json_rows(rows: list[dict[str, Any]], table: sa.Table | None = None) -> str:
    """The parameter for `rows_table`: times in ISO 8601 with their zone, and the values
    of `table`'s JSON columns as their text."""
    texts = [] if table is None else [c.name for c in table.columns
                                      if isinstance(c.type, sa.JSON)]
    if texts:
        rows = [{**row, **{name: json.dumps(row[name]) for name in texts if name in row}}
                for row in rows]
    return json.dumps(rows, default=_time)


@cache
def insert_from_json(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """INSERT INTO `table` (`columns`) the rows given as JSON in parameter `rows`: one
    statement and one parameter for any number of rows."""
    rows = rows_table("rows", {name: table.c[name].type for name in columns}).subquery()
    return sa.insert(table).from_select(list(columns), sa.select(*[rows.c[name]
                                                                    for name in columns]))


def _time(value: Any) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"not JSON: {type(value).__name__}")
    if value.tzinfo is None:  # a naive time would be read in the session's zone
        raise ValueError("a time without a zone")
    return value.isoformat()
