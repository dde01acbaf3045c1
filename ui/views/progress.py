"""The team at work: the CMO's phase and each specialist's progress, from bus events."""

from __future__ import annotations

from typing import Any

from ui.qt import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

PHASES = {
    "assessing": "Dr. Vitality is reading your question",
    "planning": "Dr. Vitality is choosing the specialists",
    "specialist_analysis": "The specialists are analysing your records",
    "synthesizing": "Dr. Vitality is writing the answer",
}


def _percent(value: Any) -> int:
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return 0


def progress_cancelled(event: dict[str, Any]) -> bool:
    """The service's last word on a query was that it was cancelled."""
    return (event.get("type") == "query_complete"
            and (event.get("data") or {}).get("status") == "cancelled")


def completion_text(data: dict[str, Any]) -> str:
    """A specialist's last word: done (with confidence and first point) or why it stopped."""
    if data.get("status") not in (None, "completed"):
        return f"could not finish ({data.get('status')})"
    confidence = data.get("confidence")
    text = "done" if confidence is None else f"done, confidence {_percent(confidence)}%"
    points = (data.get("findings") or {}).get("key_points") or []
    return f"{text}. {points[0]}" if points else text


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phase = QLabel()
        self.phase.setObjectName("answerMeta")
        self.overall = QProgressBar()
        self.overall.setTextVisible(False)
        self._grid = QGridLayout()
        self._grid.setColumnStretch(1, 1)
        self._rows: dict[str, tuple[QLabel, QProgressBar]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.phase)
        layout.addWidget(self.overall)
        layout.addLayout(self._grid)
        self.reset()

    def reset(self) -> None:
        for label, bar in self._rows.values():
            label.deleteLater()
            bar.deleteLater()
        self._rows.clear()
        self.phase.setText("Sending your question to Dr. Vitality…")
        self.overall.setValue(0)

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one bus event (already filtered to the current query)."""
        data = event.get("data") or {}
        kind = event.get("type")
        if kind == "query_status":
            phase = str(data.get("phase") or data.get("status") or "")
            self.phase.setText(PHASES.get(phase, phase.replace("_", " ").capitalize()))
            self.overall.setValue(_percent(data.get("progress")))
        elif kind == "specialist_update":
            task = data.get("current_task") or data.get("status") or "working"
            self._row(data, f"{task}", _percent(data.get("progress")))
        elif kind == "specialist_complete":
            self._row(data, completion_text(data), 100)
        elif kind == "cmo_synthesis":
            self.phase.setText(
                f"{PHASES['synthesizing']} ({data.get('specialists_complete', '?')} of "
                f"{data.get('specialists_total', '?')} specialists reported)")
        elif kind == "query_complete":
            status = data.get("status") or "completed"
            if status == "completed":
                self.phase.setText("Answer ready")
                self.overall.setValue(100)
            elif status == "cancelled":
                self.phase.setText("Cancelled: the team stopped before answering")
            else:
                self.phase.setText(f"The team could not finish ({status})")

    def _row(self, data: dict[str, Any], text: str, percent: int) -> None:
        key = str(data.get("specialist") or data.get("name") or "?")
        name = str(data.get("name") or key)
        if key not in self._rows:
            label, bar = QLabel(), QProgressBar()
            label.setWordWrap(True)
            bar.setTextVisible(False)
            bar.setFixedWidth(120)
            row = len(self._rows)
            self._grid.addWidget(bar, row, 0)
            self._grid.addWidget(label, row, 1)
            self._rows[key] = (label, bar)
        label, bar = self._rows[key]
        label.setText(f"{name}: {text}")
        bar.setValue(max(bar.value(), percent))

    def lines(self) -> list[str]:
        """What the panel says, one line per specialist (for tests and screen readers)."""
        return [label.text() for label, _ in self._rows.values()]
