"""Health queries: what a client sends and the shapes of the answers (the answers' models
are the query service's own, so the API, the SDK and the service share one type)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.services.query_views import KeyFinding, QueryResult, SubmittedQuery, Synthesis

Timestamp = datetime | str | None


class QueryContext(BaseModel):
    include_visualizations: bool = True
    priority: Literal["low", "normal", "high"] = "normal"
    patient_id: str | None = Field(default=None, min_length=1, max_length=100)


class QueryRequest(BaseModel):
    query: str = Field(min_length=1, max_length=20_000)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=100)
    context: QueryContext | None = None


class QuerySubmitted(SubmittedQuery):
    """The service's SubmittedQuery plus the WebSocket channel to follow it on."""

    websocket_channel: str


__all__ = ["KeyFinding", "QueryContext", "QueryRequest", "QueryResult", "QuerySubmitted",
           "Synthesis", "Timestamp"]
