"""The insight API's shape of an import job, as frozen pydantic models the import service
returns and the API documents (app/api/schemas/health_data.py uses these very classes):
``GET /health-data/import/:id`` data plus progress, warnings, errors and files.

A status read back from the vault holds exactly the keys its row stored, no defaults
added, so `wire` gives the API, the CLI's --json and the UI the same JSON the row holds.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.services.shapes import Shape


class ImportProgress(Shape):
    """Records and bytes read so far; once the job has ended, `records` is what it added."""

    records: int = 0
    bytes: int = 0
    total_bytes: int = 0


class DateRange(Shape):
    start: str | None = None
    end: str | None = None


class ImportProblem(Shape):
    """A file that was not imported (the vault is unchanged for it): where and why."""

    file: str = ""
    position: str = ""
    reason: str = ""


class ImportSummary(Shape):
    total_records: int = 0
    records_by_type: dict[str, int] = Field(default_factory=dict, description=(
        "lab_results, vitals, activity, other_observations, medications, conditions, "
        "encounters, immunizations, allergies: what the job added of each"))
    date_range: DateRange = DateRange()
    import_duration_seconds: float | None = None
    warnings: list[str] = []
    errors: list[ImportProblem] = []


class ImportedFile(Shape):
    """One unit of the job (a file, or a folder read as one export) and how it went."""

    name: str
    format: str | None = None
    files: int = 1
    size: int = 0
    status: str = Field(description="pending | processing | completed | failed | cancelled")
    error: str | None = None


class ImportStatus(Shape):
    import_id: str
    status: str = Field(description="processing | completed | completed_with_errors | "
                        "failed | cancelled")
    files_received: int | None = None
    progress: ImportProgress = ImportProgress()
    summary: ImportSummary = ImportSummary()
    files: list[ImportedFile] = []

    def wire(self) -> dict[str, Any]:
        """The JSON the API and `healthinsight import --json` show: the fields that were
        given (a stored row's own keys), in their order."""
        return self.model_dump(mode="json", exclude_unset=True)
