"""A small helper that writes rows straight into a vault, for tests that need exact
control over observations (the data-backed tests import real bundles instead)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime

from storage.vault import Vault


def _hash(text: str) -> int:
    """A content hash as the vault stores one (md5 as a 128-bit number)."""
    return int.from_bytes(hashlib.md5(text.encode()).digest(), "little")


def add_patient(vault: Vault, patient_id: str, *, name: str = "Test Patient",
                owner_id: str | None = None) -> str:
    with vault.transaction() as cur:
        cur.execute(
            "INSERT INTO patients (id, owner_id, name, birth_date, created_at) "
            "VALUES (?, ?, ?, DATE '1970-01-01', now())",
            [patient_id, owner_id, name],
        )
    return patient_id


def add_observations(vault: Vault, patient_id: str,
                     rows: Iterable[tuple[str, datetime, float, str]], *,
                     low: float | None = None, high: float | None = None) -> None:
    """rows: (code, effective, value, unit)."""
    values = [
        (patient_id, "laboratory", "http://loinc.org", code, code, value, unit, low, high,
         effective, _hash(f"{patient_id}{code}{effective}{value}"))
        for code, effective, value, unit in rows
    ]
    with vault.transaction() as cur:
        cur.executemany(
            "INSERT INTO observations (patient_id, category, code_system, code, display, value, "
            "unit, reference_low, reference_high, effective, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )


def add_medication(vault: Vault, patient_id: str, name: str, start: date, *,
                   stop: date | None = None, dose: float | None = None,
                   status: str = "active", med_id: str | None = None) -> None:
    with vault.transaction() as cur:
        cur.execute(
            "INSERT INTO medications (id, patient_id, name, dose_value, dosage, status, start, "
            "stop, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [med_id or f"med_{name}_{start}", patient_id, name, dose,
             f"{dose} mg" if dose else None, status, start, stop, _hash(f"{name}{start}")],
        )
