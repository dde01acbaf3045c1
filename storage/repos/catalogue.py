"""What one person's records hold, for understanding a question before any analysis:
every (code, unit) with its display names and counts, the coded (text) results of
chosen codes, and the patient's demographic facts.

Read-only and small by construction: one row per code and unit, so a 15-year Apple
export costs a few dozen rows, not a million. The team matches question words against
these displays, so an answer is built from what this person actually has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from storage.results import one_row

if TYPE_CHECKING:
    from storage.vault import Vault

@dataclass(frozen=True)
class CodeEntry:
    code: str
    unit: str | None
    displays: tuple[str, ...]
    category: str | None
    n: int
    numeric: int  # readings with a number
    first: date | None
    last: date | None


@dataclass(frozen=True)
class CodedResult:
    code: str
    display: str
    text: str
    date: date | None
    row_id: int


@dataclass(frozen=True)
class SleepInterval:
    """One HealthKit sleep analysis sample: its category value as stored, its span in
    epoch seconds and the offset (minutes east of UTC) its times were written in."""

    value: str
    start: float
    end: float
    utc_offset: int
    source: str | None
    row_id: int


@dataclass(frozen=True)
class PatientFacts:
    id: str
    name: str | None
    birth_date: date | None
    sex: str | None
    deceased: bool  # Patient.deceased[x] as imported
    died: date | None  # its date, when the record gives one
    records_end: date | None  # the latest dated observation, medication or condition


# An observation's time on the person's own clock, whose calendar day is the day shown
# (Reading.day): first and last days, and where the records end, are the person's days.
LOCAL_EPOCH = "epoch(effective) + 60 * coalesce(utc_offset, 0)"


def _day(epoch: float | None) -> date | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).date()


class CatalogueRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def codes(self, *, patient_id: str) -> tuple[CodeEntry, ...]:
        rows = self._vault.cursor().execute(
            "SELECT code, unit, list(DISTINCT display) FILTER (display IS NOT NULL), "
            f"any_value(category), count(*), count(value), min({LOCAL_EPOCH}), "
            f"max({LOCAL_EPOCH}) FROM observations WHERE patient_id = $p AND code IS NOT NULL "
            "GROUP BY code, unit ORDER BY count(*) DESC, code", {"p": patient_id}).fetchall()
        return tuple(CodeEntry(str(r[0]), r[1], tuple(sorted(r[2] or ())), r[3], int(r[4]),
                               int(r[5]), _day(r[6]), _day(r[7])) for r in rows)

    def coded_results(self, *, patient_id: str, codes: tuple[str, ...]) -> tuple[CodedResult, ...]:
        """Text results (`Detected`, `Negative`, ...) of `codes`, newest first."""
        if not codes:
            return ()
        rows = self._vault.cursor().execute(
            f"SELECT code, coalesce(display, code), value_text, {LOCAL_EPOCH}, id "
            "FROM observations WHERE patient_id = $p AND list_contains($codes, code) "
            "AND value_text IS NOT NULL ORDER BY effective DESC NULLS LAST, id DESC",
            {"p": patient_id, "codes": list(codes)}).fetchall()
        return tuple(CodedResult(r[0], r[1], r[2], _day(r[3]), int(r[4])) for r in rows)

    def sleep_intervals(self, *, patient_id: str) -> tuple[SleepInterval, ...]:
        """Every sleep analysis sample with a span, in time order."""
        rows = self._vault.cursor().execute(
            "SELECT value_text, epoch(effective), epoch(effective_end), "
            "coalesce(utc_offset, 0), source_name, id FROM observations WHERE patient_id = $p "
            "AND code = 'HKCategoryTypeIdentifierSleepAnalysis' AND value_text IS NOT NULL "
            "AND effective_end > effective ORDER BY effective, id", {"p": patient_id}).fetchall()
        return tuple(SleepInterval(r[0], float(r[1]), float(r[2]), int(r[3]), r[4], int(r[5]))
                     for r in rows)

    def patient(self, *, patient_id: str) -> PatientFacts | None:
        cur = self._vault.cursor()
        row = one_row(cur.execute("SELECT id, name, birth_date, sex, coalesce(deceased, false) "
                          "OR deceased_date IS NOT NULL, deceased_date FROM patients "
                          "WHERE id = $p", {"p": patient_id}))
        if row is None:
            return None
        end = one_row(cur.execute(
            "SELECT greatest("
            f" (SELECT max({LOCAL_EPOCH}) FROM observations WHERE patient_id = $p),"
            " (SELECT max(epoch(coalesce(stop, start))) FROM medications WHERE patient_id = $p),"
            " (SELECT max(epoch(coalesce(abatement, onset))) FROM conditions "
            "WHERE patient_id = $p))", {"p": patient_id}))
        return PatientFacts(row[0], row[1], row[2], row[3], bool(row[4]), row[5],
                            _day(end[0]) if end else None)
