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
from datetime import UTC, datetime
from functools import lru_cache

from storage.ingest.units import load_resource
from storage.repos.measurement_types import Reading, SeriesInfo, utc_iso
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


def _worst(values: list[str | None], rank: dict[str, int]) -> str | None:
    return max((v for v in values if v), key=lambda v: rank.get(v, 1), default=None)


class OverviewService:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def overview(self, *, patient_id: str | None, owner_id: str | None = None,
                 imports: int = 5) -> Overview:
        """The cards and recent imports (a reader: never under an import's memory bound,
        since the Overview refreshes while imports run)."""
        with self._vault.reading():
            return self._overview(patient_id, owner_id, imports)

    def _overview(self, patient_id: str | None, owner_id: str | None, imports: int
                  ) -> Overview:
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
        latest = self._last_instant(patient_id, card.measure)
        if latest is None:
            return None
        series, at_last = latest
        first = at_last[0]
        readings = list(at_last)
        paired = None
        if card.paired:
            match = self._at(patient_id, card.paired, first.epoch)
            if match:
                paired = match[0].value
                readings += match
        others = tuple(dict.fromkeys(r.value for r in at_last[1:] if r.value != first.value))
        m = self._vault.measurements.measure(card.measure)
        tail = self._vault.records.recent_instants(patient_id=patient_id, codes=list(m.codes),
                                                   unit=series.unit, limit=SERIES)
        return KeyMeasure(
            card.measure, card.title or series.name, first.code, first.value, paired,
            series.unit or "", utc_iso(first.epoch) or "",
            _worst([r.flag for r in readings], FLAG_RANK),
            _worst([r.quality for r in readings], QUALITY_RANK) or "ok", others,
            tuple(v for _, v in tail))

    def _last_instant(self, patient_id: str, measure: str
                      ) -> tuple[SeriesInfo, list[Reading]] | None:
        """The primary series and its readings at its last instant, `verify` ones
        included: a card shows what was recorded last, and says when it is not credible.
        Read around the latest usable instant, never the whole history (a million
        readings of a measure would take seconds of Python)."""
        mm = self._vault.measurements
        found = mm.latest(patient_id=patient_id, measure=measure)
        if found is None:  # no usable reading: every one is held for verification
            whole = mm.primary(patient_id=patient_id, measure=measure)
            if whole is None or not whole.readings:
                return None
            last = whole.readings[-1].epoch
            return whole, [r for r in whole.readings if r.epoch == last]
        last = max(r.epoch for r in (*found.readings, *found.unverified))
        return found.series, self._at(patient_id, measure, last, unit=found.series.unit)

    def _at(self, patient_id: str, measure: str, epoch: float, *,
            unit: str | None = None) -> list[Reading]:
        """The readings of a measure at one instant (of the series in `unit`, else of
        the primary series there), every quality."""
        moment = datetime.fromtimestamp(epoch, UTC)
        series = self._vault.measurements.series(patient_id=patient_id, measure=measure,
                                                 since=moment, until=moment)
        chosen = next((s for s in series if s.unit == unit), None) if unit is not None \
            else None
        chosen = chosen or (series[0] if series else None)
        return [r for r in chosen.readings if r.epoch == epoch] if chosen else []
