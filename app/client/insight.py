"""The insight API's resources (/v1 and /ws) for the sync and the async client.

Each method is one line over an operation in ops.py, so both clients stay in step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Literal

from app.api.schemas.conversations import (
    ConversationCreated,
    ConversationDetail,
    ConversationPage,
)
from app.api.schemas.health_data import ImportStarted, ImportStatus
from app.api.schemas.queries import QueryResult, QuerySubmitted
from app.api.schemas.visualizations import Visualization
from app.client import ops
from app.client.stream import QueryEvent, astream, stream
from app.client.transport import AsyncDriver, SyncDriver

Priority = Literal["low", "normal", "high"]


class Queries:
    def __init__(self, driver: SyncDriver) -> None:
        self._d = driver

    def create(self, query: str, *, conversation_id: str | None = None,
               include_visualizations: bool = True, priority: Priority = "normal",
               patient_id: str | None = None) -> QuerySubmitted:
        """Ask the medical team; the answer comes later (see `stream` and `get`)."""
        return self._d.run(ops.create_query(
            query, conversation_id=conversation_id, priority=priority,
            include_visualizations=include_visualizations, patient_id=patient_id))

    def get(self, query_id: str) -> QueryResult:
        return self._d.run(ops.get_query(query_id))

    def stream(self, query_id: str, *, timeout: float = 300) -> Iterator[QueryEvent]:
        """The query's progress messages, ending with its query_complete."""
        return stream(self._d, query_id, timeout=timeout)


class Conversations:
    def __init__(self, driver: SyncDriver) -> None:
        self._d = driver

    def list(self, *, page: int = 1, limit: int = 20, sort_by: str = "date",
             order: str = "desc") -> ConversationPage:
        return self._d.run(ops.list_conversations(page=page, limit=limit, sort_by=sort_by,
                                                  order=order))

    def create(self, *, title: str | None = None,
               first_query: str | None = None) -> ConversationCreated:
        return self._d.run(ops.create_conversation(title=title, first_query=first_query))

    def get(self, conversation_id: str) -> ConversationDetail:
        return self._d.run(ops.get_conversation(conversation_id))


class HealthData:
    def __init__(self, driver: SyncDriver) -> None:
        self._d = driver

    def import_files(self, paths: Sequence[str | Path], *, wait: bool = True,
                     timeout: float = 600) -> ImportStatus | ImportStarted:
        """Upload record files; with `wait`, return the finished import's summary."""
        return self._d.run(ops.import_files(paths, wait=wait, timeout=timeout))


class Visualizations:
    def __init__(self, driver: SyncDriver) -> None:
        self._d = driver

    def get(self, visualization_id: str) -> Visualization:
        return self._d.run(ops.get_visualization(visualization_id))


class AsyncQueries:
    def __init__(self, driver: AsyncDriver) -> None:
        self._d = driver

    async def create(self, query: str, *, conversation_id: str | None = None,
                     include_visualizations: bool = True, priority: Priority = "normal",
                     patient_id: str | None = None) -> QuerySubmitted:
        return await self._d.run(ops.create_query(
            query, conversation_id=conversation_id, priority=priority,
            include_visualizations=include_visualizations, patient_id=patient_id))

    async def get(self, query_id: str) -> QueryResult:
        return await self._d.run(ops.get_query(query_id))

    def stream(self, query_id: str, *, timeout: float = 300) -> AsyncIterator[QueryEvent]:
        return astream(self._d, query_id, timeout=timeout)


class AsyncConversations:
    def __init__(self, driver: AsyncDriver) -> None:
        self._d = driver

    async def list(self, *, page: int = 1, limit: int = 20, sort_by: str = "date",
                   order: str = "desc") -> ConversationPage:
        return await self._d.run(ops.list_conversations(page=page, limit=limit,
                                                        sort_by=sort_by, order=order))

    async def create(self, *, title: str | None = None,
                     first_query: str | None = None) -> ConversationCreated:
        return await self._d.run(ops.create_conversation(title=title, first_query=first_query))

    async def get(self, conversation_id: str) -> ConversationDetail:
        return await self._d.run(ops.get_conversation(conversation_id))


class AsyncHealthData:
    def __init__(self, driver: AsyncDriver) -> None:
        self._d = driver

    async def import_files(self, paths: Sequence[str | Path], *, wait: bool = True,
                           timeout: float = 600) -> ImportStatus | ImportStarted:
        return await self._d.run(ops.import_files(paths, wait=wait, timeout=timeout))


class AsyncVisualizations:
    def __init__(self, driver: AsyncDriver) -> None:
        self._d = driver

    async def get(self, visualization_id: str) -> Visualization:
        return await self._d.run(ops.get_visualization(visualization_id))
