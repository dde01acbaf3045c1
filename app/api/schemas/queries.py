"""Health queries: what a client sends and the shapes of the answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import Open

Timestamp = datetime | str | None


class QueryContext(BaseModel):
    include_visualizations: bool = True
    priority: Literal["low", "normal", "high"] = "normal"
    patient_id: str | None = Field(default=None, min_length=1, max_length=100)


class QueryRequest(BaseModel):
    query: str = Field(min_length=1, max_length=20_000)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=100)
    context: QueryContext | None = None


class QuerySubmitted(Open):
    query_id: str
    conversation_id: str | None = None
    status: str
    complexity: str | None = None
    estimated_completion: Timestamp = None
    websocket_channel: str


class QueryResult(Open):
    query_id: str
    query: str
    status: str
    complexity: str | None = None
    started_at: Timestamp = None
    completed_at: Timestamp = None
    medical_team: dict[str, Any] | None = None
    synthesis: dict[str, Any] | None = None
    visualization: dict[str, Any] | None = None
