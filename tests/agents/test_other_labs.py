"""Laboratory results outside the usual panels (PSA, vitamin D, B12: the lay-word topics
of the "other lab" system) are answered by Dr. Lab with their value and date, not with
"your records have no PSA results". Expected values are read from the raw bundles."""

from __future__ import annotations

from storage.vault import Vault
from tests.agents.asking import ask
from tests.agents.raw_fhir import load
from tests.agents.test_tools_synthea import BUNDLES, patient_id

PSA = "2857-1"  # LOINC: Prostate specific Ag [Mass/volume] in Serum or Plasma


def _ask(vault: Vault, patient: str, text: str) -> tuple[str, list[str]]:
    synthesis = ask(vault, patient, text)
    return synthesis.summary, list(synthesis.concerns)


def test_a_psa_on_record_is_answered_with_its_value_date_and_range(shared_vault: Vault) -> None:
    asked = 0
    for bundle in BUNDLES:
        raw = load(bundle)
        points = raw.series(PSA)
        if not points:
            continue
        asked += 1
        when, value = points[-1]
        summary, concerns = _ask(shared_vault, patient_id(shared_vault, raw.resource_id),
                                 "What is my PSA?")
        assert f"{value:.2f}" in summary and "PSA" in summary, summary
        assert when.date().isoformat() in summary, summary
        # above 4.0 ng/mL, the long-used upper limit (resources/reference_ranges.json)
        assert any("PSA" in c and "above" in c for c in concerns) == (value > 4.0), concerns
    assert asked  # the bundles hold a PSA: the test must see one
