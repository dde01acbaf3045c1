"""A person with medications and conditions but no measurements (the bulk NDJSON export
has no Observation file) still gets a sensible answer."""

from __future__ import annotations

from pathlib import Path

from agents.events import EventBus
from app.services.imports import ImportService
from app.services.queries import QueryService
from app.settings import Settings
from storage.vault import Vault


def test_comprehensive_answer_without_observations(vault: Vault, vault_home: Path,
                                                   testdata: Path) -> None:
    settings = Settings(home=vault_home, llm_engine="offline")
    imports = ImportService(vault, settings)
    assert imports.run([testdata / "fhir_bulk_ndjson"]).status == "completed"
    imports.close()
    pid, meds = vault.cursor().execute(
        "SELECT patient_id, count(*) FROM medications GROUP BY patient_id "
        "ORDER BY count(*) DESC, patient_id LIMIT 1").fetchone()
    service = QueryService(vault, EventBus(), settings)
    try:
        result = service.ask("Give me a comprehensive health summary", patient_id=pid)
    finally:
        service.close()
    assert result.status == "completed" and result.complexity == "comprehensive"
    text = repr(result.synthesis) + repr(result.medical_team)
    assert "None" not in result.synthesis.summary
    assert "from None" not in text
    assert f"{meds} medication records" in text
