"""Asking the team through the window: live progress, answer, findings table, chart,
and cancelling a question while the team works."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from agents.team.analyses import ANALYSES
from tests.ui.conftest import BUNDLE
from ui.main_window import MainWindow
from ui.qt import HAS_WEBENGINE, QPushButton, Qt
from ui.views.answer import AnswerView, finding_cells

CHOLESTEROL = "2093-3"


def _raw_cholesterol(testdata: Path) -> list[tuple[str, float]]:
    bundle = json.loads((testdata / "fhir_r4_synthea" / BUNDLE).read_text())
    return sorted(
        (r["effectiveDateTime"], float(r["valueQuantity"]["value"]))
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == CHOLESTEROL
    )


def _open(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx, start_api=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.sidebar.patient_id is not None, timeout=10000)
    window.tabs.setCurrentWidget(window.ask)  # the person opens the Ask tab
    return window


def _ask(qtbot, window: MainWindow, question: str) -> dict:
    window.ask.question.setFocus()
    window.ask.question.setPlainText(question)
    qtbot.keyClick(window.ask.question, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not window.ask.ask_button.isEnabled()  # Ctrl+Enter sent it; the team is working
    qtbot.waitUntil(lambda: window.ask.answer.result is not None, timeout=60000)
    return window.ask.answer.result


def test_an_answer_shows_the_team_findings_and_chart(qtbot, imported_ctx, testdata, tmp_path):
    ctx = imported_ctx
    seen: list[dict] = []
    unsubscribe = ctx.bus.subscribe(seen.append)
    window = _open(qtbot, ctx)
    try:
        shown = _ask(qtbot, window, "What's my cholesterol trend?")
    finally:
        unsubscribe()
    answer = window.ask.answer
    # the view shows the service's typed result as the API's JSON
    stored = ctx.queries.get(shown["query_id"], owner_id=None).model_dump(mode="json")
    assert stored["status"] == "completed"

    # The findings table is exactly the service's key findings.
    findings = stored["synthesis"]["key_findings"]
    assert findings
    assert answer.finding_rows() == [finding_cells(f) for f in findings]
    # ...and those numbers are the raw file's: latest value and count of cholesterol results.
    raw = _raw_cholesterol(testdata)
    row = next(r for r, f in zip(answer.finding_rows(), findings, strict=True)
               if f.get("code") == CHOLESTEROL)
    assert float(row[1]) == round(raw[-1][1], 1) or abs(float(row[1]) - raw[-1][1]) < 0.05
    assert int(row[8]) == len(raw)
    assert answer.summary.isVisible() and answer.summary.text() == stored["synthesis"]["summary"]
    assert not answer.urgent_banner.isVisible()

    # Progress came from the bus and was shown per specialist.
    done = {e["data"]["name"] for e in seen
            if e["type"] == "specialist_complete" and e["query_id"] == shown["query_id"]}
    assert done
    lines = window.ask.progress.lines()
    for name in done:
        assert any(line.startswith(f"{name}: done") for line in lines), (name, lines)

    # The chart is the stored visualization's figure, drawn.
    viz_id = stored["visualization"]["component_id"]
    figure = ctx.queries.get_visualization(viz_id, owner_id=None).figure
    assert answer.chart.isVisible()
    assert answer.chart.figure == figure
    raw_values = sorted(round(v, 3) for _, v in raw)
    assert any(sorted(round(float(y), 3) for y in trace.get("y") or []) == raw_values
               for trace in figure["data"]), "a trace holds the file's cholesterol series"
    if HAS_WEBENGINE:
        qtbot.waitUntil(lambda: answer.chart.rendered_traces == len(figure["data"]),
                        timeout=30000)

    # The conversation is listed in the sidebar.
    qtbot.waitUntil(lambda: stored["conversation_id"] in window.sidebar.conversation_ids(),
                    timeout=10000)

    # Exported as HTML (findings, and the chart with the series) and as PDF (with a picture).
    assert not answer.no_data.isVisible()
    assert answer.pdf_button.isVisible() and answer.html_button.isVisible()
    window.ask.export_to("html", tmp_path / "answer.html")
    qtbot.waitUntil(lambda: window.ask.exported is not None, timeout=30000)
    page = (tmp_path / "answer.html").read_text()
    assert row[1] in page and "What&#x27;s my cholesterol trend?" in page
    assert "Plotly.newPlot" in page and f"{raw[-1][1]:.6f}"[:6] in page
    window.ask.export_to("pdf", tmp_path / "answer.pdf")
    qtbot.waitUntil(lambda: window.ask.exported is not None, timeout=30000)
    pdf = (tmp_path / "answer.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" in pdf


def test_crushing_chest_pain_shows_the_urgent_banner(qtbot, imported_ctx):
    window = _open(qtbot, imported_ctx)
    shown = _ask(qtbot, window, "I have crushing chest pain")
    stored = imported_ctx.queries.get(shown["query_id"], owner_id=None)
    assert stored.urgent is True
    assert window.ask.answer.urgent_banner.isVisible()
    assert window.ask.answer.urgent_banner.text().startswith("This may be an emergency")


def test_a_stored_conversation_reopens_and_suggestions_ask(qtbot, imported_ctx):
    window = _open(qtbot, imported_ctx)
    answer = window.ask.answer
    assert answer.suggestions.isVisible()
    suggestion = answer.suggestions.findChildren(QPushButton)[0]
    suggestion.click()
    qtbot.waitUntil(lambda: answer.result is not None, timeout=60000)
    first = answer.result
    assert first["query"] == suggestion.text()
    assert not answer.suggestions.isVisible()
    qtbot.waitUntil(lambda: first["conversation_id"] in window.sidebar.conversation_ids(),
                    timeout=10000)

    window.sidebar.new_button.click()
    assert answer.result is None and window.ask.conversation_id is None

    item = window.sidebar.conversations.item(
        window.sidebar.conversation_ids().index(first["conversation_id"]))
    window.sidebar.conversations.itemClicked.emit(item)
    qtbot.waitUntil(lambda: answer.result is not None, timeout=10000)
    assert answer.result["query_id"] == first["query_id"]
    assert window.ask.conversation_id == first["conversation_id"]
    assert answer.finding_rows() == [finding_cells(f)
                                     for f in first["synthesis"]["key_findings"]]


QUESTION = "What's my cholesterol trend?"


def _hold_cardiology(monkeypatch) -> threading.Event:
    """The cardiologist keeps working (one step at a time, so it notices a cancel) until the
    query is cancelled; the returned event is set once it has started."""
    working = threading.Event()

    def works(job) -> list:
        working.set()
        give_up = time.monotonic() + 15  # never hang the suite if a cancel is lost
        while time.monotonic() < give_up:
            job.step("Reviewing every cholesterol result", 0.5)
            time.sleep(0.01)
        return []

    monkeypatch.setitem(ANALYSES, "cardiology", works)
    return working


def _assert_cancelled(qtbot, ctx, window: MainWindow) -> dict:
    view = window.ask
    qtbot.waitUntil(view.ask_button.isEnabled, timeout=10000)
    shown = view.answer.result
    assert ctx.queries.get(shown["query_id"], owner_id=None).status == "cancelled"
    assert shown["status"] == "cancelled"
    assert view.status.text() == "Cancelled"
    assert not view.cancel_button.isEnabled()
    # A clear end, not a half answer: the cancelled line, no summary, findings or chart.
    answer = view.answer
    assert answer.error.isVisible() and answer.error.text().startswith("Cancelled.")
    for part in (answer.summary, answer.findings, answer.chart, answer.recommendations):
        assert not part.isVisible()
    assert not view.progress.isVisible()
    assert view.question.toPlainText() == QUESTION  # ready to ask again
    return shown


@pytest.mark.parametrize("press", ["cancel button", "escape"])
def test_cancel_stops_the_team_and_the_view_says_cancelled(qtbot, imported_ctx, monkeypatch,
                                                           press):
    working = _hold_cardiology(monkeypatch)
    seen: list[dict] = []
    unsubscribe = imported_ctx.bus.subscribe(seen.append)
    window = _open(qtbot, imported_ctx)
    view = window.ask
    assert not view.cancel_button.isEnabled()  # nothing runs yet
    view.question.setFocus()
    view.question.setPlainText(QUESTION)
    view.ask_button.click()
    assert view.cancel_button.isEnabled() and not view.ask_button.isEnabled()
    qtbot.waitUntil(lambda: working.is_set() and view.query_id is not None, timeout=10000)
    query_id = view.query_id

    try:
        if press == "escape":
            qtbot.keyClick(view.question, Qt.Key.Key_Escape)
        else:
            view.cancel_button.click()
        assert not view.cancel_button.isEnabled()  # pressed once is enough
        shown = _assert_cancelled(qtbot, imported_ctx, window)
    finally:
        unsubscribe()
    assert shown["query_id"] == query_id
    # The service reported the end on the bus, and the progress panel showed that report.
    last = [e for e in seen if e["query_id"] == query_id][-1]
    assert last["type"] == "query_complete" and last["data"]["status"] == "cancelled"
    assert view.progress.phase.text().startswith("Cancelled")


def test_cancel_pressed_before_the_question_is_accepted_still_stops_it(qtbot, imported_ctx,
                                                                      monkeypatch):
    _hold_cardiology(monkeypatch)
    accept = threading.Event()
    submit = imported_ctx.queries.submit

    def slow_submit(*args, **kwargs):
        assert accept.wait(10)
        return submit(*args, **kwargs)

    monkeypatch.setattr(imported_ctx.queries, "submit", slow_submit)
    window = _open(qtbot, imported_ctx)
    view = window.ask
    view.question.setPlainText(QUESTION)
    view.ask_button.click()
    view.cancel_button.click()  # the service has not given the query an id yet
    assert view.query_id is None and view.status.text() == "Cancelling…"
    accept.set()
    _assert_cancelled(qtbot, imported_ctx, window)


def test_not_in_your_records_and_verify_states_are_shown_plainly(qtbot):
    """The view's reading of a finished answer: no finding with a value means nothing was
    computed from the records; a finding whose quality is verify or conflict is named."""
    view = AnswerView()
    qtbot.addWidget(view)
    view.show()
    base = {"query_id": "q", "query": "What is my ferritin level?", "status": "completed"}
    view.show_answer({**base, "synthesis": {"summary": "No ferritin results on record.",
                                            "key_findings": []}}, None)
    assert view.no_data.isVisible() and view.no_data.text().startswith("Not in your records")
    assert not view.verify.isVisible()
    finding = {"metric": "Hemoglobin A1c", "code": "4548-4", "current_value": 2.4,
               "unit": "%", "flag": "low", "quality": "verify", "n": 3}
    view.show_answer({**base, "synthesis": {"summary": "...", "key_findings": [finding]}}, None)
    assert not view.no_data.isVisible()
    assert view.verify.isVisible() and view.verify.text().startswith("Verify: Hemoglobin A1c")
    assert view.finding_rows()[0][3] == "low · verify"
