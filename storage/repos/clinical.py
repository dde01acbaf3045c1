"""Medications, conditions and a patient list for the analysis tools (``vault.clinical``):
the SQL lives here so agents/ never names a vault table.

Sources repeat a prescription at every visit (Synthea writes one MedicationRequest per
encounter), so medication records are grouped by name: the first start is when it began.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from storage.results import one_row

if TYPE_CHECKING:
    from storage.vault import Vault

# Statuses of a medication record no longer (or never) taken; `not-taken` is FHIR
# MedicationStatement's, a C-CDA negationInd="true" with a drug named.
_ENDED = "('stopped', 'completed', 'cancelled', 'entered-in-error', 'not-taken')"


class DoseEntry(NamedTuple):
    start: float | None  # epoch seconds
    dosage: str | None
    dose_value: float | None
    dose_unit: str | None


class MedicationGroup(NamedTuple):
    name: str
    first_start: float | None
    last_stop: float | None
    records: int
    active: bool  # any record still active or open-ended
    all_stopped: bool  # every record has a stop date
    doses: tuple[DoseEntry, ...]  # by start
    reason: str | None
    ids: tuple[str, ...]
    not_taken: bool = False  # every record says it is not taken (C-CDA negationInd)


class ConditionGroup(NamedTuple):
    """One condition however often recorded: its first onset, whether it is active, and
    its episodes (records with distinct onsets: three bouts of sinusitis are three)."""

    display: str
    code: str | None
    onset: float | None
    abatement: float | None
    active: bool
    episodes: int
    last_onset: float | None  # of the latest episode


class VaccineGroup(NamedTuple):
    display: str
    doses: int
    first: float | None  # epoch seconds
    last: float | None


class AllergyEntry(NamedTuple):
    display: str
    category: str | None
    criticality: str | None
    reaction: str | None
    recorded: float | None
    active: bool


class VisitEntry(NamedTuple):
    display: str | None  # the encounter type ("General examination of patient")
    encounter_class: str | None  # ambulatory | wellness | emergency | inpatient | AMB ...
    start: float | None  # epoch seconds
    provider: str | None
    reason: str | None


class PatientEntry(NamedTuple):
    id: str
    name: str
    birth_date: str | None


class ClinicalRepository:
    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def medications(self, *, patient_id: str, name: str | None = None
                    ) -> tuple[MedicationGroup, ...]:
        """Medication records grouped by name (`name`: a case-insensitive substring)."""
        rows = self._vault.cursor().execute(
            "SELECT name, min(epoch(start)), max(epoch(stop)), count(*), "
            f"bool_or(stop IS NULL AND coalesce(status, 'active') NOT IN {_ENDED}), "
            "bool_and(stop IS NOT NULL), "
            "list((epoch(start), dosage, dose_value, dose_unit) ORDER BY start NULLS LAST, id), "
            "any_value(reason), list(id ORDER BY start NULLS LAST, id), "
            "bool_and(coalesce(status = 'not-taken', false)) "
            "FROM medications WHERE patient_id = $p "
            "AND ($name IS NULL OR lower(name) LIKE '%' || lower($name) || '%') "
            "GROUP BY name ORDER BY min(start) NULLS LAST, name",
            {"p": patient_id, "name": name}).fetchall()
        return tuple(MedicationGroup(
            name=r[0], first_start=r[1], last_stop=r[2], records=int(r[3]), active=bool(r[4]),
            all_stopped=bool(r[5]),
            doses=tuple(DoseEntry(*(d.values() if isinstance(d, dict) else d)) for d in r[6]),
            reason=r[7], ids=tuple(str(i) for i in r[8]), not_taken=bool(r[9])) for r in rows)

    def first_start(self, *, patient_id: str, name: str) -> tuple[str, float] | None:
        """(name, epoch) of the earliest record whose name contains `name`."""
        row = one_row(self._vault.cursor().execute(
            "SELECT arg_min(name, start), epoch(min(start)) FROM medications "
            "WHERE patient_id = $p AND lower(name) LIKE '%' || lower($n) || '%'",
            {"p": patient_id, "n": name}))
        return (str(row[0]), float(row[1])) if row and row[1] is not None else None

    def conditions(self, *, patient_id: str) -> tuple[ConditionGroup, ...]:
        rows = self._vault.cursor().execute(
            "SELECT display, code, min(epoch(onset)), max(epoch(abatement)), "
            "bool_or(abatement IS NULL AND coalesce(clinical_status, 'active') IN "
            "('active', 'recurrence', 'relapse')), greatest(count(DISTINCT onset), 1), "
            "max(epoch(onset)) FROM conditions WHERE patient_id = $p "
            "GROUP BY display, code ORDER BY min(onset) NULLS LAST, display",
            {"p": patient_id}).fetchall()
        return tuple(ConditionGroup(r[0], r[1], r[2], r[3], bool(r[4]), int(r[5]), r[6])
                     for r in rows)

    def vaccinations(self, *, patient_id: str) -> tuple[VaccineGroup, ...]:
        """Immunizations given, grouped by vaccine, latest first (a vaccine recorded as
        not given, FHIR Immunization.status not-done or entered-in-error, is left out)."""
        rows = self._vault.cursor().execute(
            "SELECT display, count(*), min(epoch(occurred)), max(epoch(occurred)) "
            "FROM immunizations WHERE patient_id = $p AND coalesce(status, 'completed') "
            "NOT IN ('not-done', 'entered-in-error') GROUP BY display "
            "ORDER BY max(occurred) DESC NULLS LAST, display", {"p": patient_id}).fetchall()
        return tuple(VaccineGroup(r[0], int(r[1]), r[2], r[3]) for r in rows)

    def visits(self, *, patient_id: str) -> tuple[VisitEntry, ...]:
        """Encounters, newest first (those with no start date last)."""
        rows = self._vault.cursor().execute(
            "SELECT display, encounter_class, epoch(start), provider, reason FROM encounters "
            "WHERE patient_id = $p ORDER BY start DESC NULLS LAST, id DESC",
            {"p": patient_id}).fetchall()
        return tuple(VisitEntry(*r) for r in rows)

    def allergies(self, *, patient_id: str) -> tuple[AllergyEntry, ...]:
        rows = self._vault.cursor().execute(
            "SELECT display, any_value(category), any_value(criticality), any_value(reaction), "
            "min(epoch(recorded)), bool_or(coalesce(clinical_status, 'active') = 'active') "
            "FROM allergies WHERE patient_id = $p GROUP BY display "
            "ORDER BY min(recorded) NULLS LAST, display", {"p": patient_id}).fetchall()
        return tuple(AllergyEntry(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows)

    def counts(self, *, patient_id: str) -> tuple[int, int]:
        """(medication records, condition records) of a patient."""
        row = one_row(self._vault.cursor().execute(
            "SELECT (SELECT count(*) FROM medications WHERE patient_id = $p), "
            "(SELECT count(*) FROM conditions WHERE patient_id = $p)",
            {"p": patient_id}))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def patients_of(self, *, owner_id: str | None) -> tuple[PatientEntry, ...]:
        """The owner's patients, oldest first."""
        rows = self._vault.cursor().execute(
            "SELECT id, name, birth_date FROM patients WHERE owner_id IS NOT DISTINCT FROM $o "
            "ORDER BY created_at, id", {"o": owner_id}).fetchall()
        return tuple(PatientEntry(r[0], r[1], r[2].isoformat() if r[2] else None)
                     for r in rows)
