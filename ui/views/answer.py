"""One answer from the team: urgent banner, summary, key findings, chart, advice.

Fed with the QueryService's `get()` dict (the spec's GET /queries/:id data plus
`engine` and `urgent`) and the Plotly figure of its visualization, if any.
"""

from __future__ import annotations

import html
from typing import Any

from ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.views.answer_states import NOT_IN_RECORDS, flag_cell, not_in_records, verify_text
from ui.views.chart import ChartView

URGENT_TEXT = ("This may be an emergency. If you have chest pain, trouble breathing, "
               "signs of a stroke, severe bleeding or thoughts of harming yourself, call "
               "your local emergency number (911, 112, 999) or go to the nearest emergency "
               "department now.")

SUGGESTIONS = (
    "What's my cholesterol trend over the last 15 years?",
    "How well controlled is my blood pressure?",
    "Is my HbA1c in range, and how has it changed?",
    "Give me a comprehensive health summary.",
)

CANCELLED_TEXT = ("Cancelled. The team stopped before answering, so nothing here is an "
                  "answer; ask again whenever you like.")

FINDING_COLUMNS = ["Metric", "Latest", "Unit", "Flag", "Trend", "Change", "First", "Last",
                   "Readings"]


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)


def _percent(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):+.1f}%"
    except (TypeError, ValueError):
        return str(value)


def _bullets(items: list[Any]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in items) + "</ul>"


def finding_cells(finding: dict[str, Any]) -> list[str]:
    """One key finding as the table's text cells (also what tests compare with)."""
    return [
        str(finding.get("metric") or finding.get("code") or ""),
        _number(finding.get("current_value")),
        str(finding.get("unit") or ""),
        flag_cell(finding),
        str(finding.get("trend") or ""),
        _percent(finding.get("change_percentage")),
        str(finding.get("first_date") or "")[:10],
        str(finding.get("last_date") or "")[:10],
        _number(finding.get("n")),
    ]


def _label(name: str, *, rich: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AnswerView(QWidget):
    suggestion_chosen = Signal(str)  # an example question was clicked
    export_requested = Signal(str)  # "pdf" or "html"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: dict[str, Any] | None = None
        self.title = _label("answerTitle")
        self.suggestions = QWidget()
        suggestions = QVBoxLayout(self.suggestions)
        suggestions.setContentsMargins(0, 0, 0, 0)
        hint = _label("hint")
        hint.setText("Dr. Vitality reads the question, calls in the right specialists, and "
                     "they compute every number from your records. Try one of these:")
        suggestions.addWidget(hint)
        for text in SUGGESTIONS:
            button = QPushButton(text)
            button.setObjectName("suggestion")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, t=text: self.suggestion_chosen.emit(t))
            suggestions.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        self.urgent_banner = _label("urgentBanner")
        self.urgent_banner.setText(URGENT_TEXT)
        self.meta = _label("answerMeta")
        self.no_data = _label("noDataBanner")
        self.no_data.setText(NOT_IN_RECORDS)
        self.verify = _label("verifyBanner")
        self.export_bar = QWidget()
        bar = QHBoxLayout(self.export_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.pdf_button = QPushButton("Save as PDF…")
        self.html_button = QPushButton("Save as HTML…")
        self.pdf_button.clicked.connect(lambda: self.export_requested.emit("pdf"))
        self.html_button.clicked.connect(lambda: self.export_requested.emit("html"))
        bar.addStretch(1)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.html_button)
        self.summary = _label("summary")
        self.findings_title = _label("sectionTitle")
        self.findings_title.setText("Key findings")
        self.findings = QTableWidget(0, len(FINDING_COLUMNS))
        self.findings.setHorizontalHeaderLabels(FINDING_COLUMNS)
        self.findings.verticalHeader().hide()
        self.findings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.chart = ChartView()
        self.recommendations = _label("recommendations", rich=True)
        self.concerns = _label("concerns", rich=True)
        self.error = _label("errorText")
        self.disclaimer = _label("disclaimer")

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for widget in (self.title, self.suggestions, self.urgent_banner, self.export_bar,
                       self.meta, self.no_data, self.verify, self.error, self.summary,
                       self.findings_title, self.findings,
                       self.chart, self.recommendations, self.concerns, self.disclaimer):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.clear()

    def clear(self) -> None:
        self.result = None
        for widget in (self.urgent_banner, self.export_bar, self.no_data, self.verify,
                       self.meta, self.error, self.summary,
                       self.findings_title, self.findings, self.chart, self.recommendations,
                       self.concerns, self.disclaimer):
            widget.hide()
        self.title.setText("Ask the team a question about your records")
        self.suggestions.show()

    def show_question(self, question: str) -> None:
        """A new question was sent: show it while the team works."""
        self.clear()
        self.suggestions.hide()
        self.title.setText(question)

    def show_answer(self, result: dict[str, Any], figure: dict[str, Any] | None) -> None:
        self.result = result
        self.suggestions.hide()
        if result.get("status") == "cancelled":  # whatever a stopped run left is no answer
            figure, synthesis = None, {}
        else:
            synthesis = result.get("synthesis") or {}
        self.title.setText(str(result.get("query") or ""))
        self.urgent_banner.setVisible(bool(result.get("urgent")))
        self.meta.setText(self._meta_line(result, synthesis))
        self.meta.show()
        failed = result.get("status") not in (None, "completed")
        self.export_bar.setVisible(not failed)
        self.no_data.setVisible(not_in_records(result))
        self.verify.setText(verify_text(result))
        self.verify.setVisible(bool(self.verify.text()))
        self.error.setVisible(failed)
        if result.get("status") == "cancelled":
            self.error.setText(CANCELLED_TEXT)
        elif failed:
            self.error.setText(f"The team could not finish this answer ({result.get('status')}). "
                               + str(result.get("error") or ""))
        self.summary.setText(str(synthesis.get("summary") or ""))
        self.summary.setVisible(bool(synthesis.get("summary")))
        self._fill_findings(list(synthesis.get("key_findings") or []))
        self.chart.show_figure(figure)
        self._fill_list(self.recommendations, "Recommendations",
                        list(synthesis.get("recommendations") or []))
        self._fill_list(self.concerns, "Concerns", list(synthesis.get("concerns") or []))
        note = synthesis.get("disclaimer") or synthesis.get("note")
        self.disclaimer.setText(str(note or ""))
        self.disclaimer.setVisible(bool(note))

    @staticmethod
    def _meta_line(result: dict[str, Any], synthesis: dict[str, Any]) -> str:
        parts = []
        if result.get("complexity"):
            parts.append(f"{str(result['complexity']).capitalize()} question")
        team = (result.get("medical_team") or {}).get("specialists") or []
        names = [str(s.get("name") or s.get("type")) for s in team]
        if names:
            parts.append("answered by Dr. Vitality with " + ", ".join(names))
        if synthesis.get("confidence") is not None:
            parts.append(f"confidence {float(synthesis['confidence']):.0%}")
        if result.get("engine"):
            parts.append(f"engine: {result['engine']}")
        return " · ".join(parts)

    def _fill_findings(self, findings: list[dict[str, Any]]) -> None:
        self.findings.setRowCount(len(findings))
        for row, finding in enumerate(findings):
            for col, text in enumerate(finding_cells(finding)):
                item = QTableWidgetItem(text)
                if col in (1, 5, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.findings.setItem(row, col, item)
        self.findings.resizeColumnsToContents()
        self.findings.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        height = (self.findings.horizontalHeader().height() + 4
                  + sum(self.findings.rowHeight(r) for r in range(len(findings))))
        self.findings.setFixedHeight(min(height, 320))
        self.findings.setVisible(bool(findings))
        self.findings_title.setVisible(bool(findings))

    @staticmethod
    def _fill_list(label: QLabel, title: str, items: list[Any]) -> None:
        label.setText(f"<b>{title}</b>" + _bullets(items))
        label.setVisible(bool(items))

    def finding_rows(self) -> list[list[str]]:
        """The key findings table as shown, row by row."""
        return [
            [self.findings.item(r, c).text() for c in range(self.findings.columnCount())]
            for r in range(self.findings.rowCount())
        ]
