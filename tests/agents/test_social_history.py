"""Synthea CSV records file work, schooling, stress and social contact as conditions:
answers list them as social history, apart from the conditions, and a survey's answer in
words is given as the person answered it. Expected facts are read from the CSV here."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.vault import Vault
from tests.agents.asking import ask, imported

# SNOMED CT social context findings (fully specified names end in "(finding)"): the
# employment, education, social contact and stress findings of Synthea's SDOH modules
SOCIAL = {"160903007", "160904001", "741062008", "73438004", "224299000", "5251000175109",
          "266948004", "105531004", "423315002", "422650009", "73595000", "160968000",
          "706893006"}
STRESS_SURVEY = "93038-8"  # LOINC: stress level (PRAPARE)


@pytest.fixture(scope="module")
def csv_vault(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Iterator[Vault]:
    with imported(tmp_path_factory.mktemp("csv") / "vault", testdata / "synthea_csv") as vault:
        yield vault


def _rows(testdata: Path, name: str) -> list[dict[str, str]]:
    with (testdata / "synthea_csv" / name).open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _ask(vault: Vault, patient: str, text: str) -> str:
    return ask(vault, patient, text).summary


def _plain(description: str) -> str:
    return re.sub(r" \((disorder|finding|situation|person)\)$", "", description)


def _patient(vault: Vault, csv_id: str) -> str:
    row = vault.cursor().execute("SELECT id FROM patients WHERE identifier = ?",
                                 [csv_id]).fetchone()
    assert row is not None
    return str(row[0])


def test_social_findings_are_social_history_not_conditions(csv_vault: Vault,
                                                           testdata: Path) -> None:
    by_patient: dict[str, list[dict[str, str]]] = {}
    for r in _rows(testdata, "conditions.csv"):
        by_patient.setdefault(r["PATIENT"], []).append(r)
    chosen = [(p, rows) for p, rows in by_patient.items()
              if any(r["CODE"] in SOCIAL for r in rows)
              and any(r["CODE"] not in SOCIAL for r in rows)][:4]
    assert chosen, "the CSV has patients with social and medical conditions"
    for csv_id, rows in chosen:
        pid = _patient(csv_vault, csv_id)
        listed = _ask(csv_vault, pid, "What conditions do I have?")
        medical, _, social = listed.partition("Social history on record:")
        for r in rows:
            name = _plain(r["DESCRIPTION"])
            assert name in (social if r["CODE"] in SOCIAL else medical), (name, listed)
        summary = _ask(csv_vault, pid, "Summarize my health").split(". ")[0]
        for r in rows:
            if r["CODE"] in SOCIAL:
                assert _plain(r["DESCRIPTION"]) not in summary, summary


def test_a_survey_answer_is_given_in_the_persons_words(csv_vault: Vault,
                                                       testdata: Path) -> None:
    latest: dict[str, tuple[str, str]] = {}
    for r in _rows(testdata, "observations.csv"):
        if r["CODE"] == STRESS_SURVEY and r["DATE"] >= latest.get(r["PATIENT"], ("",))[0]:
            latest[r["PATIENT"]] = (r["DATE"], r["VALUE"])
    assert latest
    for csv_id, (_, value) in list(latest.items())[:4]:
        said = _ask(csv_vault, _patient(csv_vault, csv_id), "How stressed am I?")
        assert f'"{value}"' in said and "How stressed are you?" in said, said
        assert STRESS_SURVEY not in said


def test_a_question_about_medications_is_not_read_as_a_survey_item(
        csv_vault: Vault, testdata: Path) -> None:
    """"What medications am I currently taking?" shares an everyday word with the survey
    question "Do you feel physically and emotionally safe where you currently live?":
    the answer lists the active medications, not that survey answer."""
    surveyed = {r["PATIENT"] for r in _rows(testdata, "observations.csv")
                if "currently" in r["DESCRIPTION"].split()}
    active: dict[str, set[str]] = {}
    for r in _rows(testdata, "medications.csv"):
        if not r["STOP"] and r["PATIENT"] in surveyed:
            active.setdefault(r["PATIENT"], set()).add(r["DESCRIPTION"])
    assert active
    for synthea_id, medications in sorted(active.items())[:3]:
        (patient,) = csv_vault.cursor().execute(
            "SELECT id FROM patients WHERE identifier = ?", [synthea_id]).fetchone()
        summary = _ask(csv_vault, patient, "What medications am I currently taking?")
        assert all(m in summary for m in medications), (summary, medications)
        assert "currently live" not in summary
