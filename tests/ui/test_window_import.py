"""Importing a real Synthea bundle through the window shows its patient and records."""

from __future__ import annotations

import html
import json
import threading
from pathlib import Path

from app.services.imports import ImportService
from storage.ingest.writer import Writer
from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow
from ui.qt import (
    QApplication,
    QDragEnterEvent,
    QDropEvent,
    QMimeData,
    QPoint,
    QPointF,
    Qt,
    QUrl,
)

RECORD = ('<Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" value="{v}" '
          'sourceName="Watch" startDate="2020-{m:02d}-{d:02d} 08:00:00 +0000" '
          'endDate="2020-{m:02d}-{d:02d} 08:00:00 +0000"/>')


def drop_files(target, paths: list[Path]) -> None:
    """Drop `paths` on `target` as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()  # the zone takes local files
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)


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

    window.tabs.setCurrentWidget(window.importer)
    drop_files(window.importer.drop, [testdata / "fhir_r4_synthea" / BUNDLE])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=60000)
    assert window.last_import.status == "completed"
    assert window.importer.summary.isVisible()
    text = window.importer.summary.text()
    assert "Import finished" in text
    observations_by_category: dict[str, int] = {}
    for o in observations:
        category = o["category"][0]["coding"][0]["code"]
        observations_by_category[category] = observations_by_category.get(category, 0) + 1
    assert f"{observations_by_category['laboratory']:,}" in text  # lab results counted
    first = min(o["effectiveDateTime"][:10] for o in observations)
    assert first >= text.split(", from ")[1][:10]  # the date range reaches the oldest reading

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

    assert window.last_import.status == "failed"
    errors = window.last_import.summary.errors
    assert [e.file for e in errors] == [broken.name]
    text = window.importer.summary.text()
    assert "Import failed" in text and "Not imported" in text
    for part in ("file", "position", "reason"):  # what, where and why are all shown
        assert html.escape(getattr(errors[0], part)) in text
    rows = window.importer.error_rows()
    assert rows == [[errors[0].file, errors[0].position, errors[0].reason]]
    assert rows[0][0] == broken.name and rows[0][1]  # a position is named
    qtbot.waitUntil(lambda: window.sidebar.patients.count() == 1, timeout=10000)
    assert window.sidebar.patient_names() == []  # the vault is as it was: no patient


def test_cancel_stops_an_import_and_keeps_the_vault_as_it_was(qtbot, ctx, tmp_path,
                                                              monkeypatch):
    """Cancel pressed while a file is being read: its committed chunks are undone, the
    page says so and the vault has no patient. The reader holds its first progress
    report until Cancel was pressed, so the click always lands mid-file."""
    monkeypatch.setattr(Writer, "BATCH", 50)
    monkeypatch.setattr(Writer, "WRITE_EVERY", 50)
    records = "".join(RECORD.format(v=50 + i % 40, d=1 + i % 28, m=1 + i // 28 % 12)
                      for i in range(600))
    export = tmp_path / "export.xml"
    export.write_text(f"<HealthData>{records}</HealthData>")
    pressed = threading.Event()
    original_cancel, original_report = ImportService.cancel, Writer.report

    def cancel(self, import_id, *, owner_id):
        pressed.set()
        return original_cancel(self, import_id, owner_id=owner_id)

    def report(self):
        assert pressed.wait(30)
        original_report(self)

    monkeypatch.setattr(ImportService, "cancel", cancel)
    monkeypatch.setattr(Writer, "report", report)
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    view = window.importer
    window.import_paths([export])
    assert not view.files_button.isEnabled() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.import_id is not None, timeout=30000)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert view.rate.text() == "Cancelling…"
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=60000)
    assert window.last_import.status == "cancelled"
    assert "Import cancelled" in view.summary.text()
    assert view.files_button.isEnabled() and not view.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.sidebar.patients.count() == 1, timeout=10000)
    assert window.sidebar.patient_names() == []
    assert window.last_import.summary.total_records == 0
