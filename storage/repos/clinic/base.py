"""What the clinic repositories share: ids, clocks, rows as dicts, organization scoping.

Tenant isolation lives here, in the storage layer: every query of a clinic table goes
through `scoped(table, organization_id)`, so a row of another organization is simply not
found (the API answers 404 for it, exactly as for a missing one).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

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


def one(conn: sa.Connection, table: sa.Table, organization_id: str,
        **equal: Any) -> dict[str, Any] | None:
    """The row of `table` in the organization whose columns equal `equal`, if any."""
    query = scoped(table, organization_id).where(
        *(table.c[name] == value for name, value in equal.items()))
    return as_dict(conn.execute(query).first())


def by_id_or_user(conn: sa.Connection, table: sa.Table, organization_id: str,
                  key: str) -> dict[str, Any] | None:
    """A person's row by its own id, else by its user's id (the document calls the
    user's id the provider's: "user": {"id": "provider-uuid"})."""
    return (one(conn, table, organization_id, id=key)
            or one(conn, table, organization_id, user_id=key))


def count(conn: sa.Connection, table: sa.Table, organization_id: str) -> int:
    """How many rows of `table` the organization has."""
    query = sa.select(sa.func.count()).select_from(table).where(
        table.c.organization_id == organization_id)
    return int(conn.execute(query).scalar_one())


def search_in(query: sa.Select, table: sa.Table, text: str | None, *columns: str) -> sa.Select:
    """`query` narrowed to rows where any of `columns` holds `text` (any case)."""
    if not text:
        return query
    pattern = like(text)
    return query.where(sa.or_(*(sa.func.lower(table.c[name]).like(pattern, escape="\\")
                                for name in columns)))


class MemberRows:
    """What the providers' and the staff's repositories share: rows of people with a
    login in the organization, found by their own id or their user's, listed by name."""

    table: ClassVar[sa.Table]
    columns: ClassVar[tuple[str, ...]]  # what add and update may set
    prefix: ClassVar[str]  # of new ids
    searched: ClassVar[tuple[str, ...]]  # the columns a search looks in

    def add(self, conn: sa.Connection, *, organization_id: str,
            **values: Any) -> dict[str, Any]:
        row = {"id": new_id(self.prefix), "organization_id": organization_id,
               "created_at": now(), "updated_at": now(), **dict.fromkeys(self.columns),
               "is_active": True, **{k: v for k, v in values.items() if k in self.columns}}
        conn.execute(sa.insert(self.table).values(**row))
        return row

    def by_user(self, conn: sa.Connection, *, organization_id: str,
                user_id: str) -> dict[str, Any] | None:
        return one(conn, self.table, organization_id, user_id=user_id)

    def find(self, conn: sa.Connection, *, organization_id: str,
             key: str) -> dict[str, Any] | None:
        """By the row's own id or its user's."""
        return by_id_or_user(conn, self.table, organization_id, key)

    def update(self, conn: sa.Connection, *, organization_id: str, row_id: str,
               **values: Any) -> None:
        changes = {k: v for k, v in values.items() if k in self.columns}
        table = self.table
        conn.execute(sa.update(table).where(table.c.organization_id == organization_id,
                                            table.c.id == row_id)
                     .values(**changes, updated_at=now()))

    def list(self, conn: sa.Connection, *, organization_id: str, search: str | None = None,
             department: str | None = None, page: int = 1,
             limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        table = self.table
        query = search_in(scoped(table, organization_id), table, search, *self.searched)
        if department:
            query = query.where(table.c.department == department)
        return page_of(conn, query.order_by(table.c.name, table.c.id), page=page, limit=limit)

    def count(self, conn: sa.Connection, *, organization_id: str) -> int:
        return count(conn, self.table, organization_id)

    def department_counts(self, conn: sa.Connection, *, organization_id: str) -> dict[str, int]:
        """How many of these people each named department of the organization has."""
        table = self.table
        query = (sa.select(table.c.department, sa.func.count())
                 .where(table.c.organization_id == organization_id,
                        table.c.department.is_not(None))
                 .group_by(table.c.department))
        return {str(name): int(n) for name, n in conn.execute(query)}
