"""What the vault holds for a patient: counts and date coverage per code, conditions, and
which patients an owner has (the patient choice before any question is answered)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import BY_CODE, metric
from agents.social_history import kind_of
from agents.tools.base import ToolResult, day

if TYPE_CHECKING:
    from storage.vault import Vault


@dataclass(frozen=True)
class Coverage(ToolResult):
    observations: int
    first_date: str | None
    last_date: str | None
    by_code: dict[str, dict[str, object]]  # code -> {metric, category, n, first_date, last_date}
    by_category: dict[str, int]
    medications: int
    conditions: int


def coverage(vault: Vault, *, patient_id: str) -> Coverage:
    counts = vault.measurements.code_counts(patient_id=patient_id)
    by_category: dict[str, int] = {}
    for c in counts:
        by_category[c.category or "other"] = by_category.get(c.category or "other", 0) + c.n
    meds, conds = vault.clinical.counts(patient_id=patient_id)
    firsts = [c.first for c in counts if c.first is not None]
    lasts = [c.last for c in counts if c.last is not None]
    return Coverage(
        observations=sum(c.n for c in counts),
        first_date=day(min(firsts)) if firsts else None,
        last_date=day(max(lasts)) if lasts else None,
        by_code={c.code: {"metric": metric(c.code).name if c.code in BY_CODE
                          else (c.display or c.code), "category": c.category, "n": c.n,
                          "first_date": day(c.first), "last_date": day(c.last)}
                 for c in counts},
        by_category=by_category, medications=meds, conditions=conds)


@dataclass(frozen=True)
class ConditionList(ToolResult):
    # [{display, code, onset, abatement, active, kind, episodes, last_onset}]; kind:
    # condition | social | administrative (agents.social_history)
    conditions: tuple[dict[str, object], ...]


def conditions(vault: Vault, *, patient_id: str) -> ConditionList:
    return ConditionList(conditions=tuple(
        {"display": c.display, "code": c.code, "onset": day(c.onset),
         "abatement": None if c.active else day(c.abatement), "active": c.active,
         "kind": kind_of(c.code), "episodes": c.episodes, "last_onset": day(c.last_onset)}
        for c in vault.clinical.conditions(patient_id=patient_id)))


def patients_of(vault: Vault, *, owner_id: str | None) -> list[dict[str, object]]:
    """The owner's patients (id, name, birth_date), oldest first."""
    return [{"id": p.id, "name": p.name, "birth_date": p.birth_date}
            for p in vault.clinical.patients_of(owner_id=owner_id)]


@dataclass(frozen=True)
class Vaccinations(ToolResult):
    vaccines: tuple[dict[str, object], ...]  # [{display, doses, first_date, last_date}], newest


def vaccinations(vault: Vault, *, patient_id: str) -> Vaccinations:
    return Vaccinations(vaccines=tuple(
        {"display": v.display, "doses": v.doses, "first_date": day(v.first),
         "last_date": day(v.last)} for v in vault.clinical.vaccinations(patient_id=patient_id)))


@dataclass(frozen=True)
class Visits(ToolResult):
    visits: tuple[dict[str, object], ...]  # [{display, encounter_class, date, provider, reason}]


def visits(vault: Vault, *, patient_id: str) -> Visits:
    """The person's encounters (visits, stays), newest first."""
    return Visits(visits=tuple(
        {"display": v.display, "encounter_class": v.encounter_class, "date": day(v.start),
         "provider": v.provider, "reason": v.reason}
        for v in vault.clinical.visits(patient_id=patient_id)))


@dataclass(frozen=True)
class Allergies(ToolResult):
    allergies: tuple[dict[str, object], ...]  # [{display, category, criticality, reaction, ...}]


def allergies(vault: Vault, *, patient_id: str) -> Allergies:
    return Allergies(allergies=tuple(
        {"display": a.display, "category": a.category, "criticality": a.criticality,
         "reaction": a.reaction, "recorded": day(a.recorded), "active": a.active}
        for a in vault.clinical.allergies(patient_id=patient_id)))
