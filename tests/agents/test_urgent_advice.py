"""An urgent answer's first recommendation follows what made it urgent: symptoms the
question describes, or critical values in the records when it describes none (telling
someone who only asked about their heart rate to seek care "for the symptoms you
described" answers a question they did not ask)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.storage.conftest import import_paths

ROOT = Path(__file__).resolve().parents[2]
HR = ('<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" '
      'startDate="{t}" endDate="{t}" value="{v}"/>')


def _export(tmp_path: Path) -> Path:
    """Two heart rates yesterday, one of them at rest over NEWS2's critical 150."""
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    records = "\n ".join(HR.format(t=f"{day} {hour}:00:00 +0000", v=v)
                         for hour, v in (("08", 70), ("15", 168)))
    path = tmp_path / "export.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n'
                    f' <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-05-01"/>\n'
                    f' {records}\n</HealthData>\n')
    return path


@pytest.mark.parametrize(("question", "advice"), [
    ("How is my heart rate?", "Contact your clinician today about the critical values"),
    ("I have crushing chest pain right now, how is my heart rate?",
     "Seek urgent care now for the symptoms you described."),
])
def test_the_first_recommendation_names_what_made_the_answer_urgent(
        vault_home: Path, tmp_path: Path, question: str, advice: str) -> None:
    with Vault.open(vault_home, passphrase=PASSPHRASE) as vault:
        import_paths(vault, _export(tmp_path))
    env = {**os.environ, "HEALTHINSIGHT_HOME": str(vault_home),
           "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "app.cli", "ask", "--offline", "--json",
                           question], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    answer = json.loads(done.stdout[done.stdout.index("{"):])
    synthesis = answer["synthesis"]
    assert synthesis["summary"].startswith("Urgent:"), synthesis["summary"]
    assert "168" in synthesis["summary"]
    recommendations = synthesis["recommendations"]
    assert recommendations[0].startswith(advice), recommendations
    assert all("symptoms you described" not in r for r in recommendations[1:])
