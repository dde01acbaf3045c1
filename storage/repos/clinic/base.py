"""What the clinic repositories share: ids, clocks, rows as dicts, organization scoping.

Tenant isolation lives here, in the storage layer: every query of a clinic table goes
through `scoped(table, organization_id)`, so a row of another organization is simply not
found (the API answers 404 for it, exactly as for a missing one).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def now() -> datetime:
    return datetime.now(UTC)


def as_dict(row: sa.Row | None) -> dict[str, Any] | None:
    return None if row is None else dict(row._mapping)


def as_dicts(rows: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in rows]


def scoped(table: sa.Table, organization_id: str) -> sa.Select:
    """SELECT * FROM table WHERE organization_id = :organization_id."""
    if not organization_id:
        raise ValueError("a clinic query needs an organization")
    return sa.select(table).where(table.c.organization_id == organization_id)


def page_of(conn: sa.Connection, query: sa.Select, *, page: int,
            limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of `query`'s rows and the total count of all its rows."""
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.limit(limit).offset((max(page, 1) - 1) * limit))
    return as_dicts(rows), int(total)


def like(text: str) -> str:
    """A case-insensitive LIKE pattern matching `text` anywhere, wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
