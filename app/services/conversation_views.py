"""The insight API's shapes for conversations and charts, as frozen pydantic models the
conversation service returns and the API documents (app/api/schemas/conversations.py
and visualizations.py use these very classes), built from repository rows."""

from __future__ import annotations

from typing import Any

from app.services.query_views import (
    ChartRef,
    MedicalTeam,
    QueryResult,
    Shape,
    SubmittedQuery,
    Synthesis,
    iso,
    query_view,
)

INTERACTIVE_FEATURES = ("zoom", "pan", "hover", "export")


class Pagination(Shape):
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
    conversations: list[ConversationSummary]
    pagination: Pagination


class ConversationQuery(Shape):
    """One question of a conversation with its answer, as the conversation shows it."""

    timestamp: str | None = None
    query_id: str
    query: str
    status: str
    complexity: str | None = None
    medical_team: MedicalTeam | None = None
    synthesis: Synthesis | None = None
    visualization: ChartRef | None = None
    engine: str | None = None
    urgent: bool = False


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


def _in_conversation(query: QueryResult) -> ConversationQuery:
    return ConversationQuery(
        timestamp=query.started_at, query_id=query.query_id, query=query.query,
        status=query.status, complexity=query.complexity, medical_team=query.medical_team,
        synthesis=query.synthesis, visualization=query.visualization, engine=query.engine,
        urgent=query.urgent)


def conversation_view(row: dict[str, Any], queries: list[dict[str, Any]]) -> ConversationDetail:
    return ConversationDetail(
        id=row["id"], title=row["title"], created_at=iso(row["created_at"]),
        updated_at=iso(row["updated_at"]), patient_id=row.get("patient_id"),
        queries=[_in_conversation(query_view(q)) for q in queries])


def visualization_view(row: dict[str, Any]) -> Visualization:
    return Visualization(
        id=row["id"], type=row["type"], query_id=row["query_id"], component=row["component"],
        interactive_features=list(INTERACTIVE_FEATURES), data_points=row.get("data_points"),
        created_at=iso(row.get("created_at")), figure=row["figure"])
