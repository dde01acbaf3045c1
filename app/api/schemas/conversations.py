"""Conversations: a titled thread of queries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas.common import Open
from app.api.schemas.queries import Timestamp


class ConversationCreate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    first_query: str | None = Field(default=None, min_length=1, max_length=2000)


class ConversationSummary(Open):
    id: str
    title: str
    created_at: Timestamp = None
    updated_at: Timestamp = None
    query_count: int | None = None
    last_query: str | None = None


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    pages: int


class ConversationPage(BaseModel):
    conversations: list[ConversationSummary]
    pagination: Pagination


class ConversationDetail(Open):
    id: str
    title: str
    created_at: Timestamp = None
    queries: list[dict[str, Any]] = []
