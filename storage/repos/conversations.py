"""Conversations, their queries, each query's specialist results, and the charts.

Owner-scoped: every read filters with ``owner_id IS NOT DISTINCT FROM :owner`` (None is
the vault's local owner), so another owner's row is simply not found. Specialist results
hang off a query and are read only through a query the owner can see.

Reads are cached. DuckDB is an analytics engine: a point lookup costs about a
millisecond, which would cap the API at a few hundred requests a second. The vault is
open in one process only (DuckDB locks the file), and every write to these tables goes
through this repository, so clearing the cache on each write keeps it exact. Cached
rows are shared: callers must not mutate what they get.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from storage.schema import conversations, queries, specialist_results, visualizations

if TYPE_CHECKING:
    from storage.vault import Vault

SORTS = {"date": conversations.c.updated_at, "title": conversations.c.title}


def _owner(column: sa.Column[Any], owner_id: str | None) -> sa.ColumnElement[bool]:
    return column.is_not_distinct_from(owner_id)


def _now() -> datetime:
    return datetime.now(UTC)


QUERY_FIELDS = {"status", "complexity", "urgent", "engine", "result", "error", "completed_at"}


def _query_update(query_id: str, values: dict[str, Any]) -> sa.Update:
    unknown = set(values) - QUERY_FIELDS
    if unknown:
        raise ValueError(f"cannot update query fields {sorted(unknown)}")
    return sa.update(queries).where(queries.c.id == query_id).values(**values)


T = TypeVar("T")


class _ReadCache:
    """A small LRU of read results, emptied whenever the repository writes."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._generation = 0

    def get(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[no-any-return]
            generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation:  # no write happened while loading
                self._items[key] = value
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._items.clear()


class ConversationRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._cache = _ReadCache()

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction; the cache is emptied once it has ended, and a read that
        overlapped it is not kept (see _ReadCache's generation)."""
        try:
            with self._vault.engine.begin() as conn:
                yield conn
        finally:
            self._cache.clear()

    # --- conversations ---------------------------------------------------

    def create_conversation(self, *, conversation_id: str, owner_id: str | None, title: str,
                            patient_id: str | None = None) -> dict[str, Any]:
        now = _now()
        row = {"id": conversation_id, "owner_id": owner_id, "patient_id": patient_id,
               "title": title, "created_at": now, "updated_at": now}
        with self._write() as conn:
            conn.execute(sa.insert(conversations).values(**row))
        return row

    def get_conversation(self, *, conversation_id: str, owner_id: str | None
                         ) -> dict[str, Any] | None:
        return self._first(("conversation", conversation_id, owner_id), lambda: sa.select(
            conversations).where(conversations.c.id == conversation_id,
                                 _owner(conversations.c.owner_id, owner_id)))

    def list_conversations(self, *, owner_id: str | None, page: int = 1, limit: int = 20,
                           sort_by: str = "date", order: str = "desc",
                           search: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """One page of conversations with query_count and last_query, and the total;
        with `search`, only those whose title or a question contains it (any case, its
        `%` and `_` literal)."""

        def load() -> tuple[list[dict[str, Any]], int]:
            column = SORTS.get(sort_by, conversations.c.updated_at)
            ordering = column.asc() if order == "asc" else column.desc()
            counts = (sa.select(queries.c.conversation_id, sa.func.count().label("query_count"))
                      .group_by(queries.c.conversation_id).subquery())
            last = (sa.select(queries.c.conversation_id, queries.c.query,
                              sa.func.row_number().over(partition_by=queries.c.conversation_id,
                                                        order_by=queries.c.started_at.desc())
                              .label("rn")).subquery())
            where = _owner(conversations.c.owner_id, owner_id)
            if search:
                pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%") \
                    .replace("_", "\\_") + "%"
                asked = sa.select(queries.c.id).where(
                    queries.c.conversation_id == conversations.c.id,
                    queries.c.query.ilike(pattern, escape="\\"))
                where = sa.and_(where, sa.or_(conversations.c.title.ilike(pattern, escape="\\"),
                                              asked.exists()))
            stmt = (sa.select(conversations, sa.func.coalesce(counts.c.query_count, 0)
                              .label("query_count"), last.c.query.label("last_query"))
                    .outerjoin(counts, counts.c.conversation_id == conversations.c.id)
                    .outerjoin(last, sa.and_(last.c.conversation_id == conversations.c.id,
                                             last.c.rn == 1))
                    .where(where).order_by(ordering, conversations.c.id)
                    .limit(limit).offset((page - 1) * limit))
            total = sa.select(sa.func.count()).select_from(conversations).where(where)
            with self._vault.reads.connect() as conn:
                rows = [dict(r) for r in conn.execute(stmt).mappings()]
                return rows, int(conn.execute(total).scalar_one())

        return self._cache.get(("conversations", owner_id, page, limit, sort_by, order, search),
                               load)

    def rename_conversation(self, *, conversation_id: str, owner_id: str | None,
                            title: str) -> bool:
        """False when the owner has no such conversation."""
        with self._write() as conn:
            done = conn.execute(sa.update(conversations).where(
                conversations.c.id == conversation_id,
                _owner(conversations.c.owner_id, owner_id)).values(title=title))
        return bool(done.rowcount)

    def delete_conversation(self, *, conversation_id: str, owner_id: str | None) -> bool:
        """The conversation, its queries, their specialist results and charts, in one
        transaction; False when the owner has no such conversation."""
        with self._write() as conn:
            found = conn.execute(sa.select(conversations.c.id).where(
                conversations.c.id == conversation_id,
                _owner(conversations.c.owner_id, owner_id))).first()
            if found is None:
                return False
            ids = sa.select(queries.c.id).where(queries.c.conversation_id == conversation_id)
            conn.execute(sa.delete(specialist_results).where(
                specialist_results.c.query_id.in_(ids)))
            conn.execute(sa.delete(visualizations).where(visualizations.c.query_id.in_(ids)))
            conn.execute(sa.delete(queries).where(queries.c.conversation_id == conversation_id))
            conn.execute(sa.delete(conversations).where(conversations.c.id == conversation_id))
        return True

    # --- queries ---------------------------------------------------------

    def add_query(self, *, query_id: str, owner_id: str | None, conversation_id: str,
                  patient_id: str | None, query: str, complexity: str | None,
                  urgent: bool, engine: str | None, new_conversation_title: str | None = None
                  ) -> None:
        """Record a question; with `new_conversation_title`, its conversation is created in
        the same transaction."""
        now = _now()
        with self._write() as conn:
            if new_conversation_title is not None:
                conn.execute(sa.insert(conversations).values(
                    id=conversation_id, owner_id=owner_id, patient_id=patient_id,
                    title=new_conversation_title, created_at=now, updated_at=now))
            conn.execute(sa.insert(queries).values(
                id=query_id, owner_id=owner_id, conversation_id=conversation_id,
                patient_id=patient_id, query=query, status="processing", complexity=complexity,
                urgent=urgent, engine=engine, started_at=now))
            conn.execute(sa.update(conversations).where(conversations.c.id == conversation_id)
                         .values(updated_at=now))

    def queries_since(self, *, owner_id: str | None, since: datetime
                      ) -> tuple[int, datetime | None]:
        """(how many questions the owner asked since `since`, when the oldest of them was
        asked): the query budget is counted from the stored questions themselves, so it
        holds across restarts and counts only questions that were accepted."""
        query = (sa.select(sa.func.count(), sa.func.min(queries.c.started_at))
                 .where(queries.c.owner_id.is_not_distinct_from(owner_id),
                        queries.c.started_at >= since))
        with self._vault.reads.connect() as conn:
            count, oldest = conn.execute(query).one()
        return int(count), oldest

    def update_query(self, *, query_id: str, **values: Any) -> None:
        """Set status, complexity, urgent, engine, result, error or completed_at."""
        with self._write() as conn:
            conn.execute(_query_update(query_id, values))

    def complete_query(self, *, query_id: str, owner_id: str | None,
                       results: list[dict[str, Any]], visualization: dict[str, Any] | None,
                       **values: Any) -> None:
        """Store an answer in one transaction: specialist results, the chart (keys of
        the visualizations table: viz_id, type, component, figure, data_points) and the
        query's final fields."""
        now = _now()
        with self._write() as conn:
            if results:
                conn.execute(sa.insert(specialist_results), [
                    {"id": f"spr_{query_id.removeprefix('qry_')}_{i}", "query_id": query_id,
                     "created_at": now, **r} for i, r in enumerate(results)])
            if visualization is not None:
                viz = dict(visualization)
                conn.execute(sa.insert(visualizations).values(
                    id=viz.pop("viz_id"), owner_id=owner_id, query_id=query_id,
                    created_at=now, **viz))
            conn.execute(_query_update(query_id, values))

    def get_query(self, *, query_id: str, owner_id: str | None) -> dict[str, Any] | None:
        return self._first(("query", query_id, owner_id), lambda: sa.select(queries).where(
            queries.c.id == query_id, _owner(queries.c.owner_id, owner_id)))

    def list_queries(self, *, conversation_id: str, owner_id: str | None) -> list[dict[str, Any]]:
        return self._all(("queries", conversation_id, owner_id), lambda: sa.select(queries).where(
            queries.c.conversation_id == conversation_id,
            _owner(queries.c.owner_id, owner_id)).order_by(queries.c.started_at, queries.c.id))

    # --- specialist results and charts -----------------------------------

    def specialist_results(self, *, query_id: str, owner_id: str | None) -> list[dict[str, Any]]:
        def make() -> sa.Select[Any]:
            visible = sa.select(queries.c.id).where(queries.c.id == query_id,
                                                    _owner(queries.c.owner_id, owner_id))
            return (sa.select(specialist_results)
                    .where(specialist_results.c.query_id.in_(visible))
                    .order_by(specialist_results.c.id))

        return self._all(("specialist_results", query_id, owner_id), make)

    def get_visualization(self, *, viz_id: str, owner_id: str | None) -> dict[str, Any] | None:
        return self._first(("visualization", viz_id, owner_id), lambda: sa.select(
            visualizations).where(visualizations.c.id == viz_id,
                                  _owner(visualizations.c.owner_id, owner_id)))

    # --- reading through the cache ---------------------------------------

    def _first(self, key: tuple[Any, ...], make: Callable[[], sa.Select[Any]]
               ) -> dict[str, Any] | None:
        """The first row of the statement `make` builds (only on a cache miss)."""

        def load() -> dict[str, Any] | None:
            with self._vault.reads.connect() as conn:
                row = conn.execute(make()).mappings().first()
            return dict(row) if row else None

        return self._cache.get(key, load)

    def _all(self, key: tuple[Any, ...], make: Callable[[], sa.Select[Any]]
             ) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            with self._vault.reads.connect() as conn:
                return [dict(r) for r in conn.execute(make()).mappings()]

        return self._cache.get(key, load)


