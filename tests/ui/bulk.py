"""A vault with many synthetic records, written in one DuckDB statement (seconds for a
million rows), for the Records view's test and the UI benchmark."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.vault import Vault

PATIENT = "pat_bulk"
START = datetime(2010, 1, 1, tzinfo=UTC)  # reading i is i minutes after this
CODES = (("8867-4", "Heart rate", "/min", "vital-signs"),
         ("2339-0", "Glucose", "mg/dL", "laboratory"),
         ("29463-7", "Body weight", "kg", "vital-signs"),
         ("2093-3", "Total cholesterol", "mg/dL", "laboratory"))


def value_of(i: int) -> float:
    """Reading i's value (the same formula as the SQL below)."""
    return 50 + i % 97


def fill(vault: Vault, rows: int) -> None:
    codes = ", ".join(f"('{c}', '{d}', '{u}', '{k}')" for c, d, u, k in CODES)
    with vault.transaction() as cur:
        cur.execute("INSERT INTO patients (id, owner_id, name, created_at) "
                    "VALUES (?, NULL, 'Bulk Test', now())", [PATIENT])
        cur.execute(f"""
            INSERT INTO observations (patient_id, category, code_system, code, display, value,
                                      unit, effective, utc_offset, source, content_hash)
            SELECT '{PATIENT}', c.k, 'http://loinc.org', c.code, c.d, 50 + i % 97, c.u,
                   TIMESTAMPTZ '{START.isoformat()}' + to_minutes(i), 0, 'fhir',
                   CAST(i AS UHUGEINT)
            FROM range({rows}) t(i)
            JOIN (SELECT row_number() OVER () - 1 AS n, * FROM (VALUES {codes}) v(code, d, u, k))
                 c ON c.n = i % {len(CODES)}""")
    vault.measurements.judge()  # as an import does when it ends
    vault.checkpoint()


def code_of(i: int) -> str:
    return CODES[i % len(CODES)][0]
