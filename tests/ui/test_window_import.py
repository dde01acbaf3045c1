"""Importing a real Synthea bundle through the window shows its patient and records."""

from __future__ import annotations

import html
import json
from pathlib import Path

from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow


def _raw(testdata: Path) -> tuple[dict, list[dict]]:
    bundle = json.loads((testdata / "fhir_r4_synthea" / BUNDLE).read_text())
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    return patient, observations


def test_import_through_the_window_shows_the_patient_and_filters_records(qtbot, ctx, testdata):
    patient, observations = _raw(testdata)
    official = next(n for n in patient["name"] if n.get("use") == "official")
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()

    window.import_paths([testdata / "fhir_r4_synthea" / BUNDLE])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=60000)
    assert window.last_import["status"] == "completed"
    assert window.import_summary.isVisible()
    assert "Import finished" in window.import_summary.text.text()

    def patient_listed() -> bool:
        names = window.sidebar.patient_names()
        return any(official["family"] in n and official["given"][0] in n for n in names)

    qtbot.waitUntil(patient_listed, timeout=10000)
    assert patient["birthDate"] in window.sidebar.patients.currentText()

    # The records tab, filtered by one LOINC code, shows exactly that code's results.
    code = "2093-3"  # total cholesterol
    expected = sorted(o["effectiveDateTime"][:10] for o in observations
                      if o["code"]["coding"][0]["code"] == code)
    assert expected, "the bundle has cholesterol results"
    window.tabs.setCurrentWidget(window.records)
    window.records.search.setText(code)
    qtbot.waitUntil(lambda: window.records.column("code") == [code] * len(expected),
                    timeout=10000)
    assert sorted(d[:10] for d in window.records.column("effective")) == expected

    # ...and by category, only that category.
    window.records.search.clear()
    window.records.category.setCurrentIndex(window.records.category.findData("vital-signs"))
    qtbot.waitUntil(lambda: set(window.records.column("category")) == {"vital-signs"},
                    timeout=10000)
    assert code not in window.records.column("code")


def test_a_malformed_file_is_reported_with_its_reason_and_changes_nothing(qtbot, ctx, tmp_path,
                                                                          testdata):
    good = (testdata / "fhir_r4_synthea" / BUNDLE).read_text()
    broken = tmp_path / "truncated_bundle.json"
    broken.write_text(good[: len(good) // 2])  # cut off mid-document
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    window.import_paths([broken])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=60000)

    assert window.last_import["status"] == "failed"
    errors = window.last_import["summary"]["errors"]
    assert [e["file"] for e in errors] == [broken.name]
    text = window.import_summary.text.text()
    assert "Import failed" in text and "Not imported" in text
    for part in ("file", "position", "reason"):  # what, where and why are all shown
        assert html.escape(errors[0][part]) in text
    qtbot.waitUntil(lambda: window.sidebar.patients.count() == 1, timeout=10000)
    assert window.sidebar.patient_names() == []  # the vault is as it was: no patient
