"""The insight API's shapes for stored queries, conversations and charts (plain dicts),
built from repository rows so the API, the CLI and the UI all print the same thing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.team.roster import CMO_NAME

INTERACTIVE_FEATURES = ["zoom", "pan", "hover", "export"]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def query_view(row: dict[str, Any], live: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET /queries/:id data, plus engine, urgent, conversation_id, patient_id and error."""
    result = row.get("result") or {}
    team = result.get("medical_team") or (live or {}).get("medical_team") or {
        "cmo": {"name": CMO_NAME, "status": "pending", "confidence": None}, "specialists": []}
    return {
        "query_id": row["id"],
        "query": row["query"],
        "status": row["status"],
        "complexity": row.get("complexity"),
        "started_at": iso(row.get("started_at")),
        "completed_at": iso(row.get("completed_at")),
        "conversation_id": row.get("conversation_id"),
        "patient_id": row.get("patient_id"),
        "medical_team": team,
        "synthesis": result.get("synthesis"),
        "visualization": result.get("visualization"),
        "engine": row.get("engine") or (live or {}).get("engine"),
        "urgent": bool(row.get("urgent")),
        "error": row.get("error"),
    }


def conversation_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": row["title"], "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]), "query_count": int(row.get("query_count") or 0),
            "last_query": row.get("last_query")}


def conversation_view(row: dict[str, Any], queries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"], "title": row["title"], "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]), "patient_id": row.get("patient_id"),
        "queries": [
            {"query_id": v["query_id"], "query": v["query"], "timestamp": v["started_at"],
             "status": v["status"], "complexity": v["complexity"],
             "medical_team": v["medical_team"], "synthesis": v["synthesis"],
             "visualization": v["visualization"], "engine": v["engine"], "urgent": v["urgent"]}
            for v in (query_view(q) for q in queries)
        ],
    }


def visualization_view(row: dict[str, Any]) -> dict[str, Any]:
    """GET /visualizations/:id data plus the Plotly figure JSON."""
    return {"id": row["id"], "type": row["type"], "query_id": row["query_id"],
            "component": row["component"], "interactive_features": INTERACTIVE_FEATURES,
            "data_points": row.get("data_points"), "created_at": iso(row.get("created_at")),
            "figure": row["figure"]}


def medical_team(answer: Any) -> dict[str, Any]:
    """medical_team for a finished TeamAnswer."""
    return {
        "cmo": {"name": CMO_NAME, "status": "completed",
                "confidence": answer.synthesis.confidence,
                "assessment": answer.assessment.to_dict()},
        "specialists": [r.to_team_entry() for r in answer.results],
    }
