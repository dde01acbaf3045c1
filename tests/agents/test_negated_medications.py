"""C-CDA medication statements with negationInd="true" (HL7 C-CDA R2.1, Medication
Activity): with no drug named they say "takes no medications" and add no row; with a drug
named they say "not taking it", so it is never listed as a current medication."""

from __future__ import annotations

import re
from pathlib import Path

from agents.events import EventBus
from app.services.imports import ImportService
from app.services.queries import QueryService
from app.settings import Settings
from storage.vault import Vault

# RxNorm 197361 "amlodipine 5 MG Oral Tablet" (RxNav), written into the negated statement
AMLODIPINE = ('<code code="197361" codeSystem="2.16.840.1.113883.6.88" '
              'displayName="Amlodipine 5 MG Oral Tablet"/>')


def _ask(vault: Vault, settings: Settings, question: str) -> str:
    pid = vault.cursor().execute("SELECT id FROM patients").fetchone()[0]
    service = QueryService(vault, EventBus(), settings)
    try:
        result = service.ask(question, patient_id=pid)
    finally:
        service.close()
    assert result.status == "completed" and result.synthesis is not None
    return result.synthesis.summary


def test_no_medications_and_not_taken(vault: Vault, vault_home: Path, testdata: Path,
                                      tmp_path: Path) -> None:
    source = next((testdata / "ccda").glob("Medications_No_Medications*.xml"))
    text = source.read_text(encoding="utf-8")
    material = re.search(r"<manufacturedMaterial>\s*(<code .*?</code>)", text, re.S)
    assert 'negationInd="true"' in text and material and "nullFlavor" in material.group(1)
    settings = Settings(home=vault_home, llm_engine="offline")
    imports = ImportService(vault, settings)
    try:
        assert imports.run([source]).status == "completed"
        assert vault.cursor().execute("SELECT count(*) FROM medications").fetchone() == (0,)
        assert _ask(vault, settings, "What medications am I taking?") == (
            "No medications are recorded.")
        named = tmp_path / "not_taking.xml"
        named.write_text(text.replace(material.group(1), AMLODIPINE), encoding="utf-8")
        assert imports.run([named]).status == "completed"
    finally:
        imports.close()
    rows = vault.cursor().execute("SELECT name, status FROM medications").fetchall()
    assert rows == [("Amlodipine 5 MG Oral Tablet", "not-taken")]
    answer = _ask(vault, settings, "What medications am I taking?")
    assert "none active" in answer
    assert "not taken: Amlodipine 5 MG Oral Tablet" in answer
    assert "Unnamed medication" not in answer
