"""The records tab's filter: a LOINC code exactly, or part of a test's name in any case."""

from __future__ import annotations

import pytest

from app.services.records import RecordsService
from storage.repos import records as storage_records
from ui import ops
from ui.main_window import MainWindow
from ui.qt import Qt
from ui.views import records_model
from ui.views.records_model import KEYS

PAGE = 10

CHOLESTEROL_CODES = {"2093-3", "2085-9", "18262-6"}  # total, HDL and LDL in the bundle


def test_the_filter_finds_tests_by_part_of_their_name_and_hides_the_rest(qtbot, imported_ctx):
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    records = window.records
    window.tabs.setCurrentWidget(records)
    everything = RecordsService(imported_ctx.vault).records(patient_id=window.sidebar.patient_id)
    qtbot.waitUntil(lambda: records.model.rowCount() == len(everything), timeout=10000)

    def rows() -> list[tuple[str, str]]:
        return sorted(zip(records.column("code"), records.column("display"), strict=True))

    def named(part: str) -> list[tuple[str, str]]:
        return sorted((r.code, r.display) for r in everything
                      if part.lower() in str(r.display or "").lower())

    def shows(text: str, expected: list[tuple[str, str]]) -> None:
        records.search.setText(text)
        qtbot.waitUntil(lambda: rows() == expected, timeout=5000)
        assert records.count.text() == f"{len(expected):,} records"

    chol = named("chol")
    assert {code for code, _ in chol} == CHOLESTEROL_CODES  # total, HDL and LDL rows
    assert len(chol) < len(everything)  # so the filter has rows to hide
    shows("chol", chol)
    assert all("chol" in display.lower() for _, display in rows())
    assert "8302-2" not in records.column("code")  # body height is hidden

    glucose = named("glucose")
    assert glucose
    shows("glucose", glucose)
    shows("CHOLESTEROL", chol)  # any case
    shows("2093-3", [row for row in named("") if row[0] == "2093-3"])  # a code, exactly

    # LIKE wildcards typed by the person are plain characters: they match no name here,
    # where an unescaped pattern would match every row.
    shows("  %  ", [])
    shows("glucose", glucose)
    shows("_", [])
    records.search.clear()
    qtbot.waitUntil(lambda: records.model.rowCount() == len(everything), timeout=5000)


def test_my_reference_range_changes_the_flags_of_that_test(qtbot, imported_ctx):
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    records = window.records
    window.tabs.setCurrentWidget(records)
    records.search.setText("2093-3")
    qtbot.waitUntil(lambda: set(records.column("code")) == {"2093-3"}, timeout=10000)
    values = [float(v) for v in records.column("value")]
    low_two = sorted(values)[:2]
    limit = round(sum(low_two) / 2)  # a whole number between the two lowest readings
    assert low_two[0] < limit < low_two[1]
    assert not records.range_button.isEnabled()  # nothing selected yet
    records.table.selectRow(0)
    qtbot.mouseClick(records.range_button, Qt.MouseButton.LeftButton)
    dialog = records.range_dialog
    dialog.low.setText("50")
    dialog.high.setText("10")
    dialog.save()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert "below the upper limit" in dialog.error.text()
    dialog.low.setText("")
    dialog.high.setText(f"{limit:g}")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)

    def flags() -> list[tuple[float, str]]:
        if not records.all_loaded():
            return []
        return sorted(zip(map(float, records.column("value")), records.column("flag"),
                          strict=True))

    expected = sorted((v, "high" if v > limit else "normal") for v in values)
    qtbot.waitUntil(lambda: flags() == expected, timeout=10000)
    assert all(r.endswith("(yours)") for r in records.column("range"))


def test_a_reading_added_by_hand_is_converted_validated_and_listed(qtbot, imported_ctx):
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    records = window.records
    window.tabs.setCurrentWidget(records)
    qtbot.waitUntil(records.add_button.isEnabled, timeout=5000)
    qtbot.mouseClick(records.add_button, Qt.MouseButton.LeftButton)
    dialog = records.add_dialog
    dialog.choose("29463-7")
    assert dialog.unit.itemText(0) == "kg" and dialog.unit.findText("[lb_av]") > 0
    dialog.value.setText("heavy")
    dialog.save()
    assert "not a number" in dialog.error.text()
    dialog.value.setText("180")
    dialog.unit.setCurrentText("[lb_av]")
    dialog.when.setDateTime(dialog.when.dateTime().addDays(2))  # the future: refused
    dialog.save()
    qtbot.waitUntil(lambda: "future" in dialog.error.text(), timeout=10000)
    dialog.when.setDateTime(dialog.when.dateTime().addDays(-3))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    records.search.setText("29463-7")
    kg = 180 * 0.45359237  # the international avoirdupois pound (NIST SP 811)
    qtbot.waitUntil(lambda: records.all_loaded() and f"{kg:g}" in records.column("value"),
                    timeout=10000)
    row = records.column("value").index(f"{kg:g}")
    assert records.column("unit")[row] == "kg"
    assert records.column("original")[row] == "180 [lb_av]"
    assert records.column("source")[row] == "manual"


@pytest.mark.parametrize("row_group", [storage_records.ROW_GROUP_ROWS, 1],
                         ids=["ids-close", "ids-spread"])
def test_a_header_sorts_every_page_as_the_query_orders_them(qtbot, imported_ctx,
                                                           monkeypatch, row_group):
    """Pages are read by key range (storage/repos/records.py): each page still holds
    exactly the rows its sort puts there, rows without a value (sorted last) too. The
    expected order is the test's own SQL over the observations table. Pages of 10 rows,
    so this patient's records make many. This small vault's pages span less than a row
    group, read by id range alone; with a row group of one row, by key range too."""
    monkeypatch.setattr(records_model, "PAGE", PAGE)
    monkeypatch.setattr(storage_records, "ROW_GROUP_ROWS", row_group)
    cur = imported_ctx.vault.cursor()
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    records = window.records
    window.tabs.setCurrentWidget(records)
    for key, order in (("value", Qt.SortOrder.AscendingOrder),
                       ("display", Qt.SortOrder.DescendingOrder),
                       ("effective", Qt.SortOrder.AscendingOrder)):
        way = "ASC" if order == Qt.SortOrder.AscendingOrder else "DESC"
        expected = [row[0] for row in cur.execute(
            f"SELECT id FROM observations ORDER BY {key} {way} NULLS LAST, id {way}").fetchall()]
        assert len(expected) > 3 * PAGE
        records.table.sortByColumn(KEYS.index(key), order)  # as a click on its header
        for first in range(0, len(expected), PAGE):  # every page, from the top down

            wanted = expected[first:first + PAGE]

            def shows(first: int = first, wanted: list[int] = wanted) -> bool:
                rows = [records.model.peek(first + i) for i in range(len(wanted))]
                return [r[0].id if r else None for r in rows] == wanted

            records.table.scrollTo(records.model.index(first, 0))
            qtbot.waitUntil(shows, timeout=10000)
        if key == "value":  # text results have no number: they come last, and are listed
            assert records.model.peek(len(expected) - 1)[0].value is None


def test_the_records_tab_opened_first_reads_its_patient_once_and_the_overview_waits(
        qtbot, imported_ctx):
    """A window that opens on Records reads the chosen patient's rows once (switching the
    header's sort on is no query of its own, which read every patient's rows and was
    then replaced), and the hidden Overview reads nothing until it is shown."""
    window = MainWindow(imported_ctx, start_api=False)
    qtbot.addWidget(window)
    records = window.records
    resets: list[int] = []
    records.model.modelReset.connect(lambda: resets.append(records.model.rowCount()))
    window.tabs.setCurrentWidget(records)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    everything = RecordsService(imported_ctx.vault).records(patient_id=window.sidebar.patient_id)
    qtbot.waitUntil(lambda: records.model.rowCount() == len(everything), timeout=10000)
    qtbot.waitUntil(lambda: ops.busy() == 0, timeout=20000)
    assert resets == [len(everything)]
    assert window.overview.overview is None and not window.overview.cards

    window.tabs.setCurrentWidget(window.overview)
    qtbot.waitUntil(lambda: bool(window.overview.cards), timeout=20000)
    assert window.overview.overview is not None
    assert window.overview.overview.patient_id == window.sidebar.patient_id


def _opened_on_records(qtbot, ctx) -> MainWindow:
    """A window shown with the Records tab current, once its patient is chosen."""
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.tabs.setCurrentWidget(window.records)
    window.show()
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    return window


def test_scrolling_asks_for_the_rows_in_view_before_they_are_painted(
        qtbot, imported_ctx, monkeypatch):
    """The read of a page scrolled to starts with the scroll, not with the paint that
    follows it: when scrollTo returns (no event handled yet), one read is under way."""
    monkeypatch.setattr(records_model, "PAGE", PAGE)
    window = _opened_on_records(qtbot, imported_ctx)
    records = window.records
    everything = RecordsService(imported_ctx.vault).records(patient_id=window.sidebar.patient_id)
    qtbot.waitUntil(lambda: records.model.rowCount() == len(everything), timeout=10000)
    qtbot.waitUntil(lambda: records.model.peek(0) is not None and ops.busy() == 0,
                    timeout=20000)
    row = len(everything) // 2
    assert records.model.peek(row) is None
    records.table.scrollTo(records.model.index(row, 0))
    assert ops.busy() >= 1  # started by the scroll itself
    qtbot.waitUntil(lambda: records.model.peek(row) is not None, timeout=10000)
    assert records.model.peek(row)[0].id == RecordsService(imported_ctx.vault).order(
        patient_id=window.sidebar.patient_id)[row]


def test_a_flag_is_coloured_in_its_own_cell_only(qtbot, imported_ctx):
    """Besides its text (also its tooltip), a cell answers only a flag's colour, and only
    in the flag and quality columns; the other roles a paint asks for have nothing."""
    window = _opened_on_records(qtbot, imported_ctx)
    records = window.records
    qtbot.waitUntil(lambda: records.model.rowCount() > 0 and records.all_loaded(),
                    timeout=20000)
    flags = records.column("flag")
    row = next(i for i, flag in enumerate(flags) if flag in records_model.FLAG_COLOURS)
    model, role = records.model, Qt.ItemDataRole.ForegroundRole
    colour = model.index(row, KEYS.index("flag")).data(role)
    assert colour.name() == records_model.FLAG_COLOURS[flags[row]]
    assert model.index(row, KEYS.index("value")).data(role) is None
    assert model.index(row, KEYS.index("flag")).data(Qt.ItemDataRole.ToolTipRole) == flags[row]
    assert model.index(row, KEYS.index("flag")).data(Qt.ItemDataRole.FontRole) is None
