"""The insight API's shapes for conversations and charts, as frozen pydantic models the
conversation service returns and the API documents (app/api/schemas/conversations.py
and visualizations.py use these very classes), built from repository rows."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import SerializerFunctionWrapHandler, model_serializer

from app.services.query_views import QueryResult, SubmittedQuery, iso, query_view
from app.services.shapes import Shape

INTERACTIVE_FEATURES = ("zoom", "pan", "hover", "export")
# A conversation's queries show these fields of each query's result, in this order.
SHOWN = ("query_id", "query", "status", "complexity", "medical_team", "synthesis",
         "visualization", "engine", "urgent")


class Pagination(Shape):
    """Which page of how many (the clinic API's Pagination has the same fields; importing
    it would load the clinic's models into the desktop's start-up)."""

    page: int
    limit: int
    total: int
    pages: int


class ConversationSummary(Shape):
    id: str
    title: str
    created_at: str | None = None
    updated_at: str | None = None
    query_count: int = 0
    last_query: str | None = None


class ConversationCreated(ConversationSummary):
    """A new conversation; `first_query` only when a first question was submitted in it."""

    first_query: SubmittedQuery | None = None

    def wire(self) -> dict[str, Any]:
        """As ConversationSummary, plus `first_query` when one was asked (never a null)."""
        return self.model_dump(mode="json", exclude_unset=True)


class ConversationPage(Shape):
    """One page of the list. The service hands out the same page while the repository's
    read stays cached (the list is the API's busiest read), so its JSON is made once."""

    conversations: list[ConversationSummary]
    pagination: Pagination

    def wire(self) -> dict[str, Any]:
        return self._wired

    @cached_property
    def _wired(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ConversationQuery(QueryResult):
    """One question of a conversation with its answer: the query's result as the
    conversation shows it (SHOWN), led by the time it was asked."""

    timestamp: str | None = None

    @model_serializer(mode="wrap")
    def _shown(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        shown = handler(self)
        return {"timestamp": shown["timestamp"], **{k: shown[k] for k in SHOWN}}


class ConversationDetail(Shape):
    id: str
    title: str
    created_at: str | None = None
    updated_at: str | None = None
    patient_id: str | None = None
    queries: list[ConversationQuery] = []


class Visualization(Shape):
    """GET /visualizations/:id data plus the Plotly figure JSON."""

    id: str
    type: str
    query_id: str
    component: dict[str, Any] | None = None
    interactive_features: list[str] = list(INTERACTIVE_FEATURES)
    data_points: int | None = None
    created_at: str | None = None
    figure: dict[str, Any] | None = None


def conversation_summary(row: dict[str, Any]) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"], title=row["title"], created_at=iso(row["created_at"]),
        updated_at=iso(row["updated_at"]), query_count=int(row.get("query_count") or 0),
        last_query=row.get("last_query"))


def conversation_view(row: dict[str, Any], queries: list[dict[str, Any]]) -> ConversationDetail:
    return ConversationDetail(
        id=row["id"], title=row["title"], created_at=iso(row["created_at"]),
        updated_at=iso(row["updated_at"]), patient_id=row.get("patient_id"),
        queries=[ConversationQuery(**dict(query_view(q)), timestamp=iso(q.get("started_at")))
                 for q in queries])


def visualization_view(row: dict[str, Any]) -> Visualization:
    return Visualization(
        id=row["id"], type=row["type"], query_id=row["query_id"], component=row["component"],
        interactive_features=list(INTERACTIVE_FEATURES), data_points=row.get("data_points"),
        created_at=iso(row.get("created_at")), figure=row["figure"])
