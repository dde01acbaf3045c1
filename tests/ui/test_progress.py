"""The progress panel follows the team's events (spec WebSocket shapes)."""

from __future__ import annotations

from ui.views.progress import ProgressPanel


def test_the_panel_follows_each_specialist_to_its_end(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    heart = {"specialist": "cardiology", "name": "Dr. Heart"}
    lab = {"specialist": "laboratory", "name": "Dr. Lab"}
    for event in [
        {"type": "query_status", "data": {"status": "processing", "phase": "assessing",
                                          "progress": 0.05}},
        {"type": "specialist_update", "data": {**heart, "status": "analyzing", "progress": 0.5,
                                               "current_task": "Analyzing cholesterol trends"}},
        {"type": "specialist_update", "data": {**lab, "status": "analyzing", "progress": 0.2}},
        {"type": "specialist_complete", "data": {
            **heart, "status": "completed", "confidence": 0.92,
            "findings": {"key_points": ["Total cholesterol is decreasing"]}}},
        {"type": "specialist_complete", "data": {**lab, "status": "failed", "confidence": 0,
                                                 "findings": {"key_points": []}}},
        {"type": "cmo_synthesis", "data": {"phase": "synthesizing", "specialists_complete": 2,
                                           "specialists_total": 2}},
    ]:
        panel.handle({**event, "query_id": "qry_1"})
    assert panel.lines() == [
        "Dr. Heart: done, confidence 92%. Total cholesterol is decreasing",
        "Dr. Lab: could not finish (failed)",
    ]
    assert "2 of 2" in panel.phase.text()
    panel.handle({"type": "query_complete", "query_id": "qry_1", "data": {}})
    assert panel.overall.value() == 100


def test_a_cancelled_or_failed_end_is_not_reported_as_an_answer(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.handle({"type": "query_status", "query_id": "qry_1",
                  "data": {"status": "processing", "phase": "specialist_analysis",
                           "progress": 0.4}})
    panel.handle({"type": "query_complete", "query_id": "qry_1",
                  "data": {"status": "cancelled", "summary": "cancelled by the user"}})
    assert panel.phase.text().startswith("Cancelled")
    assert panel.overall.value() == 40  # where the team stopped, not a full bar
    panel.handle({"type": "query_complete", "query_id": "qry_2", "data": {"status": "failed"}})
    assert panel.phase.text() == "The team could not finish (failed)"
