"""The Overview and Records tab read while an import holds its memory bound.

An import bounds DuckDB's memory (48 MB) and nearly fills it itself; the window's reads
are readers, which run at DuckDB's defaults meanwhile (storage/bounds.py). Here the
bound is tiny, so a read under it fails at once: the cards and the rows must appear.
The expected values come from the raw bundle."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow

HBA1C = "4548-4"


def _raw_hba1c(testdata: Path) -> list[float]:
    """The bundle's HbA1c values, oldest first."""
    bundle = json.loads((testdata / "fhir_r4_synthea" / BUNDLE).read_text())
    return [v for _, v in sorted(
        (r["effectiveDateTime"], float(r["valueQuantity"]["value"]))
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == HBA1C)]


def test_overview_and_records_read_while_an_import_holds_its_bound(
        qtbot, imported_ctx, testdata: Path) -> None:
    values = _raw_hba1c(testdata)
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    with imported_ctx.vault.limit_resources(memory_limit="2MB", threads=1):
        window.show()
        qtbot.waitUntil(lambda: "hba1c" in window.overview.cards, timeout=20000)
        card = window.overview.cards["hba1c"].measure
        assert card.value == values[-1]
        assert card.series == tuple(values[-len(card.series):])  # the sparkline's tail

        window.tabs.setCurrentWidget(window.records)
        window.records.search.setText(HBA1C)
        qtbot.waitUntil(lambda: window.records.model.rowCount() == len(values)
                        and window.records.all_loaded(), timeout=20000)
        assert window.records.column("value") == [f"{v:g}" for v in values[::-1]]
