"""Questions that ask by a condition's status ("which are resolved?"), by an Apple
activity other than steps (active energy), and for one calendar day. Expected facts are
read from the raw files here."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from agents.timeframe import read
from agents.tools.base import Window
from storage.vault import Vault
from tests.agents.asking import ask, imported
from tests.agents.test_tools_synthea import patient_id

DON = "fhir_r4_synthea/Don_Moore_d65926d8-f057-4869-a5ed-85856e8e1f8c.json"
APPLE = "apple_health/apple_health_parser_export.xml"


def _ask(vault: Vault, patient: str, text: str) -> str:
    return ask(vault, patient, text).summary


def _conditions(testdata: Path) -> tuple[str, dict[str, list[tuple[str, str, str]]]]:
    """The bundle's patient id and its conditions: name -> [(status, onset, abatement)]."""
    bundle = json.loads((testdata / DON).read_text())
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    pid = ""
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Patient":
            pid = res["id"]
        if res["resourceType"] == "Condition":
            name = re.sub(r" \((disorder|finding)\)$", "", res["code"]["coding"][0]["display"])
            found[name].append((res["clinicalStatus"]["coding"][0]["code"],
                                res.get("onsetDateTime", "")[:10],
                                res.get("abatementDateTime", "")[:10]))
    return pid, found


def test_conditions_asked_by_status_are_listed_by_it(shared_vault: Vault,
                                                     testdata: Path) -> None:
    raw_id, conditions = _conditions(testdata)
    patient = patient_id(shared_vault, raw_id)
    resolved = {n for n, eps in conditions.items() if all(s == "resolved" for s, _, _ in eps)}
    active = set(conditions) - resolved
    assert resolved and active
    said = _ask(shared_vault, patient, "Which of my conditions are resolved?")
    assert all(n in said for n in resolved) and not any(n in said for n in active), said
    for name in resolved:  # each episode counted, not one span from the first to the last
        episodes = conditions[name]
        if len(episodes) > 1:
            assert f"{len(episodes)} episodes" in said
            assert f"the last from {max(onset for _, onset, _ in episodes)}" in said
    said = _ask(shared_vault, patient, "What conditions have I had in the past?")
    assert all(n in said for n in conditions), said  # the whole history, active ones too
    said = _ask(shared_vault, patient, "What are my active conditions?")
    assert all(n in said for n in active) and not any(n in said for n in resolved), said
    assert "steps" not in said.lower()  # "active" of a condition is its status


@pytest.fixture(scope="module")
def apple_vault(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Iterator[Vault]:
    with imported(tmp_path_factory.mktemp("apple") / "vault", testdata / APPLE) as vault:
        yield vault


def test_active_energy_of_one_day_is_answered_as_energy(apple_vault: Vault,
                                                        testdata: Path) -> None:
    by_day: dict[str, float] = defaultdict(float)  # the local day the export writes
    for record in etree.parse(str(testdata / APPLE)).iter("Record"):
        if record.get("type") == "HKQuantityTypeIdentifierActiveEnergyBurned":
            by_day[record.get("startDate")[:10]] += float(record.get("value"))
    day, kcal = sorted(by_day.items())[-1]
    (patient,) = [r[0] for r in apple_vault.cursor().execute("SELECT id FROM patients")
                  .fetchall()]
    said = _ask(apple_vault, patient, f"How many active calories did I burn on {day}?")
    assert f"{kcal:g} kcal on {day}" in said, said
    assert "steps" not in said.lower()


def test_iso_dates_are_days_not_their_year() -> None:
    today = date(2026, 12, 1)
    assert read(" on 2024-01-02 ", today).window == Window(date(2024, 1, 2), date(2024, 1, 2))
    assert read(" from 2024-01-01 to 2024-01-15 ", today).window == Window(
        date(2024, 1, 1), date(2024, 1, 15))
    assert read(" since 2023-05-01 ", today).window.since == date(2023, 5, 1)
    assert read(" before 2023-05-01 ", today).window.until == date(2023, 4, 30)
    assert read(" on 2024-02-31 ", today).label != "on 2024-02-31"  # no such day
