"""The Records view over 1,000,000 records: it scrolls to the end and shows the oldest
reading without reading every row."""

from __future__ import annotations

from datetime import timedelta

from tests.ui.bulk import START, code_of, value_of
from tests.ui.conftest import MILLION
from ui.main_window import MainWindow
from ui.views.records_model import KEEP_PAGES, LOADING, PAGE


def test_a_million_rows_scroll_to_the_end_reading_only_what_is_shown(qtbot, million_ctx):
    window = MainWindow(million_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    records = window.records
    window.tabs.setCurrentWidget(records)
    qtbot.waitUntil(lambda: records.model.rowCount() == MILLION, timeout=60000)
    assert records.count.text() == "1,000,000 records"
    # newest first: the first row is reading 999,999
    qtbot.waitUntil(lambda: records.model.peek(0) is not None, timeout=20000)
    newest = MILLION - 1
    assert records.model.peek(0)[1]["code"] == code_of(newest)
    assert records.model.peek(0)[1]["effective"] == \
        (START + timedelta(minutes=newest)).strftime("%Y-%m-%d %H:%M")

    records.table.scrollToBottom()
    last = MILLION - 1
    qtbot.waitUntil(lambda: records.model.peek(last) is not None, timeout=20000)
    oldest = records.model.peek(last)[1]  # reading 0, the oldest
    assert oldest["effective"] == START.strftime("%Y-%m-%d %H:%M")
    assert oldest["code"] == code_of(0) and oldest["value"] == f"{value_of(0):g}"
    shown = records.table.model().index(last, 2).data()
    assert shown == code_of(0)
    assert records.model.pages_read <= 6  # the first pages and the last ones, nothing between
    assert records.model.rows_in_memory <= KEEP_PAGES * PAGE
    assert records.model.peek(MILLION // 2) is None  # the middle was never read
    assert records.column("code")[MILLION // 2] == LOADING
