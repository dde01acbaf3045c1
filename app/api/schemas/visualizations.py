"""A chart: the document's component description plus the Plotly figure."""

from __future__ import annotations

from typing import Any

from app.api.schemas.common import Open


class Visualization(Open):
    id: str
    type: str
    query_id: str
    component: dict[str, Any] | None = None
    interactive_features: list[str] = []
    figure: dict[str, Any] | None = None
