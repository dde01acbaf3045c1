"""Import jobs: their row in `imports`, and what an import added (counted from the records).

records_by_type keys: ``lab_results`` (observations of category laboratory),
``vitals`` (vital-signs), ``activity`` (Apple Health activity, workouts, daily
activity summaries), ``other_observations`` (survey, exam, sleep, ...),
``medications``, ``conditions``, ``encounters``, ``immunizations``, ``allergies``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.ingest.tables import TABLES
from storage.schema import imports

if TYPE_CHECKING:
    from storage.vault import Vault

CATEGORY_TYPES = {"laboratory": "lab_results", "vital-signs": "vitals", "activity": "activity"}
RECORD_TYPES = ("lab_results", "vitals", "activity", "other_observations", "medications",
                "conditions", "encounters", "immunizations", "allergies")


class ImportRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def create(self, *, import_id: str, owner_id: str | None, files: list[dict[str, Any]],
               summary: dict[str, Any] | None = None) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.insert(imports).values(
                id=import_id, owner_id=owner_id, status="processing", files=files,
                summary=summary, started_at=datetime.now(UTC)))

    def finish(self, *, import_id: str, status: str, files: list[dict[str, Any]],
               summary: dict[str, Any]) -> None:
        with self._vault.engine.begin() as conn:
            conn.execute(sa.update(imports).where(imports.c.id == import_id).values(
                status=status, files=files, summary=summary, completed_at=datetime.now(UTC)))

    def get(self, *, import_id: str, owner_id: str | None) -> dict[str, Any] | None:
        query = sa.select(imports).where(imports.c.id == import_id,
                                         imports.c.owner_id.is_not_distinct_from(owner_id))
        with self._vault.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def list(self, *, owner_id: str | None) -> list[dict[str, Any]]:
        query = (sa.select(imports).where(imports.c.owner_id.is_not_distinct_from(owner_id))
                 .order_by(imports.c.started_at.desc()))
        with self._vault.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def added(self, *, import_id: str) -> tuple[dict[str, int], str | None, str | None]:
        """(records_by_type, first date, last date) of the rows this import wrote."""
        cur = self._vault.cursor()
        counts = dict.fromkeys(RECORD_TYPES, 0)
        parts = ["SELECT category, count(*), min(effective), max(effective) FROM observations "
                 "WHERE import_id = $id GROUP BY category"]
        for spec in TABLES.values():
            parts.append(f"SELECT '{spec.table}', count(*), min(\"{spec.date_field}\"), "
                         f"max(\"{spec.date_field}\") FROM {spec.table} WHERE import_id = $id")
        rows = cur.execute(
            "SELECT c, n, CAST(CAST(lo AS DATE) AS VARCHAR), CAST(CAST(hi AS DATE) AS VARCHAR) "
            f"FROM ({' UNION ALL '.join(parts)}) t(c, n, lo, hi)", {"id": import_id}).fetchall()
        lows, highs = [], []
        for kind, n, lo, hi in rows:
            key = kind if kind in TABLES else CATEGORY_TYPES.get(kind, "other_observations")
            counts[key] += int(n)
            lows += [lo] if lo else []
            highs += [hi] if hi else []
        return counts, min(lows, default=None), max(highs, default=None)
