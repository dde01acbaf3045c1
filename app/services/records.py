"""Reading imported records for a front end: a thin layer over the record repository.

Views never reach into storage; this is the one place the desktop app lists patients
and normalized records, with the same owner rule as everything else.
"""

from __future__ import annotations

from typing import Any

from storage.vault import Vault


class RecordsService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def patients(self, *, owner_id: str | None = None) -> list[dict[str, Any]]:
        """Patients with their record counts, by name."""
        return self._vault.records.list_patients(owner_id=owner_id)

    def records(self, *, owner_id: str | None = None, patient_id: str | None = None,
                code: str | None = None, category: str | None = None,
                search: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Normalized observations, newest first (a limit keeps the latest); `code` and
        `category` match exactly, `search` the code exactly or the test's name as a
        case-insensitive substring ("chol" finds every cholesterol test)."""
        return self._vault.records.list_records(owner_id=owner_id, patient_id=patient_id,
                                                code=code, category=category, search=search,
                                                limit=limit, newest_first=True)
