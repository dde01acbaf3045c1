"""Conversations: a titled thread of queries. The answers' models are the conversation
service's own, so the API, the SDK and the service share one type."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.services.conversation_views import (
    ConversationCreated,
    ConversationDetail,
    ConversationPage,
    ConversationQuery,
    ConversationSummary,
    Pagination,
)


class ConversationCreate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    first_query: str | None = Field(default=None, min_length=1, max_length=2000)


__all__ = ["ConversationCreate", "ConversationCreated", "ConversationDetail",
           "ConversationPage", "ConversationQuery", "ConversationSummary", "Pagination"]
