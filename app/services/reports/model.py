"""A report as data, before any format: what every renderer draws from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Cell = str | int | float | None
REPORT_TYPES = ("appointment_summary", "provider_utilization", "patient_demographics")
FORMATS = ("pdf", "csv", "json")


@dataclass(frozen=True)
class Chart:
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    unit: str = ""


@dataclass(frozen=True)
class Report:
    type: str
    title: str
    organization: str
    start: date
    end: date
    columns: tuple[str, ...]  # header of the table; CSV and JSON use them as keys
    rows: tuple[tuple[Cell, ...], ...]  # one per record
    summary: tuple[tuple[str, Cell], ...]  # label, value pairs shown above the table
    chart: Chart

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
