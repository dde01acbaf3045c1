"""The insight API's shapes for queries, as frozen pydantic models the service returns and
the API documents (app/api/schemas/queries.py uses these very classes), built from
repository rows so the API, the CLI and the UI all read the same thing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from agents.team.roster import CMO_NAME
from app.services.shapes import Shape

TREND_RULE = (
    "Theil-Sen slope over the period's usable readings (quality not `verify`; readings at "
    "one instant count once, as their mean). `increasing`/`decreasing` only when the "
    "Mann-Kendall test gives p < 0.05 and the fitted change over the span is at least 5 % "
    "of the median; `stable` when the fitted change is under 5 % of the median and the IQR "
    "at most 10 % of it; otherwise `fluctuating`; `insufficient_data` under two readings. "
    "Cumulative measures (steps, energy, distance ...) use daily totals in the person's "
    "local day.")


class KeyFinding(Shape):
    """One measure's finding in the synthesis."""

    metric: str
    code: str | None = None
    trend: str = Field(description="increasing | decreasing | stable | fluctuating | "
                       "insufficient_data. " + TREND_RULE)
    current_value: float | None = None
    unit: str | None = None
    change_percentage: float | None = Field(
        default=None, description="The fitted (Theil-Sen) change over the span relative to "
        "the fitted start value, in percent: its sign always agrees with the trend.")
    first_date: str | None = None
    last_date: str | None = None
    n: int | None = None
    flag: str | None = Field(default=None, description=(
        "low | normal | high | critical | abnormal | indeterminate, or null. "
        "The current value's flag, the same as the Records view and `healthinsight "
        "records` show: `critical` beyond the critical limits of "
        "resources/critical_limits.json (critical wins over any range); `indeterminate` "
        "for a value outside the plausible range; else low/normal/high against the "
        "person's own reference range when set, else the record's or the table's range; "
        "null when no range applies."))
    quality: str = Field(default="ok", description=(
        "ok | verify | conflict. `verify`: readings in the period are not credible "
        "(outside the plausible range of resources/plausible_ranges.json, or a change too "
        "fast between readings); they are "
        "named in the answer and kept out of trends, comparisons and correlations. "
        "`conflict`: readings at the current instant disagree beyond rounding (0.5 %); both "
        "are given. `ok` otherwise."))


class Synthesis(Shape):
    """The CMO's answer: summary, key findings, recommendations and concerns."""

    summary: str
    key_findings: list[KeyFinding] = []
    recommendations: list[str] = []
    concerns: list[str] = []
    confidence: float | None = None
    disclaimer: str | None = None
    urgent_notice: str | None = None
    engine: str | None = None
    fallback_reason: str | None = None


class CmoStatus(Shape):
    name: str = CMO_NAME
    status: str
    confidence: float | None = None
    assessment: dict[str, Any] | None = None


class SpecialistStatus(Shape):
    type: str
    name: str
    status: str
    confidence: float | None = None
    findings: str | None = None
    engine: str | None = None


class SpecialistProfile(Shape):
    """One specialist as GET /medical-team/specialists lists it: who, and what they cover."""

    id: str
    name: str
    specialty: str
    capabilities: list[str] = []
    typical_queries: list[str] = []


class SpecialistList(Shape):
    specialists: list[SpecialistProfile]


class MedicalTeam(Shape):
    cmo: CmoStatus
    specialists: list[SpecialistStatus] = []


class ChartRef(Shape):
    """The answer's chart as the query shows it; GET /visualizations/:id has the figure."""

    type: str
    component_id: str
    data_points: int | None = None


class SubmittedQuery(Shape):
    """What submitting a question returns at once (the run goes on in the background)."""

    query_id: str
    conversation_id: str | None = None
    status: str
    complexity: str | None = None
    estimated_completion: str | None = None


class QueryResult(Shape):
    """GET /queries/:id data, plus engine, urgent, conversation_id, patient_id and error."""

    query_id: str
    query: str
    status: str
    complexity: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    conversation_id: str | None = None
    patient_id: str | None = None
    medical_team: MedicalTeam | None = None
    synthesis: Synthesis | None = None
    visualization: ChartRef | None = None
    engine: str | None = None
    urgent: bool = False
    error: str | None = None


PENDING_TEAM = {"cmo": {"name": CMO_NAME, "status": "pending", "confidence": None},
                "specialists": []}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def query_view(row: dict[str, Any], live: dict[str, Any] | None = None) -> QueryResult:
    result = row.get("result") or {}
    return QueryResult(
        query_id=row["id"], query=row["query"], status=row["status"],
        complexity=row.get("complexity"), started_at=iso(row.get("started_at")),
        completed_at=iso(row.get("completed_at")), conversation_id=row.get("conversation_id"),
        patient_id=row.get("patient_id"),
        medical_team=MedicalTeam.model_validate(
            result.get("medical_team") or (live or {}).get("medical_team") or PENDING_TEAM),
        synthesis=result.get("synthesis"), visualization=result.get("visualization"),
        engine=row.get("engine") or (live or {}).get("engine"), urgent=bool(row.get("urgent")),
        error=row.get("error"))


def medical_team(answer: Any) -> dict[str, Any]:
    """medical_team for a finished TeamAnswer (stored with the query)."""
    return {
        "cmo": {"name": CMO_NAME, "status": "completed",
                "confidence": answer.synthesis.confidence,
                "assessment": answer.assessment.to_dict()},
        "specialists": [r.to_team_entry() for r in answer.results],
    }
