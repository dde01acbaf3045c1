"""`healthinsight ask` end to end: a real process on a real encrypted vault with one
imported Synthea bundle (and one with several patients)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.imports import ImportService
from app.settings import Settings
from tests.agents.raw_fhir import expected_trend, load
from tests.conftest import PASSPHRASE, make_vault

BIN = Path(sys.executable).parent / "healthinsight"


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTHINSIGHT_PASSPHRASE": PASSPHRASE, "HEALTHINSIGHT_LLM_ENGINE":
           "auto", "HEALTHINSIGHT_OLLAMA_HOST": "http://127.0.0.1:9"}  # nothing listens there
    return subprocess.run([str(BIN), "--home", str(home), *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def bundle(testdata: Path) -> Path:
    return sorted((testdata / "fhir_r4_synthea").glob("*.json"))[1]


@pytest.fixture(scope="module")
def one_patient(tmp_path_factory: pytest.TempPathFactory, bundle: Path) -> Path:
    home = tmp_path_factory.mktemp("ask") / "vault"
    vault = make_vault(home)
    service = ImportService(vault, Settings(home=home))
    assert service.run([bundle]).status == "completed"
    service.close()
    vault.close()
    return home


def test_ask_json_prints_the_query_result(one_patient: Path, bundle: Path) -> None:
    done = run(one_patient, "ask", "What's my cholesterol trend?", "--json", "--offline")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"query_id", "status", "complexity", "medical_team", "synthesis", "visualization",
            "engine"} <= set(result)
    assert result["status"] == "completed" and result["engine"] == "offline"
    found = result["synthesis"]["key_findings"][0]
    want = expected_trend(load(bundle).series("2093-3"))
    assert found["n"] == want["n"] and found["last_date"] == want["last_date"]
    assert found["current_value"] == pytest.approx(want["current_value"], abs=1e-4)


def test_auto_without_ollama_answers_offline(one_patient: Path) -> None:
    done = run(one_patient, "ask", "What is my latest HbA1c?")
    assert done.returncode == 0, done.stderr
    assert "Hemoglobin A1c" in done.stdout and "Engine: offline" in done.stdout
    assert "not medical advice" in done.stdout


def test_several_patients_need_a_choice(tmp_path: Path, testdata: Path) -> None:
    home = tmp_path / "vault"
    vault = make_vault(home)
    files = sorted((testdata / "fhir_r4_synthea").glob("*.json"))[:2]
    service = ImportService(vault, Settings(home=home))
    service.run(files)
    service.close()
    patients = [r[0] for r in vault.cursor().execute("SELECT id FROM patients").fetchall()]
    vault.close()
    done = run(home, "ask", "What is my LDL?", "--offline")
    assert done.returncode == 1
    assert "2 patients" in done.stderr and all(p in done.stderr for p in patients)
    chosen = run(home, "ask", "What is my LDL?", "--offline", "--json", "--patient", patients[0])
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)["patient_id"] == patients[0]


def test_follow_up_in_a_conversation(one_patient: Path, bundle: Path) -> None:
    first = json.loads(run(one_patient, "ask", "What's my cholesterol trend?", "--json",
                           "--offline").stdout)
    done = run(one_patient, "ask", "and my LDL?", "--json", "--offline", "--conversation",
               first["conversation_id"])
    assert done.returncode == 0, done.stderr
    follow = json.loads(done.stdout)
    assert follow["conversation_id"] == first["conversation_id"]
    found = follow["synthesis"]["key_findings"][0]
    want = expected_trend(load(bundle).series("18262-6"))
    assert found["code"] == "18262-6" and found["n"] == want["n"]
    missing = run(one_patient, "ask", "and my LDL?", "--conversation", "conv_nope")
    assert missing.returncode == 1 and "conv_nope" in missing.stderr
