"""The desktop Overview: the latest reading of each key measure, with a short history for
a sparkline, and the most recent imports.

Which measures, and the LOINC codes of each, come from resources/key_measures.json. A
measure's readings are those of its codes in the latest reading's unit only: a code can
carry readings of two different quantities (eGFR in mL/min/1.73m2 beside a few in
mL/min), and a series never mixes them. Flags (and quality, where storage provides it)
are the records' own, so the card says what the Records tab says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from storage.ingest.units import load_resource
from storage.vault import Vault

SERIES = 24  # readings behind a sparkline: enough for a shape, cheap to read
FLAG_RANK = {"critical": 4, "high": 3, "low": 3, "abnormal": 2, "indeterminate": 1,
             "normal": 0}


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    codes: tuple[str, ...]
    paired: tuple[str, ...] = ()  # a second value shown after a slash (diastolic BP)


@dataclass(frozen=True)
class KeyMeasure:
    """One card: the latest reading (and its pair), its flag and quality, the series."""

    key: str
    title: str
    code: str
    value: float
    paired_value: float | None
    unit: str
    date: str  # ISO date and time of the reading
    flag: str | None
    quality: str | None  # "verify" or "conflict" when storage judges so; None otherwise
    series: tuple[float, ...]  # oldest first, the latest last

    @property
    def text(self) -> str:
        """The value as a person reads it: 187.7, 5.88, 168/103."""
        main = format_value(self.value)
        return main if self.paired_value is None else f"{main}/{format_value(self.paired_value)}"


@dataclass(frozen=True)
class RecentImport:
    import_id: str
    status: str
    started: str
    records: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Overview:
    patient_id: str | None
    measures: tuple[KeyMeasure, ...]
    imports: tuple[RecentImport, ...]


def format_value(value: float) -> str:
    """Clinically sensible precision: whole numbers from 100, one decimal from 10, else two."""
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@lru_cache(maxsize=1)
def key_measures() -> tuple[Measure, ...]:
    table = load_resource("key_measures.json")
    return tuple(Measure(m["key"], m["title"], tuple(m["codes"]), tuple(m.get("paired", ())))
                 for m in table["measures"])


def _numeric(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if isinstance(r.get("value"), int | float) and r.get("effective")]


class OverviewService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def overview(self, *, patient_id: str | None, owner_id: str | None = None,
                 imports: int = 5) -> Overview:
        measures = tuple(m for m in (self._measure(spec, patient_id, owner_id)
                                     for spec in key_measures()) if m is not None)
        recent = tuple(
            RecentImport(str(row["id"]), str(row["status"]),
                         str(row["started_at"] or "")[:16].replace("T", " "),
                         int((row["summary"] or {}).get("total_records") or 0),
                         tuple(str(f.get("name")) for f in row["files"] or []))
            for row in self._vault.imports.list(owner_id=owner_id)[:imports])
        return Overview(patient_id, measures, recent)

    def _readings(self, codes: tuple[str, ...], patient_id: str | None,
                  owner_id: str | None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for code in codes:
            rows += _numeric(self._vault.records.list_records(
                owner_id=owner_id, patient_id=patient_id, code=code, limit=SERIES,
                newest_first=True))
        rows.sort(key=lambda r: str(r["effective"]), reverse=True)
        return rows

    def _measure(self, spec: Measure, patient_id: str | None,
                 owner_id: str | None) -> KeyMeasure | None:
        if patient_id is None:
            return None
        rows = self._readings(spec.codes, patient_id, owner_id)
        if not rows:
            return None
        latest = rows[0]
        same = [r for r in rows if r.get("unit") == latest.get("unit")][:SERIES]
        paired = None
        flags = [latest.get("flag")]
        qualities = [latest.get("quality")]
        if spec.paired:
            partner = next((r for r in self._readings(spec.paired, patient_id, owner_id)
                            if r["effective"] == latest["effective"]), None)
            if partner is not None:
                paired = float(partner["value"])
                flags.append(partner.get("flag"))
                qualities.append(partner.get("quality"))
        flag = max((f for f in flags if f), key=lambda f: FLAG_RANK.get(str(f), 1),
                   default=None)
        quality = next((str(q) for q in qualities if q and q != "ok"), None)
        return KeyMeasure(spec.key, spec.title, str(latest["code"]), float(latest["value"]),
                          paired, str(latest.get("unit") or ""), str(latest["effective"]),
                          flag, quality, tuple(float(r["value"]) for r in reversed(same)))
