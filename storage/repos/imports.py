"""Import jobs: their row in `imports`, and what an import added (counted from the records).

records_by_type keys: ``lab_results`` (observations of category laboratory),
``vitals`` (vital-signs), ``activity`` (Apple Health activity, workouts, daily
activity summaries), ``other_observations`` (survey, exam, sleep, ...),
``medications``, ``conditions``, ``encounters``, ``immunizations``, ``allergies``.

Undoing: a unit (file) of an import is committed in chunks (storage/ingest/pipeline.py);
:meth:`ImportRepository.undo` deletes what a failed unit wrote, and
:meth:`ImportRepository.undo_interrupted` (run by Vault.open) what imports left
``processing`` by a process that died wrote, marking them failed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from storage.ingest.tables import TABLES
from storage.schema import RECORD_TABLES, imports

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

    def undo(self, *, import_id: str, unit: str | None = None) -> None:
        """Delete every record row and patient the import (or only its `unit`) created."""
        where = "import_id = $id" + (" AND import_unit = $unit" if unit is not None else "")
        params = {"id": import_id, **({"unit": unit} if unit is not None else {})}
        with self._vault.transaction() as cur:
            touched = cur.execute(
                "SELECT patient_id, list(DISTINCT code) FILTER (WHERE code IS NOT NULL), "
                f"bool_or(code IS NULL) FROM observations WHERE {where} GROUP BY patient_id",
                params).fetchall()
            for table in RECORD_TABLES:
                cur.execute(f'DELETE FROM "{table.name}" WHERE {where}', params)
        for patient_id, codes, uncoded in touched:  # readings left may change quality
            self._vault.measurements.rejudge(patient_id=patient_id,
                                             codes=None if uncoded else codes)

    def undo_interrupted(self) -> list[str]:
        """Undo imports a previous process left ``processing`` (it died mid-import) and mark
        them failed; returns their ids. Only call it before this process starts imports."""
        with self._vault.reads.connect() as conn:
            rows = conn.execute(sa.select(imports.c.id, imports.c.summary)
                                .where(imports.c.status == "processing")).all()
        for import_id, summary in rows:
            self.undo(import_id=import_id)
            error = {"file": "", "position": "", "reason": "interrupted: the app stopped during "
                     "this import; nothing of it was kept"}
            summary = dict(summary or {})
            summary["errors"] = [*summary.get("errors", []), error]
            with self._vault.engine.begin() as conn:
                conn.execute(sa.update(imports).where(imports.c.id == import_id).values(
                    status="failed", summary=summary, completed_at=datetime.now(UTC)))
        return [r[0] for r in rows]

    def get(self, *, import_id: str, owner_id: str | None) -> dict[str, Any] | None:
        query = sa.select(imports).where(imports.c.id == import_id,
                                         imports.c.owner_id.is_not_distinct_from(owner_id))
        with self._vault.reads.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def list(self, *, owner_id: str | None) -> list[dict[str, Any]]:
        query = (sa.select(imports).where(imports.c.owner_id.is_not_distinct_from(owner_id))
                 .order_by(imports.c.started_at.desc()))
        with self._vault.reads.connect() as conn:
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
