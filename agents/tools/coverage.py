"""What the vault holds for a patient: counts and date coverage per code, conditions, and
which patients an owner has (the patient choice before any question is answered)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.codes import metric
from agents.tools.base import ToolResult, cursor, day

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
    cur = cursor(vault)
    rows = cur.execute(
        "SELECT code, any_value(category), count(*), min(epoch(effective)), "
        "max(epoch(effective)), any_value(display) FROM observations WHERE patient_id = $p "
        "GROUP BY code ORDER BY count(*) DESC",
        {"p": patient_id},
    ).fetchall()
    counts = cur.execute(
        "SELECT (SELECT count(*) FROM medications WHERE patient_id = $p), "
        "(SELECT count(*) FROM conditions WHERE patient_id = $p)",
        {"p": patient_id},
    ).fetchone()
    assert counts is not None
    by_category: dict[str, int] = {}
    for r in rows:
        by_category[r[1]] = by_category.get(r[1], 0) + int(r[2])
    firsts = [r[3] for r in rows if r[3] is not None]
    lasts = [r[4] for r in rows if r[4] is not None]
    return Coverage(
        observations=sum(int(r[2]) for r in rows),
        first_date=day(min(firsts)) if firsts else None,
        last_date=day(max(lasts)) if lasts else None,
        by_code={
            str(r[0]): {"metric": metric(r[0]).name if r[0] else (r[5] or "unknown"),
                        "category": r[1], "n": int(r[2]), "first_date": day(r[3]),
                        "last_date": day(r[4])}
            for r in rows
        },
        by_category=by_category,
        medications=int(counts[0]),
        conditions=int(counts[1]),
    )


@dataclass(frozen=True)
class ConditionList(ToolResult):
    conditions: tuple[dict[str, object], ...]  # [{display, code, onset, abatement, active}]


def conditions(vault: Vault, *, patient_id: str) -> ConditionList:
    rows = cursor(vault).execute(
        "SELECT display, code, min(epoch(onset)), max(epoch(abatement)), "
        "bool_or(abatement IS NULL AND coalesce(clinical_status, 'active') IN "
        "('active', 'recurrence', 'relapse')) FROM conditions WHERE patient_id = $p "
        "GROUP BY display, code ORDER BY min(onset) NULLS LAST, display",
        {"p": patient_id},
    ).fetchall()
    return ConditionList(conditions=tuple(
        {"display": r[0], "code": r[1], "onset": day(r[2]),
         "abatement": None if r[4] else day(r[3]), "active": bool(r[4])}
        for r in rows
    ))


def patients_of(vault: Vault, *, owner_id: str | None) -> list[dict[str, object]]:
    """The owner's patients (id, name, birth_date), oldest first."""
    rows = cursor(vault).execute(
        "SELECT id, name, birth_date FROM patients WHERE owner_id IS NOT DISTINCT FROM $o "
        "ORDER BY created_at, id",
        {"o": owner_id},
    ).fetchall()
    return [{"id": r[0], "name": r[1], "birth_date": r[2].isoformat() if r[2] else None}
            for r in rows]
