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


TREND_RULE = (
    "Theil-Sen slope over the period's usable readings (quality not `verify`; readings at "
    "one instant count once, as their mean). `increasing`/`decreasing` only when the "
    "Mann-Kendall test gives p < 0.05 and the fitted change over the span is at least 5 % "
    "of the median; `stable` when the fitted change is under 5 % of the median and the IQR "
    "at most 10 % of it; otherwise `fluctuating`; `insufficient_data` under two readings. "
    "Cumulative measures (steps, energy, distance ...) use daily totals in the person's "
    "local day.")


class KeyFinding(Open):
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
    flag: str | None = (
        Field(default=None, description=(
            "low | normal | high | critical | abnormal | indeterminate, or null. "
            "The current value's flag, the same as the Records view and `healthinsight "
            "records` show: `critical` beyond the critical limits of "
            "resources/critical_limits.json (critical wins over any range); `indeterminate` "
            "for a value outside the plausible range; else low/normal/high against the "
            "person's own reference range when set, else the record's or the table's range; "
            "null when no range applies.")))
    quality: str = Field(default="ok", description=(
        "ok | verify | conflict. `verify`: readings in the period are not credible "
        "(outside the plausible range of resources/plausible_ranges.json, or a change too "
        "fast between readings); they are "
        "named in the answer and kept out of trends, comparisons and correlations. "
        "`conflict`: readings at the current instant disagree beyond rounding (0.5 %); both "
        "are given. `ok` otherwise."))


class QueryResult(Open):
    query_id: str
    query: str
    status: str
    complexity: str | None = None
    started_at: Timestamp = None
    completed_at: Timestamp = None
    medical_team: dict[str, Any] | None = None
    # A plain object for clients (the SDK compares it as a dict); its key findings are
    # documented in the OpenAPI schema by KeyFinding.
    synthesis: dict[str, Any] | None = Field(default=None, json_schema_extra={
        "properties": {"key_findings": {"type": "array",
                                        "items": KeyFinding.model_json_schema()}}})
    visualization: dict[str, Any] | None = None
