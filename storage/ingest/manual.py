"""A reading typed in by hand: written through the same Writer as every import, so it is
normalized (canonical unit, reference range, flag) and de-duplicated the same way."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from storage.errors import IngestError
from storage.ingest import units
from storage.ingest.normalize import category_for_code, name_for_code
from storage.ingest.writer import Writer

if TYPE_CHECKING:
    from storage.vault import Vault

LOINC = "http://loinc.org"


def add_reading(vault: Vault, *, patient_id: str, owner_id: str | None, code: str,
                value: float, unit: str, effective: datetime,
                display: str | None = None) -> str:
    """Store one numeric reading; returns its record id. The unit must be one the code's
    readings can be converted from (units.units_for), and the time must carry its offset."""
    if effective.tzinfo is None:
        raise IngestError("manual entry", "time", "the time needs its UTC offset")
    if unit not in units.units_for(code):
        raise IngestError("manual entry", "unit", f"{unit!r} is not a unit for {code}")
    record_id = "manual_" + secrets.token_hex(8)
    vault.measurements.prepare()
    with vault.transaction() as cur:
        w = Writer(cur, owner_id=owner_id, import_id="manual", source="manual",
                   file_label="manual entry", judge=vault.measurements)
        try:
            w.use_patient("person", patient_id)
            w.observation(0, patient="person", category=category_for_code(code),
                          code_system=LOINC, code=code, display=display or name_for_code(code),
                          num=float(value), original_value=f"{value:g}", original_unit=unit,
                          effective=effective.isoformat(), record_id=record_id)
            w.finish()
        finally:
            w.close()
    return record_id
