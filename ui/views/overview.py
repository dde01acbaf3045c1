"""The Overview tab: a card per key measure (latest value, unit, date, flag, quality and a
sparkline), the recent imports, and quick questions that go straight to the team.

A critical flag or a "verify"/"conflict" quality changes the whole card (a coloured
border and a badge in words), never just a colour, so it cannot be missed or misread.
"""

from __future__ import annotations

from typing import Any

from app.context import AppContext
from app.services.overview import KeyMeasure, Overview, OverviewService, format_value
from ui.ops import Op
from ui.qt import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPainter,
    QPainterPath,
    QPen,
    QPointF,
    QPushButton,
    QScrollArea,
    QShowEvent,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.views.answer import SUGGESTIONS

COLUMNS = 4
QUALITY_TEXT = {"verify": "VERIFY: not a credible value; check with the lab",
                "conflict": "CONFLICT: two different results at the same time"}


def badge_text(measure: KeyMeasure) -> str:
    """What the card's badge says: critical first, then quality, then the flag."""
    if measure.flag == "critical":
        return "CRITICAL: contact your clinician"
    if measure.quality == "conflict" and measure.others:
        others = " and ".join(format_value(v) for v in measure.others)
        return f"CONFLICT: {format_value(measure.value)} and {others} at the same time"
    if measure.quality in QUALITY_TEXT:
        return QUALITY_TEXT[measure.quality]
    return {"high": "High", "low": "Low", "abnormal": "Abnormal",
            "normal": "In range"}.get(str(measure.flag), "")


class Sparkline(QWidget):
    """A small line of a series' shape (no axes: the card states the numbers)."""

    def __init__(self, values: tuple[float, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = values
        self.setFixedHeight(34)
        self.setMinimumWidth(120)
        self.setAccessibleName(f"Trend of the last {len(values)} readings")

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt's name
        if len(self.values) < 2:
            return
        low, high = min(self.values), max(self.values)
        span = (high - low) or 1.0
        w, h, pad = self.width(), self.height(), 3
        step = (w - 2 * pad) / (len(self.values) - 1)
        path = QPainterPath()
        points = [QPointF(pad + i * step, h - pad - (v - low) / span * (h - 2 * pad))
                  for i, v in enumerate(self.values)]
        path.moveTo(points[0])
        for point in points[1:]:
            path.lineTo(point)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self.palette().highlight().color()
        painter.setPen(QPen(colour, 1.8))
        painter.drawPath(path)
        painter.setBrush(colour)
        painter.drawEllipse(points[-1], 2.6, 2.6)
        painter.end()


class MeasureCard(QFrame):
    def __init__(self, measure: KeyMeasure, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.measure = measure
        self.setObjectName("measureCard")
        state = ("critical" if measure.flag == "critical" else
                 "verify" if measure.quality != "ok" else
                 "abnormal" if measure.flag in ("high", "low", "abnormal") else "normal")
        self.setProperty("state", state)
        title = QLabel(measure.title)
        title.setObjectName("cardTitle")
        self.value = QLabel(measure.text)
        self.value.setObjectName("cardValue")
        unit = QLabel(measure.unit)
        unit.setObjectName("hint")
        self.date = QLabel(measure.date[:10])
        self.date.setObjectName("hint")
        self.badge = QLabel(badge_text(measure))
        self.badge.setObjectName("badge")
        self.badge.setProperty("state", state)
        self.badge.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.value)
        row.addWidget(unit, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.date)
        layout.addWidget(self.badge)
        # Hidden only once it has a parent: shown before, a parentless label is a window
        # of its own, which flashed on screen and took the keyboard focus from the app.
        self.badge.setVisible(bool(self.badge.text()))
        layout.addWidget(Sparkline(measure.series))
        self.setAccessibleName(f"{measure.title}: {measure.text} {measure.unit} on "
                               f"{measure.date[:10]}. {self.badge.text()}")


class OverviewView(QWidget):
    question_chosen = Signal(str)
    import_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.patient_id: str | None = None
        self.overview: Overview | None = None
        self.cards: dict[str, MeasureCard] = {}
        self._asked = 0
        self._stale = False  # asked to refresh while hidden: reads when next shown

        self.heading = QLabel("Your latest results")
        self.heading.setObjectName("answerTitle")
        self.empty = QLabel("No records yet. Import your health records to see your latest "
                            "results here.")
        self.empty.setObjectName("hint")
        self.import_button = QPushButton("Import records…")
        self.import_button.setObjectName("primary")
        self.import_button.clicked.connect(self.import_requested.emit)
        self._grid_host = QWidget()
        self.grid = QGridLayout(self._grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.imports = QListWidget()
        self.imports.setAccessibleName("Recent imports")
        self.imports.setMaximumHeight(130)
        questions = QWidget()
        q_layout = QVBoxLayout(questions)
        q_layout.setContentsMargins(0, 0, 0, 0)
        for text in SUGGESTIONS:
            button = QPushButton(text)
            button.setObjectName("suggestion")
            button.clicked.connect(lambda _=False, t=text: self.question_chosen.emit(t))
            q_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)

        page = QWidget()
        page.setObjectName("answerPage")
        layout = QVBoxLayout(page)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self._grid_host)
        bottom = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(_section("Recent imports"))
        left.addWidget(self.imports)
        right.addWidget(_section("Quick questions"))
        right.addWidget(questions)
        right.addStretch(1)
        bottom.addLayout(left, 1)
        bottom.addLayout(right, 1)
        layout.addLayout(bottom)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def set_patient(self, patient_id: str | None) -> None:
        self.patient_id = patient_id
        self.refresh()

    def refresh(self) -> None:
        """Read the cards now if the tab is shown, else when it next is: at a million
        records they take some forty scans (about a second of both cores), which would
        slow the tab the person is looking at (the Records pages) and show nobody."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        ctx, patient = self._ctx, self.patient_id
        self._asked += 1
        asked = self._asked
        (
            Op(lambda: OverviewService(ctx.vault).overview(patient_id=patient), parent=self)
            .success(lambda o: asked == self._asked and self._show(o))
            .run_in_background()
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _show(self, overview: Overview) -> None:
        self.overview = overview
        for card in self.cards.values():
            card.deleteLater()
        self.cards.clear()
        for i, measure in enumerate(overview.measures):
            card = MeasureCard(measure)
            self.grid.addWidget(card, i // COLUMNS, i % COLUMNS)
            self.cards[measure.key] = card
        has = bool(overview.measures)
        self.empty.setVisible(not has)
        self.import_button.setVisible(not has)
        self.imports.clear()
        for item in overview.imports:
            files = ", ".join(item.files) or "?"
            self.imports.addItem(f"{item.started}  {files}: {item.status}, "
                                 f"{item.records:,} records")

    def card_texts(self) -> dict[str, tuple[str, str, str, str]]:
        """Each card as shown: (value, unit, date, badge), by measure key."""
        return {key: (c.value.text(), c.measure.unit, c.date.text(), c.badge.text())
                for key, c in self.cards.items()}


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label
