"""The medical team's specialists. The models are the query service's own, so the API,
the SDK and the service share one type."""

from __future__ import annotations

from app.services.query_views import SpecialistList
from app.services.query_views import SpecialistProfile as Specialist

__all__ = ["Specialist", "SpecialistList"]
