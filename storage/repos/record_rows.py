"""What reading records back returns: a patient with counts, and one normalized record
with the query manager's judgement. Frozen, so the Records tab, the CLI and the tests
read the same fields and nobody edits a row that another view still shows; slotted,
because a page of the Records tab makes 200 of them at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PatientSummary:
    id: str
    name: str | None
    birth_date: str | None  # ISO date
    sex: str | None
    identifier: str | None
    record_counts: Mapping[str, int]  # rows per record table, observations first
    total_records: int

    def wire(self) -> dict[str, Any]:
        """The JSON the CLI's --json prints."""
        return asdict(self) | {"record_counts": dict(self.record_counts)}


@dataclass(frozen=True, slots=True)
class Record:
    """One observation as stored (value in its canonical unit, the original beside it)
    with the flag, range and quality the reading path judged (readings_sql.py)."""

    id: int
    patient_id: str
    category: str | None
    code_system: str | None
    code: str | None
    display: str | None
    value: float | None
    value_text: str | None
    unit: str | None
    original_value: str | None
    original_unit: str | None
    comparator: str | None
    source: str | None
    source_name: str | None
    healthkit_type: str | None
    record_id: str | None
    report: str | None
    import_id: str | None
    effective: str | None  # ISO time in the reading's own offset
    effective_end: str | None
    reference_low: float | None
    reference_high: float | None
    reference_source: str | None  # "user" for the person's own range
    flag: str | None
    quality: str | None
    quality_reason: str | None
    time_basis: str  # what `effective` is the time of (storage/repos/measurement_types.py)

    def wire(self) -> dict[str, Any]:
        """The JSON the CLI's --json prints."""
        return asdict(self)
