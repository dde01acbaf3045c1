"""Reading imported records for a front end: a thin layer over the record repository.

Views never reach into storage; this is the one place the desktop app lists patients
and normalized records, with the same owner rule as everything else. Its reads are
readers (`Vault.reading`): the Records tab is used while an import runs, and under the
import's memory bound (which the import itself nearly fills) a page would fail.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from app.services.errors import ValidationFailed
from storage.ingest import units
from storage.repos import measures as catalogue
from storage.repos.measurement_types import TIME_BASIS_NOTES
from storage.repos.record_rows import PatientSummary, Record
from storage.vault import Vault

if TYPE_CHECKING:
    from numpy import ndarray

__all__ = ["TIME_BASIS_NOTES", "PatientSummary", "Record", "RecordsService"]


class RecordsService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def patients(self, *, owner_id: str | None = None) -> list[PatientSummary]:
        """Patients with their record counts, by name."""
        with self._vault.reading():
            return self._vault.records.list_patients(owner_id=owner_id)

    def patient(self, patient_id: str, *, owner_id: str | None = None) -> PatientSummary | None:
        with self._vault.reading():
            return self._vault.records.get_patient(patient_id=patient_id, owner_id=owner_id)

    def records(self, *, owner_id: str | None = None, patient_id: str | None = None,
                code: str | None = None, category: str | None = None,
                search: str | None = None, since: date | datetime | str | None = None,
                limit: int | None = None, newest_first: bool = True) -> list[Record]:
        """Normalized observations, newest first (a limit keeps the latest) or oldest
        first; `code` and `category` match exactly, `search` the code exactly or the
        test's name as a case-insensitive substring ("chol" finds every cholesterol test),
        `since` from that day or time on."""
        with self._vault.reading():
            return self._vault.records.list_records(
                owner_id=owner_id, patient_id=patient_id, code=code, category=category,
                search=search, since=since, limit=limit, newest_first=newest_first)

    def order(self, *, owner_id: str | None = None, patient_id: str | None = None,
              category: str | None = None, search: str | None = None,
              sort: str = "effective", descending: bool = True) -> ndarray:
        """The ids of the matching records in display order (a numpy array): what a table
        over a million rows keeps, reading the rows a page at a time with `page`."""
        with self._vault.reading():
            return self._vault.records.record_order(
                owner_id=owner_id, patient_id=patient_id, category=category, search=search,
                sort=sort, descending=descending)

    def page(self, ids: list[int], *, owner_id: str | None = None,
             sort: str = "effective") -> list[Record]:
        """The records of a page of `order`'s ids (sorted by `sort`), in that order."""
        with self._vault.reading():
            return self._vault.records.records_by_ids(ids=ids, owner_id=owner_id, sort=sort)

    def set_reference_range(self, *, patient_id: str, code: str, low: float | None,
                            high: float | None, unit: str | None) -> None:
        """The person's own range for a test: applied to every reading of it, past ones too,
        in the Records tab and by the measurements every answer reads."""
        if low is None and high is None:
            raise ValidationFailed("give a lower limit, an upper limit or both",
                                   {"field": "low"})
        for name, value in (("low", low), ("high", high)):
            if value is not None and not math.isfinite(value):
                raise ValidationFailed(f"the {name} limit is not a number", {"field": name})
        if low is not None and high is not None and low >= high:
            raise ValidationFailed("the lower limit must be below the upper limit",
                                   {"field": "low"})
        self._vault.records.set_reference_override(patient_id=patient_id, code=code, low=low,
                                                   high=high, unit=unit)

    def clear_reference_range(self, *, patient_id: str, code: str) -> None:
        self._vault.records.delete_reference_override(patient_id=patient_id, code=code)

    def entry_choices(self) -> list[tuple[str, str, list[str]]]:
        """(name, LOINC code, units) of the discrete measures a person can type in: the
        measurements catalogue's, with their first LOINC code and its convertible units."""
        out = []
        for m in catalogue.all_measures():
            code = next((c for c in m.codes if c[:1].isdigit()), None)
            if m.kind == "discrete" and code and units.units_for(code):
                out.append((m.name, code, units.units_for(code)))
        return sorted(out)

    def add_reading(self, *, patient_id: str, code: str, value: float, unit: str,
                    when: datetime) -> str:
        """A reading typed in by hand, normalized and flagged like an imported one. (The
        ingest writer is imported here: the window imports this module before its first
        paint, and the writer brings the import's Arrow staging.)"""
        from storage.ingest.manual import add_reading

        if not math.isfinite(value):
            raise ValidationFailed("the value is not a number", {"field": "value"})
        if when.tzinfo is None:
            raise ValidationFailed("the time needs its time zone", {"field": "when"})
        if when > datetime.now(UTC):
            raise ValidationFailed("the reading's time is in the future", {"field": "when"})
        if unit not in units.units_for(code):
            raise ValidationFailed(f"{unit} is not a unit for this test", {"field": "unit"})
        return add_reading(self._vault, patient_id=patient_id, owner_id=None, code=code,
                           value=value, unit=unit, effective=when)
