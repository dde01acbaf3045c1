"""A chart: the document's component description plus the Plotly figure (the
conversation service's own model)."""

from __future__ import annotations

from app.services.conversation_views import Visualization

__all__ = ["Visualization"]
