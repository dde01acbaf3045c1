"""A reading outside the range the answer compares it with, which its own record marks
normal (the CCD's blood pressures: interpretationCode N, above ACC/AHA's 120/80): the
answer says both, so its words agree with the flag it shows. Read from the raw XML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from storage.vault import Vault
from tests.agents.asking import ask, imported

CCD = "ccda/Documents_CCD_CCD_1_CCD.XML"
SYSTOLIC = "8480-6"


@pytest.fixture(scope="module")
def ccd_vault(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Iterator[Vault]:
    with imported(tmp_path_factory.mktemp("ccd") / "vault", testdata / CCD) as vault:
        yield vault


def test_a_reading_its_record_marks_normal_is_said_so_beside_the_range(
        ccd_vault: Vault, testdata: Path) -> None:
    ns = {"c": "urn:hl7-org:v3"}
    readings = []  # (time, value, interpretation) of the systolic pressures
    for obs in etree.parse(str(testdata / CCD)).iterfind(".//c:observation", ns):
        code = obs.find("c:code", ns)
        if code is not None and code.get("code") == SYSTOLIC:
            interpretation = obs.find("c:interpretationCode", ns)
            readings.append((obs.find("c:effectiveTime", ns).get("value"),
                             float(obs.find("c:value", ns).get("value")),
                             interpretation.get("code") if interpretation is not None else None))
    _, value, interpretation = max(readings)
    assert value > 120 and interpretation == "N"  # the case this test is about
    (patient,) = [r[0] for r in ccd_vault.cursor().execute("SELECT id FROM patients").fetchall()]
    synthesis = ask(ccd_vault, patient, "What is my blood pressure?")
    systolic = next(k for k in synthesis.key_findings if k["code"] == SYSTOLIC)
    assert systolic["flag"] == "normal"
    assert "above the reference range (upper limit 120 mmHg; the record itself marks it " \
        "normal)" in synthesis.summary
    assert any("Systolic" in c and "the record itself marks it normal" in c
               for c in synthesis.concerns)
