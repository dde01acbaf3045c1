"""The desktop Overview: the latest reading of each key measure, with a short history for
a sparkline, and the most recent imports.

Which measures: resources/key_measures.json (keys of the measurements catalogue). Every
number, flag and quality comes from storage's query manager (`vault.measurements`), so
a card says what the Records tab, the CLI, the API and the team say: one series per
measure and unit (the canonical unit first), `verify` readings shown but kept out of
the sparkline, a `conflict` (two results at one instant) named rather than one picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from storage.ingest.units import load_resource
from storage.repos.measurement_types import Reading, Series, utc_iso
from storage.vault import Vault

SERIES = 24  # points behind a sparkline: enough for a shape
FLAG_RANK = {"critical": 4, "high": 3, "low": 3, "abnormal": 2, "indeterminate": 1,
             "normal": 0}
QUALITY_RANK = {"verify": 2, "conflict": 1, "ok": 0}


@dataclass(frozen=True)
class Card:
    measure: str
    title: str | None
    paired: str | None = None


@dataclass(frozen=True)
class KeyMeasure:
    """One card: the latest reading (and its pair), its flag and quality, the series."""

    key: str
    title: str
    code: str
    value: float
    paired_value: float | None
    unit: str
    date: str  # ISO date and time of the reading (UTC)
    flag: str | None
    quality: str  # ok | verify | conflict (storage's judgement)
    others: tuple[float, ...]  # a conflict's other values at the same instant
    series: tuple[float, ...]  # usable points, oldest first

    @property
    def text(self) -> str:
        """The value as a person reads it: 187.7, 5.88, 168/103 (a pair, as blood pressure
        is written, in whole numbers)."""
        if self.paired_value is None:
            return format_value(self.value)
        return f"{self.value:.0f}/{self.paired_value:.0f}"


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
def cards() -> tuple[Card, ...]:
    table = load_resource("key_measures.json")
    return tuple(Card(c["measure"], c.get("title"), c.get("paired")) for c in table["cards"])


def _latest(series: Series) -> tuple[Reading, ...]:
    """The readings at the series' last instant, `verify` ones included: a card shows
    what was recorded last, and says when it is not credible."""
    last = series.readings[-1].epoch
    return tuple(r for r in series.readings if r.epoch == last)


def _worst(values: list[str | None], rank: dict[str, int]) -> str | None:
    return max((v for v in values if v), key=lambda v: rank.get(v, 1), default=None)


class OverviewService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def overview(self, *, patient_id: str | None, owner_id: str | None = None,
                 imports: int = 5) -> Overview:
        measures = () if patient_id is None else tuple(
            m for m in (self._card(c, patient_id) for c in cards()) if m is not None)
        recent = tuple(
            RecentImport(str(row["id"]), str(row["status"]),
                         str(row["started_at"] or "")[:16].replace("T", " "),
                         int((row["summary"] or {}).get("total_records") or 0),
                         tuple(str(f.get("name")) for f in row["files"] or []))
            for row in self._vault.imports.list(owner_id=owner_id)[:imports])
        return Overview(patient_id, measures, recent)

    def _card(self, card: Card, patient_id: str) -> KeyMeasure | None:
        found = self._vault.measurements.primary(patient_id=patient_id, measure=card.measure)
        if found is None or not found.readings:
            return None
        latest = _latest(found)
        readings = list(latest)
        paired = None
        if card.paired:
            partner = self._vault.measurements.primary(patient_id=patient_id,
                                                       measure=card.paired)
            match = [r for r in (partner.readings if partner else ()) if r.epoch == latest[0].epoch]
            if match:
                paired = match[0].value
                readings += match
        first = latest[0]
        others = tuple(dict.fromkeys(r.value for r in latest[1:] if r.value != first.value))
        return KeyMeasure(
            card.measure, card.title or found.name, first.code, first.value, paired,
            found.unit or "", utc_iso(first.epoch) or "",
            _worst([r.flag for r in readings], FLAG_RANK),
            _worst([r.quality for r in readings], QUALITY_RANK) or "ok", others,
            tuple(v for _, v in found.points()[-SERIES:]))
