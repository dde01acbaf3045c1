"""Health data imports (multipart uploads that run as a background job); the status
model is the import service's own, so the API, the SDK and the service share one type."""

from __future__ import annotations

from app.api.schemas.common import Open
from app.api.schemas.queries import Timestamp
from app.services.import_views import ImportStatus


class ImportStarted(Open):
    import_id: str
    status: str
    files_received: int
    estimated_completion: Timestamp = None


__all__ = ["ImportStarted", "ImportStatus"]
