"""Health data imports (multipart uploads that run as a background job)."""

from __future__ import annotations

from typing import Any

from app.api.schemas.common import Open
from app.api.schemas.queries import Timestamp


class ImportStarted(Open):
    import_id: str
    status: str
    files_received: int
    estimated_completion: Timestamp = None


class ImportStatus(Open):
    import_id: str
    status: str
    files_received: int | None = None
    progress: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
